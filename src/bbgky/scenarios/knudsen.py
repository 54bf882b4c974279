r"""Kinetic ↔ hydrodynamic error against the local Knudsen number, for simple shear.

**Which ν.** For simple shear $L = a\,e_xe_y^T$ the local Knudsen number is
$a^*(t) = a/\nu(t)$ with the *viscosity-based* collision rate $\nu = p/\mu(\theta)$, $p = \rho\theta$
and μ the Chapman–Enskog shear viscosity of the configured kernel or potential (the same μ the
Navier–Stokes level uses). For Maxwell molecules this ν is exactly the relaxation rate of the
traceless second moment, $\nu = \tfrac34\rho\Lambda$ (docs/references.md: μ = p/ν), so $a^*$ is the
$a^*$ of the exact shear solution. For hard spheres $\nu \propto \rho\sqrt\theta$, so $a^*$ falls as
the gas heats.

**Which error.** Euler has no viscous stress and no viscous heating (its $P_{xy}$ and its heating
rate are exactly 0), so "relative error of the heating rate" is identically 1 for Euler and says
nothing about its order. Two measures are therefore used, both *local*: the closure is evaluated
at the kinetic state (ρ, θ_kin(t)) at the same time, so the error is that of the constitutive law
at the current $a^*(t)$, not an error accumulated along the trajectory (the trajectory differences
are in the report's pairwise table):

* ``stress``: $\max_{ij}|P^{\rm hydro}_{ij} - P^{\rm kin}_{ij}|/p$ with
  $P^{\rm Euler} = pI$ and $P^{\rm NS} = pI - 2\mu(\theta)D$. Euler misses the shear stress,
  $|P_{xy}|/p \approx a^*$: **O(a*)**. Navier–Stokes gets $P_{xy}$ to $O(a^{*3})$ but misses the
  Burnett normal-stress differences, e.g. $P_{xx}/p - 1 = 2\lambda^*/(1+\lambda^*) \approx
  \tfrac43 a^{*2}$ for Maxwell molecules: **O(a*²)**.
* ``heating``: the relative error of the heating rate $\lambda = \theta'/\theta$,
  $|\lambda^{\rm NS} - \lambda^{\rm kin}|/\lambda^{\rm kin}$. Both rates come from the universal
  energy law (James–Qi–Wang eq. 50) $\tfrac32\rho\theta' = -P:L$, i.e. $\lambda = -\tfrac23 P:L/p$
  (for simple shear $-\tfrac23 a P_{xy}/p$): no differentiation of a noisy θ(t).
  For Maxwell molecules in the steady regime
  $\lambda^{*}_{\rm kin}(1+\lambda^*_{\rm kin})^2 = \tfrac23 a^{*2}$ and
  $\lambda^*_{\rm NS} = \tfrac23 a^{*2}$, so the relative error is $\approx 2\lambda^* \approx
  \tfrac43 a^{*2}$: **O(a*²)**. For Euler this error is 1 for every a* (reported, not fitted).

The kinetic solution starts from equilibrium (P_xy = 0), and relaxes to the shear state in a few
collision times; times with $\int_0^t\nu\,ds$ below ``min_collisions`` (default 5) are dropped.
Slopes are least-squares fits of log(error) against log(a*).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from .sections import Section, fmt, unavailable

Viscosity = Callable[[np.ndarray], np.ndarray]


def fit_slope(x, y) -> tuple[float, float]:
    """Least-squares (slope, intercept) of log y against log x over the finite, positive pairs."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
    if ok.sum() < 2 or np.ptp(np.log(x[ok])) < 1e-3:
        return float("nan"), float("nan")
    slope, icpt = np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)
    return float(slope), float(icpt)


def local_knudsen(rate: float, density, temperature, viscosity: Viscosity) -> np.ndarray:
    """a* = |a|/ν with ν = p/μ(θ), p = ρθ: a* = |a| μ(θ)/(ρθ)."""
    rho, theta = np.asarray(density, float), np.asarray(temperature, float)
    return abs(rate) * np.asarray(viscosity(theta), float) / (rho * theta)


def heating_rate(pressure_tensor, L) -> np.ndarray:
    """λ = θ'/θ = −(2/3) P:L/p from the universal energy law (3D), p = tr P/3."""
    P = np.asarray(pressure_tensor, float)
    L = np.asarray(L, float)
    p = np.trace(P, axis1=-2, axis2=-1) / 3.0
    return -(2.0 / 3.0) * np.einsum("...ij,...ij->...", P, L) / p


