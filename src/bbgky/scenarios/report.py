"""The scenario report: what each level computed and what each reduction keeps and loses.

``report.md`` and ``report.html`` hold a table of the run (levels, wall time, initial and final
state), the reduction errors for every pair of levels present (relative error of θ(t) and of
each pressure component, interpolated onto the coarser level's save times), and PNG plots of θ(t)
and the pressure tensor from all levels on shared axes; with the particle and DSMC levels the
particle ↔ kinetic comparison of :mod:`.particles_kinetic` (moments and W1 of the velocity law).
"""

from __future__ import annotations

import html
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr

from .. import __version__
from ..config import Config


@dataclass
class Section:
    heading: str
    text: list[str] = field(default_factory=list)
    table: tuple[list[str], list[list[str]]] | None = None
    images: list[str] = field(default_factory=list)


def _fmt(x: float) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{x:.6g}"


def run_table(cfg: Config, datasets: dict[str, xr.Dataset], wall: dict[str, float]) -> Section:
    head = ["level", "saves", "t end", "θ(0)", "θ(end)", "P_xy(end)", "e(end)", "wall s"]
    rows = []
    for name, ds in datasets.items():
        T = ds["temperature"].values
        pxy = ds["pressure_tensor"].values[-1, 0, 1] if "pressure_tensor" in ds and ds.sizes.get("i", 0) > 1 \
            else np.nan
        e = ds["internal_energy"].values[-1] if "internal_energy" in ds else np.nan
        rows.append([name, str(ds.sizes["time"]), _fmt(float(ds.time[-1])), _fmt(T[0]), _fmt(T[-1]),
                     _fmt(pxy), _fmt(e), _fmt(wall.get(name, np.nan))])
    s = cfg.system
    flow = "none" if cfg.flow is None else f"{cfg.flow.kind} (rate {cfg.flow.rate})"
    text = [f"N = {s.particles}, d = {s.dimension}, ρ0 = {s.density}, θ0 = {s.temperature}, "
            f"potential {cfg.interaction.potential} ({cfg.interaction.scaling} scaling), flow {flow}, "
            f"dt = {cfg.time.step}, seed {s.seed}."]
    return Section("The run", text, (head, rows))


def reduction_errors(datasets: dict[str, xr.Dataset]) -> Section | None:
    """Relative errors of θ(t) and of the pressure components for every pair of levels."""
    pairs = list(itertools.combinations(datasets, 2))
    if not pairs:
        return None
    head = ["levels", "max |Δθ|/θ", "final |Δθ|/θ", "max |ΔP_ij|/p", "final |ΔP_ij|/p"]
    rows = []
    for a, b in pairs:
        da, db = datasets[a], datasets[b]
        t = da.time.values if da.sizes["time"] <= db.sizes["time"] else db.time.values
        lo, hi = max(da.time.values[0], db.time.values[0]), min(da.time.values[-1], db.time.values[-1])
        t = t[(t >= lo) & (t <= hi)]
        if t.size == 0:
            continue
        ta, tb = (np.interp(t, d.time.values, d["temperature"].values) for d in (da, db))
        rel_t = np.abs(ta - tb) / np.abs(tb)
        row = [f"{a} ↔ {b}", _fmt(rel_t.max()), _fmt(rel_t[-1])]
        if "pressure_tensor" in da and "pressure_tensor" in db and da.sizes["i"] == db.sizes["i"]:
            pa, pb = (d["pressure_tensor"].interp(time=t).values for d in (da, db))
            p = np.trace(pb, axis1=1, axis2=2) / pb.shape[1]
            rel_p = np.abs(pa - pb).max(axis=(1, 2)) / np.abs(p)
            row += [_fmt(rel_p.max()), _fmt(rel_p[-1])]
        else:
            row += ["—", "—"]
        rows.append(row)
    return Section("Reduction errors", ["Relative differences between levels, on shared save times; "
                                        "the pressure error is scaled by the scalar pressure p."],
                   (head, rows))


def plots(datasets: dict[str, xr.Dataset], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")  # files only; never needs a display
    import matplotlib.pyplot as plt

    names = []
    fig, ax = plt.subplots(figsize=(6, 4))
    for level, ds in datasets.items():
        ax.plot(ds.time, ds["temperature"], label=level)
    ax.set(xlabel="t", ylabel="θ(t)", title="Temperature")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "temperature.png", dpi=120)
    plt.close(fig)
    names.append("temperature.png")
    with_p = {k: ds for k, ds in datasets.items() if "pressure_tensor" in ds}
    if with_p:
        d = max(ds.sizes["i"] for ds in with_p.values())
        fig, axes = plt.subplots(d, d, figsize=(3 * d, 2.4 * d), squeeze=False, sharex=True)
        for (i, j), ax in np.ndenumerate(axes):
            for level, ds in with_p.items():
                if i < ds.sizes["i"] and j < ds.sizes["j"]:
                    ax.plot(ds.time, ds["pressure_tensor"][:, i, j], label=level)
            ax.set_title(f"P[{i},{j}]", fontsize=9)
        axes[0, 0].legend(fontsize=7)
        for ax in axes[-1]:
            ax.set_xlabel("t")
        fig.tight_layout()
        fig.savefig(out / "pressure_tensor.png", dpi=120)
        plt.close(fig)
        names.append("pressure_tensor.png")
    return names


