"""The scenario report: what each level computed and what each reduction keeps and loses.

``report.md`` and a self-contained ``report.html`` (images inline) hold, in order: the run (levels,
wall time, initial and final state); the walk down the hierarchy (:mod:`.reductions`: for each
pair of adjacent levels the difference, its uncertainty, the expected size and a verdict); the
trajectory differences of every pair of levels; plots (θ(t) and the symmetry-allowed pressure
components, error bands where replicas exist); the particle ↔ kinetic comparison
(:mod:`.particles_kinetic`); the closure error against the local Knudsen number
(:mod:`.knudsen`); a glossary; and the references of the methods the run used
(:mod:`bbgky.references`). A section that cannot be computed for a run says why; the report is
always written once the levels have run.
"""

from __future__ import annotations

import itertools
import traceback
from pathlib import Path

import numpy as np
import xarray as xr

from .. import __version__, references
from ..config import Config
from . import demonstrations, knudsen, n_study, particles_kinetic, reductions
from .sections import TIME_LABEL, Section, fmt, pm, render_html, render_markdown, units

AXES = "xyz"

GLOSSARY = [
    (
        "reduced units",
        "lengths in σ, energies in ε (k_B = 1), mass m, time in σ(m/ε)^½ — the σ, ε of "
        "[interaction] before any scaling; under the Boltzmann–Grad scaling U(r/ε)/ε the "
        "molecule has range ε σ",
    ),
    (
        "homo-energetic flow",
        "an affine flow u(x, t) = L(t) x (simple shear, extension, expansion) whose density, "
        "temperature and stress do not depend on position — the objective (OMD) flows of "
        "James–Qi–Wang; the kinetic equation keeps only the velocity variable",
    ),
    (
        "θ",
        "temperature: kinetic energy per degree of freedom of the peculiar velocity w = v − Lx, "
        "θ = k_B T [ε]",
    ),
    (
        "P_ij, p",
        "pressure tensor (kinetic + virial), components along x, y, z; p = tr P/d the scalar pressure",
    ),
    ("ν", "collision rate, ν = p/μ(θ) with μ the Chapman–Enskog shear viscosity; 1/ν the mean free time"),
    ("a*", "local Knudsen number of simple shear, a* = a/ν = a μ(θ)/p (a the shear rate)"),
    ("Kn", "Knudsen number (mean free path / flow length scale); for homo-energetic flows Kn = a*"),
    ("λ, λ*", "heating rate λ = θ'/θ and its reduced form λ* = λ/ν"),
    (
        "W1",
        "Wasserstein-1 (earth mover's) distance between two velocity laws, exact discrete optimal transport",
    ),
    (
        "φ, χ",
        "packing fraction n π d³/6 of the effective diameter d; χ the Enskog contact value of the pair "
        "correlation, χ − 1 ≈ 2.5 φ; b₂nχ = 4φχ the Enskog collisional excess of the pressure of "
        "a dense gas over the dilute nθ",
    ),
    (
        "s.e., 1σ",
        "standard error of a mean over replicas (DSMC, particle ensembles); a difference above 2σ is "
        "called significant",
    ),
]


def glossary() -> Section:
    return Section("Glossary", table=(["symbol", "meaning"], [[k, v] for k, v in GLOSSARY]))