def closure_stress(level: str, density, temperature, L, viscosity: Viscosity | None) -> np.ndarray:
    """The hydrodynamic pressure tensor at the state (ρ, θ): Euler pI, Navier–Stokes pI − 2μ(θ)D."""
    from ..hydro.homoenergetic import rate_of_strain

    rho, theta = np.asarray(density, float), np.asarray(temperature, float)
    L = np.asarray(L, float)
    P = (rho * theta)[..., None, None] * np.eye(3)
    if level == "navier_stokes":
        if viscosity is None:
            raise ValueError("the Navier–Stokes closure needs μ(θ)")
        P = P - 2.0 * np.asarray(viscosity(theta), float)[..., None, None] * rate_of_strain(L)
    elif level != "euler":
        raise ValueError(f"unknown hydrodynamic level {level!r}")
    return P


@dataclass
class KnudsenComparison:
    """One hydro level against the kinetic level, on the kinetic save times kept."""

    level: str
    time: np.ndarray
    a_star: np.ndarray
    heating_kinetic: np.ndarray  # λ = θ'/θ
    heating_hydro: np.ndarray
    stress_error: np.ndarray  # max |ΔP_ij| / p
    heating_error: np.ndarray  # |Δλ| / λ_kin
    collisions: float = float("nan")  # ∫ν dt over the whole kinetic run

    @property
    def stress_slope(self) -> float:
        return fit_slope(self.a_star, self.stress_error)[0]

    @property
    def heating_slope(self) -> float:
        if self.level == "euler":
            return float("nan")  # the error is 1 for every a*: no order to fit
        return fit_slope(self.a_star, self.heating_error)[0]


def compare_states(
    level: str,
    rate: float,
    density,
    temperature,
    pressure_tensor,
    viscosity: Viscosity,
    time=None,
    collisions: float = float("nan"),
) -> KnudsenComparison:
    """Closure ``level`` against kinetic states (ρ, θ, P) of simple shear with rate ``rate``."""
    rho, theta = np.asarray(density, float), np.asarray(temperature, float)
    P = np.asarray(pressure_tensor, float)
    L = np.zeros((3, 3))
    L[0, 1] = rate
    Ph = closure_stress(level, rho, theta, L, viscosity)
    p = np.trace(P, axis1=-2, axis2=-1) / 3.0
    lam_k, lam_h = heating_rate(P, L), heating_rate(Ph, L)
    return KnudsenComparison(
        level,
        np.asarray(time if time is not None else np.arange(rho.size), float),
        local_knudsen(rate, rho, theta, viscosity),
        lam_k,
        lam_h,
        np.abs(Ph - P).max(axis=(-2, -1)) / p,
        np.abs(lam_h - lam_k) / np.abs(lam_k),
        collisions,
    )


def compare(
    kinetic: xr.Dataset, level: str, rate: float, viscosity: Viscosity, *, min_collisions: float = 5.0
) -> KnudsenComparison:
    """Closure ``level`` against a kinetic dataset (``density``, ``temperature``,
    ``pressure_tensor``), dropping the first ``min_collisions`` collision times ∫ν dt."""
    from scipy.integrate import cumulative_trapezoid

    t = kinetic.time.values
    rho, theta = kinetic["density"].values, kinetic["temperature"].values
    nu = rho * theta / np.asarray(viscosity(theta), float)
    collisions = cumulative_trapezoid(nu, t, initial=0.0)
    keep = collisions >= min_collisions
    if not keep.any():  # too short for a steady shear state: an empty comparison, nothing evaluated
        empty = np.zeros(0)
        return KnudsenComparison(level, empty, empty, empty, empty, empty, empty, float(collisions[-1]))
    return compare_states(
        level,
        rate,
        rho[keep],
        theta[keep],
        kinetic["pressure_tensor"].values[keep],
        viscosity,
        time=t[keep],
        collisions=float(collisions[-1]),
    )


#: expected order of each closure's error in a* (Chapman–Enskog): Euler O(a*), Navier–Stokes O(a*²)
EXPECTED_ORDER = {"euler": 1.0, "navier_stokes": 2.0}