def vlasov_section(ds: xr.Dataset, out: Path) -> Section:
    """Field energy on log axes, the last phase-space snapshot and W1 to the particle solution."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [name for name in ("field_energy", "phase_space", "w1_velocity") if name in ds]
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.6), squeeze=False)
    text = []
    for ax, name in zip(axes[0], panels, strict=True):
        if name == "field_energy":
            ax.semilogy(ds.time, ds.field_energy)
            ax.set(xlabel="t", ylabel="field energy", title="mean-field energy")
        elif name == "phase_space":
            snap = ds.phase_space.isel(time=-1)
            ax.imshow(snap.values.T, origin="lower", aspect="auto", cmap="viridis",
                      extent=[float(snap[snap.dims[0]][0]), float(snap[snap.dims[0]][-1]),
                              float(snap[snap.dims[1]][0]), float(snap[snap.dims[1]][-1])])
            ax.set(xlabel="x", ylabel="v", title=f"f(x, v) at t = {float(ds.time[-1]):.3g}")
        else:
            for key in ("w1_position", "w1_velocity"):
                if key in ds:
                    ax.plot(ds.time, ds[key], label=key.replace("w1_", "W1 "))
            ax.set(xlabel="t", ylabel="W1", title="particles ↔ grid")
            ax.legend()
            n = ds.attrs.get("vlasov_particles")
            text.append(f"N-particle mean-field solution ({n}): W1 of the position and velocity "
                        f"marginals to the grid solution, final {float(ds.w1_velocity[-1]):.3g} (velocity).")
    fig.tight_layout()
    fig.savefig(out / "vlasov.png", dpi=110)
    plt.close(fig)
    if "mass" in ds:
        drift = float(abs(ds.mass[-1] / ds.mass[0] - 1))
        e = ds.total_energy.values
        text.append(f"Mass drift {drift:.2e}; total-energy drift {abs(e[-1] / e[0] - 1):.2e}.")
    return Section("Mean-field (Vlasov) level", text, images=["vlasov.png"])


def studies_section(studies: dict[str, xr.Dataset], out: Path) -> Section:
    """W1 vs N (mean-field limit) and kinetic ↔ hydro error vs Kn, log-log, fitted rates in legends."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(studies), figsize=(5 * len(studies), 3.8), squeeze=False)
    text = []
    for ax, (name, ds) in zip(axes[0], studies.items(), strict=True):
        if name == "w1_vs_n":
            for key in ("w1_position", "w1_velocity"):
                if f"{key}_mean" in ds:
                    rate = float(ds[f"{key}_rate"][-1])
                    ax.loglog(ds.N, ds[f"{key}_mean"].isel(time=-1), "o-", label=f"{key} ∝ N^{rate:.2f}")
                    text.append(f"Mean-field limit: {key} at t = {float(ds.time[-1]):.3g} falls as "
                                f"N^{rate:.3f} (N = {', '.join(str(int(n)) for n in ds.N.values)}).")
            ax.set(xlabel="N", ylabel="W1", title="N-particle ↔ Vlasov")
        else:
            order = float(ds.attrs["order"])
            ax.loglog(ds.knudsen, ds.density_error.isel(time=-1), "o-",
                      label=f"density error ∝ Kn^{order:.2f}")
            ax.set(xlabel="Kn", ylabel="max |n_kin − ρ_hydro|/n0", title="Vlasov–BGK ↔ Euler")
            text.append("Hydrodynamic limit: the kinetic ↔ Euler density error at "
                        f"t = {float(ds.time[-1]):.3g} falls as Kn^{order:.3f}.")
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "limits.png", dpi=110)
    plt.close(fig)
    return Section("Limit studies", text, images=["limits.png"])


def render_markdown(title: str, sections: list[Section]) -> str:
    lines = [f"# {title}", ""]
    for s in sections:
        lines += [f"## {s.heading}", ""]
        lines += [*s.text, ""] if s.text else []
        if s.table:
            head, rows = s.table
            lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            lines += ["| " + " | ".join(r) + " |" for r in rows]
            lines.append("")
        lines += [f"![{img}]({img})" for img in s.images]
        lines.append("")
    return "\n".join(lines)


def render_html(title: str, sections: list[Section]) -> str:
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{e(title)}</title>",
             "<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}"
             "table{border-collapse:collapse}td,th{border:1px solid #aaa;padding:3px 8px}</style>",
             f"</head><body><h1>{e(title)}</h1>"]
    for s in sections:
        parts.append(f"<h2>{e(s.heading)}</h2>")
        parts += [f"<p>{e(t)}</p>" for t in s.text]
        if s.table:
            head, rows = s.table
            parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>")
            parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows]
            parts.append("</table>")
        parts += [f"<img src='{e(img)}' alt='{e(img)}'>" for img in s.images]
    parts.append(f"<p><small>bbgky {__version__}</small></p></body></html>")
    return "\n".join(parts)


def write_report(cfg: Config, datasets: dict[str, xr.Dataset], out: Path, *,
                 wall_seconds: dict[str, float] | None = None,
                 studies: dict[str, xr.Dataset] | None = None) -> Path:
    """Write ``report.md``, ``report.html`` and the PNG plots into ``out``; return the .md path."""
    out = Path(out)
    sections = [run_table(cfg, datasets, wall_seconds or {})]
    errors = reduction_errors(datasets)
    if errors is not None:
        sections.append(errors)
    sections.append(Section("Plots", images=plots(datasets, out)))
    if "vlasov" in datasets:
        sections.append(vlasov_section(datasets["vlasov"], out))
    if studies:
        sections.append(studies_section(studies, out))
    from .knudsen import section as knudsen_section
    from .particles_kinetic import section as particles_kinetic_section

    pk = particles_kinetic_section(datasets, out)  # particles + DSMC Boltzmann level
    if pk is not None:
        sections.append(pk)

    knud = knudsen_section(cfg, datasets, out)  # simple shear with boltzmann + euler/navier_stokes
    if knud is not None:
        sections.append(knud)
    (out / "report.html").write_text(render_html(cfg.title, sections))
    md = out / "report.md"
    md.write_text(render_markdown(cfg.title, sections))
    return md