def run_table(cfg: Config, datasets: dict[str, xr.Dataset], wall: dict[str, float]) -> Section:
    stress = reductions.principal_stress(cfg.velocity_gradient())
    shown = "P_xy" if stress and stress[2] is None and stress[1] == (0, 1) else None
    head = [
        "level",
        "saves",
        "t end",
        "θ(0)",
        "θ(end)",
        *([f"{shown}(end)"] if shown else []),
        "e(end)",
        "wall s",
    ]
    rows = []
    for name, ds in datasets.items():
        T = ds["temperature"].values
        pxy = (
            [
                fmt(ds["pressure_tensor"].values[-1, 0, 1])
                if "pressure_tensor" in ds and ds.sizes.get("i", 0) > 1
                else "—"
            ]
            if shown
            else []
        )
        e = ds["internal_energy"].values[-1] if "internal_energy" in ds else np.nan
        rows.append(
            [
                name,
                str(ds.sizes["time"]),
                fmt(float(ds.time[-1])),
                fmt(T[0]),
                fmt(T[-1]),
                *pxy,
                fmt(e),
                fmt(wall.get(name, np.nan), 3),
            ]
        )
    s = cfg.system
    flow = "none" if cfg.flow is None else f"{cfg.flow.kind} (rate {cfg.flow.rate})"
    if cfg.flow is not None and cfg.flow.kind == "matrix":  # no preset rate: show the gradient A itself
        flow = f"matrix, velocity gradient A = {cfg.flow.matrix}"
    what = [f"d = {s.dimension}", f"ρ0 = {s.density}", f"θ0 = {s.temperature}"]
    if "particles" in datasets:
        what.insert(0, f"N = {s.particles} particles")
    b = cfg.levels.boltzmann
    if "boltzmann" in datasets and b is not None and getattr(b, "method", "") == "dsmc":
        what.append(f"DSMC {b.samples} samples × {b.replicas} replicas")
    text = [
        ", ".join(what) + f", potential {cfg.interaction.potential} ({cfg.interaction.scaling} scaling), "
        f"flow {flow}, dt = {cfg.time.step}, seed {s.seed}. Units: reduced (see the glossary)."
    ]
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
        row = [f"{a} ↔ {b}", fmt(rel_t.max()), fmt(rel_t[-1])]
        if "pressure_tensor" in da and "pressure_tensor" in db and da.sizes["i"] == db.sizes["i"]:
            pa, pb = (d["pressure_tensor"].interp(time=t).values for d in (da, db))
            p = np.trace(pb, axis1=1, axis2=2) / pb.shape[1]
            rel_p = np.abs(pa - pb).max(axis=(1, 2)) / np.abs(p)
            row += [fmt(rel_p.max()), fmt(rel_p[-1])]
        else:
            row += ["—", "—"]
        rows.append(row)
    return Section(
        "Differences along the trajectories",
        [
            "Every pair of levels, on shared save times: the largest and the final relative difference "
            "of θ, and of the pressure tensor (max over components, scaled by the scalar pressure p). "
            "No uncertainty here; see the hierarchy table above for noise and expectations."
        ],
        (head, rows),
    )


def independent_components(L: np.ndarray, initial: np.ndarray | None = None) -> list[tuple[int, int]]:
    """The pressure-tensor components (i ≤ j) not zero by symmetry.

    A homo-energetic flow and its initial state are invariant under reflecting every axis of one
    connected component of the graph "i — j if L_ij + L_ji ≠ 0 or the initial tensor couples i, j";
    P_ij with i, j in different components changes sign under that reflection, so it is 0. Simple
    shear couples x and y: P_xz = P_yz = 0. The symmetric P_ji is never shown twice."""
    L = np.asarray(L, float)
    d = L.shape[0]
    coupled = np.abs(L + L.T) > 0
    if initial is not None:
        coupled |= np.abs(np.asarray(initial, float)) > 0
    group = list(range(d))
    for i, j in itertools.combinations(range(d), 2):
        if coupled[i, j]:
            gi, gj = group[i], group[j]
            group = [gi if g == gj else g for g in group]
    return [(i, j) for i in range(d) for j in range(i, d) if i == j or group[i] == group[j]]


def _band(ax, ds: xr.Dataset, name: str, y: np.ndarray, colour: str, index=()) -> None:
    """±2 s.e. band where the level has a ``*_stderr`` companion (replicas)."""
    if f"{name}_stderr" in ds:
        e = ds[f"{name}_stderr"].values[(slice(None), *index)]
        ax.fill_between(ds.time.values, y - 2 * e, y + 2 * e, color=colour, alpha=0.25, lw=0)