def plot(comparisons: list[KnudsenComparison], path: Path, title: str = "", fit: bool = True) -> Path:
    """Error against a* on log–log axes: the points, the fitted power law (solid) and the expected
    order through the same geometric mean (dotted), both slopes in the legend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for n, c in enumerate(comparisons):
        series = [("max|ΔP|/p", c.stress_error, c.stress_slope, EXPECTED_ORDER[c.level])]
        if c.level != "euler":
            series.append(("|Δλ|/λ", c.heating_error, c.heating_slope, 2.0))
        for m, (name, err, slope, order) in enumerate(series):
            colour = f"C{2 * n + m}"
            ax.loglog(c.a_star, err, "o" if m == 0 else "s", ms=3, color=colour, label=f"{c.level}: {name}")
            ok = (c.a_star > 0) & (err > 0)
            if ok.sum() < 2:
                continue
            x = np.geomspace(c.a_star[ok].min(), c.a_star[ok].max(), 20)
            lx, ly = np.log(c.a_star[ok]).mean(), np.log(err[ok]).mean()
            lines = [(order, ":", 1.2, f"expected: slope {order:g}")]  # power laws through the data's centre
            if fit and np.isfinite(slope):
                lines.insert(0, (slope, "-", 1, f"fit: slope {slope:.2f}"))
            for power, style, lw, label in lines:
                ax.loglog(x, np.exp(ly + power * (np.log(x) - lx)), style, color=colour, lw=lw, label=label)
    ax.set(
        xlabel="local Knudsen number a* = a μ(θ)/p  [dimensionless]",
        ylabel="relative error [dimensionless]",
        title=title or "closure error vs local Knudsen number",
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


HEADING = "Error against the local Knudsen number"

_VISCOSITY: dict[str, tuple[Viscosity, str]] = {}


def viscosity(cfg) -> tuple[Viscosity, str]:
    """(μ(θ), its source) of the configured system, built once per configuration (tabulating μ of a
    potential takes seconds) and shared by the report's sections."""
    from ..hydro.level import viscosity_of

    key = cfg.model_dump_json()
    if key not in _VISCOSITY:
        _VISCOSITY.clear()  # one configuration at a time
        _VISCOSITY[key] = viscosity_of(cfg)
    return _VISCOSITY[key]


def section(cfg, datasets: dict[str, xr.Dataset], out: Path):
    """The report Section, or None unless the flow is simple shear with boltzmann and a hydro level."""
    hydro = [h for h in ("euler", "navier_stokes") if h in datasets]
    if cfg.flow is None or cfg.flow.kind != "simple_shear" or "boltzmann" not in datasets or not hydro:
        return None
    kin = datasets["boltzmann"]
    if "pressure_tensor" not in kin or kin.sizes.get("i", 0) != 3:
        return None
    rate = float(cfg.velocity_gradient()[0, 1])
    mu, source = viscosity(cfg)
    comps = [compare(kin, h, rate, mu) for h in hydro]
    if not comps[0].a_star.size:
        return unavailable(
            HEADING,
            f"the kinetic run spans {comps[0].collisions:.2g} collision times (∫ν dt, "
            "ν = p/μ(θ)); the closure comparison starts after 5, once the stress has relaxed "
            "to its shear state. Run longer (time.end) to get this section.",
        )
    head = ["closure", "a* range", "max|ΔP|/p range", "slope (stress)", "|Δλ|/λ range", "slope (heating)"]
    spread = comps[0].a_star.max() / comps[0].a_star.min()
    rows = []
    for c in comps:
        slopes = (c.stress_slope, c.heating_slope) if spread >= 1.5 else (np.nan, np.nan)
        rows.append(
            [
                c.level,
                f"{fmt(c.a_star.min())} – {fmt(c.a_star.max())}",
                f"{fmt(c.stress_error.min())} – {fmt(c.stress_error.max())}",
                fmt(slopes[0]),
                f"{fmt(c.heating_error.min())} – {fmt(c.heating_error.max())}",
                fmt(slopes[1]),
            ]
        )
    text = [
        f"Local Knudsen number a* = a/ν(t), ν = p/μ(θ) with μ from {source}. Closures evaluated at "
        "the kinetic state (ρ, θ_kin(t)); heating rate λ = −(2/3)P:L/p (energy law). Euler's heating "
        "rate is 0, so its relative heating error is 1 (no slope). Expected: Euler stress slope 1, "
        "Navier–Stokes slopes 2. Times before 5 collision times are dropped."
    ]
    if "euler" in hydro:
        text.append(
            "Flagged: Euler in simple shear has no shear stress, so its stress error is |P_xy|/p ≈ a* by "
            "definition — the Euler row shows what viscosity contributes, not a measured closure error."
        )
    if spread < 1.5:
        text.append(
            f"Flagged: a* varies only by a factor {spread:.3g} over this run (for Maxwell molecules it "
            "is constant), too narrow a range for a slope; the slopes are left out. "
            "validation/hydro_knudsen.py scans a*."
        )
    plot(comps, Path(out) / "knudsen.png", title=getattr(cfg, "title", ""), fit=spread >= 1.5)
    return Section(HEADING, text, (head, rows), ["knudsen.png"])


__all__ = [
    "KnudsenComparison",
    "closure_stress",
    "compare",
    "compare_states",
    "fit_slope",
    "heating_rate",
    "local_knudsen",
    "plot",
    "section",
]
