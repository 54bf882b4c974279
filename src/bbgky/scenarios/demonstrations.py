r"""What an example demonstrates, measured against its reference: the report's "Results against
theory" section.

Each check applies when the run has what it needs and gives (result, measured, reference,
relative difference, verdict):

* **Landau damping** (Vlasov, ``initial.kind = "landau"``, Coulomb): rate γ and frequency ω fitted
  to the peaks of the field energy (:func:`bbgky.kinetic.vlasov.analysis.fit_peaks`, window
  [2, min(25, 0.8 t_end)]) against the root of the dispersion relation $1 + (n_0/θk^2)(1 + ζZ(ζ)) = 0$
  (Landau 1946; :func:`~bbgky.kinetic.vlasov.analysis.dispersion_root`).
* **Two-stream instability** (``initial.kind = "two_stream"``): growth rate from the slope of
  log(field energy) over [0.4, 0.75] of the time to saturation, against the tabulated rates of
  docs/references.md (v²M and (1+5v²)M/6 at k = 0.5, beams ±2.4 at k = 0.2).
* **BKW** (Boltzmann, ``initial.kind = "bkw"``): the fourth moment against the exact
  $M_4 = 15(1 − e^{−τ/3})$ (3D) or $8(1 − e^{−τ/4})$ (2D), τ = start + ρt (Bobylev; Krook–Wu),
  with the DSMC standard error.
* **Homo-energetic expansion** (isotropic expansion): θ(t) of every level against the exact
  $θ_0\det(I + tA)^{−2/d}$ (James–Qi–Wang eq. 19: no viscous heating when the strain is isotropic).
* **NVE energy conservation** (particles without flow): the relative drift of the total energy per
  particle, max_t |e(t) − e(0)|/|e(0)| — velocity Verlet has no secular drift; its error is O(dt²).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from ..models import flows
from .sections import TIME_LABEL, Section, fmt

HEADING = "Results against theory"

#: docs/references.md two-stream growth rates: (profile, k, density) -> γ
TWO_STREAM = {("v2", 0.5, 1.0): 0.2592, ("mixed", 0.5, 12 / 7): 0.2331, ("beams", 0.2, 1.0): 0.2258}


def _row(result, measured, reference, tolerance, note=""):
    rel = (measured - reference) / abs(reference) if reference else measured
    ok = abs(rel) <= tolerance
    verdict = (
        f"agrees within {tolerance:.2g} (relative)" if ok else f"differs by more than {tolerance:.2g}"
    ) + (f" ({note})" if note else "")
    return [result, fmt(measured), fmt(reference), fmt(rel, 2), verdict], ok


def landau(cfg, ds: xr.Dataset):
    from ..kinetic.vlasov.analysis import dispersion_root, fit_peaks

    k, rho, theta = cfg.initial.wavenumber, cfg.system.density, cfg.system.temperature
    t, energy = ds.time.values, ds.field_energy.values
    window = (2.0, min(25.0, 0.8 * float(t[-1])))
    fit = fit_peaks(t, energy, window)
    w = dispersion_root(1 / k**2, k, density=rho, temperature=theta)
    rows = [
        _row("Landau damping rate γ", fit.rate, w.imag, 0.05, f"peaks in t ∈ [{window[0]:g}, {window[1]:g}]")[
            0
        ],
        _row("Landau frequency ω", fit.frequency, w.real, 0.03)[0],
    ]
    return rows, ("log", t, energy, f"γ fitted {fit.rate:.4f}, theory {w.imag:.4f}", w.imag, window)


def two_stream(cfg, ds: xr.Dataset):
    from ..kinetic.vlasov.analysis import fit_growth

    t, energy = ds.time.values, ds.field_energy.values
    t_sat = float(t[int(np.argmax(energy))])
    window = (0.4 * t_sat, 0.75 * t_sat)
    fit = fit_growth(t, energy, window)
    key = (cfg.levels.vlasov.two_stream_profile, cfg.initial.wavenumber, cfg.system.density)
    ref = next(
        (
            g
            for (p, k, n), g in TWO_STREAM.items()
            if p == key[0] and np.isclose(k, key[1]) and np.isclose(n, key[2])
        ),
        None,
    )
    if ref is None:
        return [
            [
                "two-stream growth rate γ",
                fmt(fit.rate),
                "—",
                "—",
                "no tabulated reference for these parameters",
            ]
        ], None
    row = _row(
        "two-stream growth rate γ",
        fit.rate,
        ref,
        0.05,
        f"log-slope over t ∈ [{window[0]:.3g}, {window[1]:.3g}]",
    )
    return [row[0]], ("log", t, energy, f"γ fitted {fit.rate:.4f}, theory {ref:.4f}", ref, window)


def bkw(cfg, ds: xr.Dataset):
    d = cfg.system.dimension
    tau = cfg.initial.start + cfg.system.density * ds.time.values
    exact = 15 * (1 - np.exp(-tau / 3)) if d == 3 else 8 * (1 - np.exp(-tau / 4))
    m4 = (
        ds.speed_moment.sel(order=4).values
        if "order" in ds.speed_moment.coords
        else ds.speed_moment.values[:, 1]
    )
    err = ds.speed_moment_stderr.values[:, 1] if "speed_moment_stderr" in ds else np.full_like(m4, np.nan)
    k = int(np.argmax(np.abs(m4 - exact)))
    z = abs(m4[k] - exact[k]) / err[k] if np.isfinite(err[k]) and err[k] > 0 else np.nan
    note = f"worst save t = {ds.time.values[k]:.3g}" + (
        f", {z:.1f} standard errors" if np.isfinite(z) else ""
    )
    row = _row("BKW fourth moment ⟨|v|⁴⟩ (worst time)", m4[k], exact[k], 0.01, note)
    return [row[0]], (
        "lin",
        ds.time.values,
        (m4, exact, err),
        "⟨|v|⁴⟩: DSMC ± 2 s.e. and exact BKW",
        None,
        None,
    )


def expansion(cfg, datasets: dict[str, xr.Dataset]):
    A, d = cfg.velocity_gradient(), cfg.system.dimension
    rows, curves = [], {}
    for name, ds in datasets.items():
        t = ds.time.values
        det = flows.volume_ratio(A, np.asarray(t, float))
        exact = float(ds.temperature.values[0]) * det ** (-2 / d)
        curves[name] = (t, ds.temperature.values, exact)
        tol = 0.02 if name == "particles" else 1e-3
        rows.append(
            _row(
                f"{name}: θ(end) against θ0 det(I + tA)^(−2/{d})", ds.temperature.values[-1], exact[-1], tol
            )[0]
        )
    return rows, ("expansion", curves)


def nve(cfg, ds: xr.Dataset):
    e = ds.internal_energy.values
    drift = np.abs(e - e[0]) / abs(e[0])
    row = [
        f"NVE energy drift max|e(t) − e(0)|/|e(0)| (dt = {cfg.time.step})",
        fmt(drift.max(), 3),
        "0 (no secular drift)",
        fmt(drift.max(), 2),
        "conserved to " + fmt(drift.max(), 2),
    ]
    return [row], ("nve", ds.time.values, drift)


def section(cfg, datasets: dict[str, xr.Dataset], out: Path) -> Section | None:
    """The checks that apply to this run, one table and one figure (None when none applies)."""
    rows, panels = [], []
    v = datasets.get("vlasov")
    if (
        v is not None
        and "field_energy" in v
        and cfg.initial.kind == "landau"
        and cfg.interaction.potential == "coulomb"
    ):
        r, p = landau(cfg, v)
        rows += r
        panels.append(p)
    if v is not None and "field_energy" in v and cfg.initial.kind == "two_stream":
        r, p = two_stream(cfg, v)
        rows += r
        panels += [p] if p else []
    b = datasets.get("boltzmann")
    if b is not None and cfg.initial.kind == "bkw" and "speed_moment" in b and cfg.flow is None:
        r, p = bkw(cfg, b)
        rows += r
        panels.append(p)
    if cfg.flow is not None and cfg.flow.kind == "isotropic_expansion":
        r, p = expansion(cfg, datasets)
        rows += r
        panels.append(p)
    part = datasets.get("particles")
    if part is not None and cfg.flow is None and "internal_energy" in part:
        r, p = nve(cfg, part)
        rows += r
        panels.append(p)
    if not rows:
        return None
    _plot(panels, Path(out) / "theory.png")
    return Section(
        HEADING,
        [
            "What this run demonstrates, against the theory it quotes (see the module "
            "bbgky.scenarios.demonstrations for the fits and windows)."
        ],
        (["result", "measured", "reference", "relative difference", "verdict"], rows),
        ["theory.png"],
    )


def _plot(panels, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.8), squeeze=False)
    for ax, p in zip(axes[0], panels, strict=True):
        kind = p[0]
        if kind == "log":  # field energy with the theory slope 2γ drawn through the fit window
            _, t, energy, title, rate, window = p
            ax.semilogy(t, energy, lw=1, label="field energy")
            sel = (t >= window[0]) & (t <= window[1])
            if sel.any():
                t0 = t[sel][0]
                peak = energy[sel].max() if rate < 0 else energy[sel][0]
                ax.semilogy(
                    t[sel],
                    peak * np.exp(2 * rate * (t[sel] - t0)),
                    "k--",
                    label=f"theory: ∝ e^(2γt), γ = {rate:.4f}",
                )
            ax.set(xlabel=TIME_LABEL, ylabel="field energy  [ε]  (log axis)", title=title)
        elif kind == "lin":
            _, t, (m4, exact, err), title, _, _ = p
            ax.errorbar(t, m4, 2 * np.nan_to_num(err), fmt="o", ms=3, label="DSMC ± 2 s.e.")
            ax.plot(t, exact, "k-", label="exact BKW")
            ax.set(xlabel=TIME_LABEL, ylabel="⟨|v|⁴⟩  [(ε/m)²]", title=title)
        elif kind == "expansion":
            for name, (t, theta, _) in p[1].items():
                ax.plot(t, theta, label=name)
            t, _, exact = next(iter(p[1].values()))
            ax.plot(t, exact, "k--", label="θ0 det(I + tA)^(−2/d)")
            ax.set(xlabel=TIME_LABEL, ylabel="θ  [ε/k_B]", title="temperature under expansion")
        elif kind == "nve":
            _, t, drift = p
            ax.plot(t, drift, label="velocity Verlet")
            ax.set(
                xlabel=TIME_LABEL, ylabel="|e(t) − e(0)|/|e(0)|  [dimensionless]", title="NVE energy drift"
            )
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


__all__ = ["HEADING", "TWO_STREAM", "bkw", "expansion", "landau", "nve", "section", "two_stream"]