def plots(cfg: Config, datasets: dict[str, xr.Dataset], out: Path) -> list[str]:
    """θ(t) of every level and the independent, symmetry-allowed pressure components, ±2 s.e. bands."""
    import matplotlib

    matplotlib.use("Agg")  # files only; never needs a display
    import matplotlib.pyplot as plt

    d = cfg.system.dimension
    colours = {name: f"C{k}" for k, name in enumerate(datasets)}
    names = []
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for level, ds in datasets.items():
        y = ds["temperature"].values
        ax.plot(ds.time, y, "-", color=colours[level], label=level)
        _band(ax, ds, "temperature", y, colours[level])
    ax.set(xlabel=TIME_LABEL, ylabel="θ  [ε/k_B]", title="Temperature (bands: ±2 standard errors)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "temperature.png", dpi=110)
    plt.close(fig)
    names.append("temperature.png")
    with_p = {k: ds for k, ds in datasets.items() if "pressure_tensor" in ds and ds.sizes.get("i") == d}
    if with_p:
        comps = independent_components(cfg.velocity_gradient(), cfg.initial_temperature_tensor())
        cols = min(3, len(comps))
        rows = -(-len(comps) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False, sharex=True)
        for ax, (i, j) in zip(axes.flat, comps, strict=False):
            for level, ds in with_p.items():
                y = ds["pressure_tensor"].values[:, i, j]
                ax.plot(ds.time, y, color=colours[level], label=level)
                _band(ax, ds, "pressure_tensor", y, colours[level], (i, j))
            ax.set_title(f"P_{AXES[i]}{AXES[j]}", fontsize=10)
            ax.set_ylabel(f"P_{AXES[i]}{AXES[j]}  [{units('epsilon sigma-d', d)}]", fontsize=8)
        for ax in axes.flat[len(comps) :]:
            ax.set_visible(False)
        for ax in axes[-1]:
            ax.set_xlabel(TIME_LABEL)
        axes[0, 0].legend(fontsize=7)
        fig.suptitle(
            "Pressure tensor: independent components not zero by symmetry (±2 s.e. bands)", fontsize=10
        )
        fig.tight_layout()
        fig.savefig(out / "pressure_tensor.png", dpi=110)
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
            ax.set(xlabel=TIME_LABEL, ylabel="field energy  [ε]  (log axis)", title="mean-field energy")
        elif name == "phase_space":
            snap = ds.phase_space.isel(time=-1)
            ax.imshow(
                snap.values.T,
                origin="lower",
                aspect="auto",
                cmap="viridis",
                extent=[
                    float(snap[snap.dims[0]][0]),
                    float(snap[snap.dims[0]][-1]),
                    float(snap[snap.dims[1]][0]),
                    float(snap[snap.dims[1]][-1]),
                ],
            )
            ax.set(xlabel="x  [σ]", ylabel="v  [(ε/m)^½]", title=f"f(x, v) at t = {float(ds.time[-1]):.3g}")
        else:
            for key in ("w1_position", "w1_velocity"):
                if key in ds:
                    ax.plot(ds.time, ds[key], label=key.replace("w1_", "W1 "))
            ax.set(xlabel=TIME_LABEL, ylabel="W1  [σ or (ε/m)^½]", title="particles ↔ grid")
            ax.legend()
            n = ds.attrs.get("vlasov_particles")
            text.append(
                f"N-particle mean-field solution ({n}): W1 of the position and velocity "
                f"marginals to the grid solution, final {float(ds.w1_velocity[-1]):.3g} (velocity)."
            )
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
                    text.append(
                        f"Mean-field limit: {key} at t = {float(ds.time[-1]):.3g} falls as "
                        f"N^{rate:.3f} (N = {', '.join(str(int(n)) for n in ds.N.values)})."
                    )
            ax.set(xlabel="N  [particles]", ylabel="W1  [(ε/m)^½ or σ]", title="N-particle ↔ Vlasov")
        else:
            order = float(ds.attrs["order"])
            ax.loglog(
                ds.knudsen, ds.density_error.isel(time=-1), "o-", label=f"density error ∝ Kn^{order:.2f}"
            )
            ax.set(
                xlabel="Kn  [dimensionless]",
                ylabel="max |n_kin − ρ_hydro|/n0  [dimensionless]",
                title="Vlasov–BGK ↔ Euler",
            )
            text.append(
                "Hydrodynamic limit: the kinetic ↔ Euler density error at "
                f"t = {float(ds.time[-1]):.3g} falls as Kn^{order:.3f}."
            )
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "limits.png", dpi=110)
    plt.close(fig)
    return Section("Limit studies", text, images=["limits.png"])


def statistics_section(cfg: Config, out: Path) -> Section | None:
    """g(r) at the last save from ``statistics.nc`` (``[levels.statistics]``), with its ±2 s.e.
    band over replicas and the ideal-gas value of the configured normalisation; the momentum
    balance where it was measured; under a flow, the map of g(r⃗) in the flow plane and the size of
    its l = 2 harmonic (the distortion of the pair correlation by the flow, which the Boltzmann
    level's molecular chaos drops)."""
    from ..statistics.plots import plot_momentum_balance, plot_pair_correlation, plot_pair_correlation_plane

    path = out / "statistics.nc"
    if not path.is_file():
        return None
    with xr.open_dataset(path) as ds:
        last = ds.isel(time=-1).load()
        plane = _plane_map(ds) if "pair_correlation_plane" in ds else None
        harmonic = None
        if "pair_correlation_harmonic" in ds and 2 in ds.l.values:  # l = 2, later half of the saves
            later = ds.time.values >= 0.5 * ds.time.values[-1]
            h2 = ds.pair_correlation_harmonic.sel(l=2).values[later]
            e2 = ds.pair_correlation_harmonic_stderr.sel(l=2).values[later]
            harmonic = (h2.mean(axis=0), np.sqrt(np.sum(e2**2, axis=0)) / h2.shape[0], ds.r.values)
        t, R, norm = float(last.time), int(ds.attrs["replicas"]), str(ds.attrs["normalization"])
        balance, no_balance = None, ds.attrs.get("momentum_balance")
        if "momentum_balance_average" in ds:
            balance = (ds.x_profile.values, [str(v) for v in ds.term.values],
                       ds.momentum_balance_average.values, ds.momentum_balance_average_stderr.values)
    r, g, se = last.r.values, last.pair_correlation.values, last.pair_correlation_stderr.values
    n = cfg.system.particles
    ideal = 1.0 if norm == "finite_size" else (n - 1) / n
    plot_pair_correlation(r, g, se, out / "pair_correlation.png", expected=ideal,
                          label=f"g(r) at t = {t:.4g}")
    k = int(np.nanargmax(g))
    text = [f"Pair correlation at t = {t:.4g} from {R} replicas ({norm} normalisation; an ideal gas "
            f"gives {ideal:.4g}, the dashed line). First peak g = {pm(g[k], se[k])} at r = {r[k]:.3g}. "
            "All estimators are in statistics.nc."]
    images = ["pair_correlation.png"]
    if balance is not None:
        x, terms, mean, err = balance
        plot_momentum_balance(x, terms, mean, err, out / "momentum_balance.png")
        z = np.abs(mean[-1] / np.maximum(err[-1], 1e-300))
        c = np.abs(mean[terms.index("correlation")] / np.maximum(err[terms.index("correlation")], 1e-300))
        text.append(f"Momentum balance along x, averaged over the saves at t ≥ "
                    f"{cfg.levels.statistics.average_from:g} (docs/statistics.md): the residual is within "
                    f"{z.max():.2f} s.e. in every bin (0 expected); the correlation force C reaches "
                    f"{c.max():.2f} s.e. from 0.")
        images.append("momentum_balance.png")
    elif no_balance is not None:
        text.append(f"Momentum balance {no_balance}.")
    if cfg.flow is not None and plane is not None:
        px, py, gp, noise, t0, saves, merged = plane
        plot_pair_correlation_plane(px, py, gp, out / "pair_correlation_plane.png",
                                    title=f"g(r⃗) in the flow plane, t = {t0:.3g}–{t:.4g}  [x, y in σ]")
        images.append("pair_correlation_plane.png")
        text.append(f"The map of g(r⃗) averages the {saves} saves from t = {t0:.3g} to {t:.4g}"
                    + (f" on cells of {merged}×{merged} bins" if merged > 1 else "")
                    + f"; its noise is {noise:.2g} (median 1σ of a cell, from the replicas), so "
                    "features smaller than about twice that are noise.")
        if harmonic is not None:
            h, he, rh = harmonic
            part = int(np.argmax(np.nanmax(np.abs(h), axis=1)))
            j = int(np.nanargmax(np.abs(h[part])))
            text.append(f"Flow distortion: the l = 2 harmonic g_2^{'cs'[part]}(r) of g(r⃗) (cos/sin 2φ "
                        f"in the flow plane, averaged over the same saves) peaks at "
                        f"{pm(h[part, j], he[part, j])} at r = {float(rh[j]):.3g}; in equilibrium it is 0 "
                        "(the largest of many r bins: judge it against its 1σ and the neighbouring bins). "
                        "Molecular chaos (the Boltzmann level) keeps no pair correlation at all.")
    return Section("Pair correlation (statistics level)", text, images=images)


def _plane_map(ds: xr.Dataset, cells: int = 24):
    """g(r⃗) in the flow plane made readable: the mean over the later half of the saves (the
    sheared structure changes slowly there; the saves are ≳ a collision time apart and counted
    as independent), on cells merged k×k so that at most ``cells`` remain per axis. Returns
    ``(x, y, g, median 1σ of a cell, first time averaged, saves, k)``."""
    times = ds.time.values
    later = times >= 0.5 * times[-1]
    g = ds.pair_correlation_plane.values[later]  # [saves, x, y], NaN beyond r_max
    se = ds.pair_correlation_plane_stderr.values[later]
    k = max(1, -(-g.shape[1] // cells))
    m = g.shape[1] // k * k

    def merge(a):  # k×k block sums and the count of finite cells in each block
        a = a[:, :m, :m].reshape(a.shape[0], m // k, k, m // k, k)
        return np.nansum(a, axis=(0, 2, 4)), np.sum(np.isfinite(a), axis=(0, 2, 4))

    total, count = merge(g)
    var, _ = merge(se**2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
        err = np.where(count > 0, np.sqrt(var) / count, np.nan)
    x = ds.x.values[:m].reshape(-1, k).mean(axis=1)
    y = ds.y.values[:m].reshape(-1, k).mean(axis=1)
    return x, y, mean, float(np.nanmedian(err)), float(times[later][0]), int(later.sum()), k


def _guarded(heading: str, build, *args) -> Section | None:
    """Build one section; a failure becomes a section saying what went wrong, never a lost report."""
    try:
        return build(*args)
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return Section(
            heading,
            [
                f"Not computed for this run: {type(exc).__name__}: {exc} "
                f"({Path(where.filename).name}:{where.lineno})."
            ],
        )


def references_section(cfg: Config, datasets: dict[str, xr.Dataset]) -> Section:
    keys = references.used_by(cfg, list(datasets))
    return Section(
        "References",
        [
            "The papers behind the levels and methods this run used "
            "(`bbgky cite RUN_DIR` prints them as BibTeX)."
        ],
        after=[f"[{k}] {references.text(k)}" for k in keys],
    )


def write_report(
    cfg: Config,
    datasets: dict[str, xr.Dataset],
    out: Path,
    *,
    wall_seconds: dict[str, float] | None = None,
    studies: dict[str, xr.Dataset] | None = None,
) -> Path:
    """Write ``report.md``, ``report.html`` and the PNG plots into ``out``; return the .md path."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    plans = [
        ("The run", run_table, cfg, datasets, wall_seconds or {}),
        ("Walking down the hierarchy: what each reduction loses", reductions.section, cfg, datasets),
        (demonstrations.HEADING, demonstrations.section, cfg, datasets, out),
        ("Differences along the trajectories", reduction_errors, datasets),
        ("Plots", lambda: Section("Plots", images=plots(cfg, datasets, out))),
    ]
    plans.append(("Pair correlation (statistics level)", statistics_section, cfg, out))
    plans.append(("The 1/N law (statistics level)", n_study.section, out))
    if "vlasov" in datasets:
        plans.append(("Mean-field (Vlasov) level", vlasov_section, datasets["vlasov"], out))
    if studies:
        plans.append(("Limit studies", studies_section, studies, out))
    plans += [
        ("Particles ↔ kinetic (Boltzmann–Grad)", particles_kinetic.section, datasets, out),
        (knudsen.HEADING, knudsen.section, cfg, datasets, out),
        ("Glossary", glossary),
        ("References", references_section, cfg, datasets),
    ]
    sections = [s for heading, build, *args in plans if (s := _guarded(heading, build, *args)) is not None]
    footer = f"bbgky {__version__}"
    (out / "report.html").write_text(render_html(cfg.title, sections, out, footer))
    md = out / "report.md"
    md.write_text(render_markdown(cfg.title, sections) + f"\n_{footer}_\n")
    return md
