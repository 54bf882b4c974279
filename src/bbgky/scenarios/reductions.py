r"""Walking down the hierarchy: what each reduction between adjacent levels loses, measured.

For each pair of adjacent levels present in a run (order: particles → statistics → Vlasov or
Boltzmann → Navier–Stokes → Euler) and each compared quantity — the temperature θ and the
flow's principal stress (P_xy/p in shear, a normal-stress difference in extension) at the last
shared save time — :func:`reductions` gives the measured difference, its 1σ statistical
uncertainty, the size theory expects for the reduction error, and a one-sentence verdict.

**Uncertainty.** Standard errors from the ``*_stderr`` companions (DSMC replicas; particle replicas
under ``[ensemble] replicas``), combined in quadrature; hydrodynamic levels are deterministic.
A single particle realisation has no error of its own: it is estimated from the DSMC replica
spread scaled to N particles, σ_N = s.e. × (R M / N)^{1/2} (R replicas of M samples) — to
leading order in the Boltzmann–Grad limit the N-particle system has the one-particle
fluctuations of an M-sample DSMC gas.

**Expected size** (orders of magnitude, not fits):

* particles → Boltzmann (Boltzmann–Grad, James–Qi–Wang eq. 17): the Boltzmann equation drops the
  finite size of the molecules. Its leading correction is Enskog's: collision rate × χ, with
  χ − 1 ≈ 2.5φ in 3D (Carnahan–Starling contact value, φ = nπd³/6 the packing fraction of the
  effective diameter d) and ≈ (25/16)φ in 2D; only the collision-driven part of a quantity
  changes, so the expected |Δθ|/θ ≈ (χ − 1)|θ − θ0|/θ and |Δ(P_xy/p)| ≈ (χ − 1)|P_xy/p|. The
  scalar pressure p = tr P/d itself carries Enskog's collisional excess over the dilute nθ,
  b₂nχ = 4φχ in 3D (:func:`enskog_pressure_excess`); the P/p rows divide it out.
* Boltzmann → Navier–Stokes (Chapman–Enskog): O(Kn²) with the local Knudsen number
  a* = a μ(θ)/p: Burnett stresses ≈ (4/3)a*² (Maxwell molecules); for θ,
  Δ ln θ ≈ (4/3)a*² ln(θ/θ0). Only after the initial layer (≳ 5 collision times ∫ν dt, ν = p/μ);
  before, the Navier–Stokes stress is instantaneous while the kinetic stress is still relaxing,
  and the comparison is flagged.
* Navier–Stokes → Euler: O(Kn): |P_xy|/p = a*. In simple shear Euler has no viscous stress and no
  viscous heating at all; the difference is the whole viscous response, so the comparison is
  flagged as not measuring an approximation error.
* particles → Vlasov (mean-field scaling): fluctuations O(N^{-1/2}).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import xarray as xr

from . import knudsen
from .sections import Section, fmt

#: bottom of the hierarchy first; adjacent pairs are consecutive levels present in a run
ORDER = ("particles", "statistics", "vlasov", "boltzmann", "navier_stokes", "euler")

#: what the lower level of each pair drops (one phrase)
DROPS = {
    ("particles", "boltzmann"): "the finite size of the molecules (excluded volume and collisional "
    "momentum transfer, Enskog O(φ)), pre-collision correlations (molecular "
    "chaos) and the fluctuations of N particles",
    ("particles", "vlasov"): "pair correlations and the fluctuations of N particles (O(N^-1/2))",
    ("boltzmann", "navier_stokes"): "the stress relaxation over a collision time (initial layer) and the "
    "Burnett (O(Kn²)) stresses: every moment beyond ρ, θ and μ(θ)D",
    ("navier_stokes", "euler"): "viscosity: the shear stress and viscous heating, O(Kn)",
    ("boltzmann", "euler"): "all non-equilibrium stress and its heating, O(Kn)",
    ("vlasov", "euler"): "the velocity spread beyond the local Maxwellian (Landau damping, phase mixing)",
}

AXES = "xyz"


@dataclass
class Reduction:
    upper: str
    lower: str
    quantity: str
    value_upper: float
    value_lower: float
    difference: float  # upper − lower, in the quantity's relative units
    sigma: float  # 1σ of the difference; NaN when not estimated
    expected: float  # expected size of the reduction error; NaN when theory gives none here
    expected_note: str
    flag: str  # non-empty: the comparison does not measure the reduction for this run
    noise_note: str = ""

    @property
    def z(self) -> float:
        return abs(self.difference) / self.sigma if np.isfinite(self.sigma) and self.sigma > 0 else np.nan

    def verdict(self) -> str:
        """One sentence: significant or within noise, against the expectation, what is dropped."""
        drops = DROPS.get((self.upper, self.lower), "the physics between these levels")
        if self.flag:
            return f"Not a measurement of the reduction error: {self.flag}. {self.lower} drops {drops}."
        if np.isfinite(self.z):
            noise = f"within noise ({self.z:.1f}σ)" if self.z < 2 else f"significant ({self.z:.1f}σ)"
        else:
            noise = "uncertainty not estimated"
        if np.isfinite(self.expected) and self.expected > 0:
            resolution = 2 * self.sigma if np.isfinite(self.sigma) else 0.0
            ratio = abs(self.difference) / self.expected
            if np.isfinite(self.z) and self.z < 2 and self.expected < resolution:
                noise += (
                    f"; the expected reduction error {self.expected:.2g} ({self.expected_note}) is "
                    "below what "
                    f"this run resolves (2σ = {resolution:.2g})"
                )
            else:
                size = (
                    "of the expected size"
                    if 1 / 3 <= ratio <= 3
                    else "smaller than expected"
                    if ratio < 1 / 3
                    else "larger than expected"
                )
                noise += f", {size} {self.expected:.2g} ({self.expected_note})"
        return f"{noise[0].upper()}{noise[1:]}; {self.lower} drops {drops}."


def _at(ds: xr.Dataset, name: str, t: float):
    """(value, stderr) of variable ``name`` at the save time nearest ``t`` (stderr NaN if absent)."""
    k = int(np.argmin(np.abs(ds.time.values - t)))
    err = (
        ds[f"{name}_stderr"].values[k] if f"{name}_stderr" in ds else np.full_like(ds[name].values[k], np.nan)
    )
    return ds[name].values[k], err


def stress_quantities(L: np.ndarray) -> list[tuple[str, tuple[int, int], tuple[int, int] | None]]:
    """The flow's stress measures as (label, (i, j), (k, l) or None), value (P_ij − P_kl)/p:
    in shear the shear stress P_xy/p and the first normal-stress difference (P_xx − P_yy)/p (a
    Burnett effect: zero in Navier–Stokes); in a diagonal flow the largest normal-stress
    difference; none for an isotropic or absent flow."""
    L = np.asarray(L, float)
    d = L.shape[0]
    S = 0.5 * (L + L.T)
    off = np.abs(S - np.diag(np.diag(S)))
    if off.max() > 0:
        i, j = sorted(int(k) for k in np.unravel_index(int(np.argmax(off)), off.shape))
        return [
            (f"P_{AXES[i]}{AXES[j]}/p", (i, j), None),
            (f"(P_{AXES[i] * 2} − P_{AXES[j] * 2})/p", (i, i), (j, j)),
        ]
    dev = np.diag(S) - np.trace(S) / d
    if np.abs(dev).max() > 0:
        i, j = int(np.argmax(dev)), int(np.argmin(dev))
        return [(f"(P_{AXES[i] * 2} − P_{AXES[j] * 2})/p", (i, i), (j, j))]
    return []


def principal_stress(L: np.ndarray):
    """The first of :func:`stress_quantities` (None for an isotropic or absent flow)."""
    q = stress_quantities(L)
    return q[0] if q else None


def packing_fraction(cfg) -> tuple[float, float]:
    """(φ, χ − 1): packing fraction of the effective diameter and Enskog's contact-value excess."""
    inter, d = cfg.interaction, cfg.system.dimension
    sigma = inter.scaled_parameters(cfg.system.particles).sigma
    diameter = sigma * (2 ** (1 / 6) if inter.potential in ("wca", "lj") else 1.0)
    n = cfg.system.density
    if d == 3:
        phi = n * np.pi * diameter**3 / 6
        return phi, (1 - phi / 2) / (1 - phi) ** 3 - 1
    if d == 2:
        phi = n * np.pi * diameter**2 / 4
        return phi, (1 - 7 * phi / 16) / (1 - phi) ** 2 - 1
    return float("nan"), float("nan")


def enskog_pressure_excess(cfg) -> tuple[float, str]:
    r"""(b₂nχ, a note): Enskog's collisional excess of the scalar pressure of a dense gas over
    the dilute (Boltzmann) value, $p = n\theta\,(1 + b_2 n\chi)$ with the second virial
    coefficient of hard spheres $b_2 = 2\pi d^3/3$ in 3D ($\pi d^2/2$ in 2D), so
    $(p - n\theta)/n\theta = b_2 n\chi = 4\varphi\chi$ (3D) or $2\varphi\chi$ (2D)
    (Chapman & Cowling, *The Mathematical Theory of Non-uniform Gases*, 3rd ed. 1970, §16.3;
    d, φ and χ of :func:`packing_fraction`). NaN in 1D."""
    phi, chi1 = packing_fraction(cfg)
    k = {3: 4.0, 2: 2.0}.get(cfg.system.dimension)
    if k is None or not np.isfinite(chi1):
        return float("nan"), ""
    return k * phi * (1 + chi1), f"Enskog b₂nχ = {k:g}φχ, φ = {phi:.2g}, χ = {1 + chi1:.3g}"


def scalar_pressure(ds: xr.Dataset, t: float) -> tuple[float, float]:
    """(p, 1σ) at the save time nearest t: the ``pressure`` variable (tr P/d per replica, with its
    replica standard error) when the level writes one; else tr P/d, whose 1σ for a kinetic level
    (p = ρθ exactly, no virial) is ρ × the s.e. of θ (NaN without one)."""
    if "pressure" in ds:
        return tuple(float(v) for v in _at(ds, "pressure", t))
    P, _ = _at(ds, "pressure_tensor", t)
    k = int(np.argmin(np.abs(ds.time.values - t)))
    _, se = _at(ds, "temperature", t)
    return float(np.trace(P) / P.shape[0]), float(ds.density.values[k] * se)


def strain_rate(L: np.ndarray) -> float:
    """|D°| = (2 D°:D°)^½ of the traceless rate of strain (= a in simple shear, 0 in isotropic expansion)."""
    D = 0.5 * (np.asarray(L, float) + np.asarray(L, float).T)
    D0 = D - np.trace(D) / D.shape[0] * np.eye(D.shape[0])
    return float(np.sqrt(2 * np.sum(D0 * D0)))


def knudsen_state(cfg, ds: xr.Dataset, t: float) -> tuple[float, float]:
    """(Kn, ∫ν dt) at time t along ``ds``: Kn = |D°| μ(θ)/p (a* in shear), ν = p/μ(θ); NaN when μ is
    not available for this configuration."""
    from scipy.integrate import cumulative_trapezoid

    if cfg.flow is None or cfg.system.dimension != 3:
        return float("nan"), float("nan")
    try:
        mu, _ = knudsen.viscosity(cfg)
    except Exception:
        return float("nan"), float("nan")
    tt = ds.time.values
    keep = tt <= t + 1e-12
    rho, theta = ds.density.values[keep], ds.temperature.values[keep]
    nu = rho * theta / np.asarray(mu(theta), float)
    collisions = cumulative_trapezoid(nu, tt[keep], initial=0.0)[-1] if keep.sum() > 1 else 0.0
    return strain_rate(cfg.velocity_gradient()) / nu[-1], float(collisions)


def _particle_noise(cfg, upper: xr.Dataset, lower: xr.Dataset, name: str, t: float, value_err):
    """The 1σ of a single N-particle realisation (no replicas): the DSMC replica spread scaled to N."""
    if f"{name}_stderr" in upper or f"{name}_stderr" not in lower:
        return value_err, ""
    R, M = lower.attrs.get("replicas"), lower.attrs.get("samples_per_replica")
    if not R or not M:
        return value_err, ""
    _, se = _at(lower, name, t)
    return se * np.sqrt(float(R) * float(M) / cfg.system.particles), (
        f"particle noise (one realisation, no replicas): θ from the DSMC s.e. × (R M/N)^1/2 "
        f"(R = {int(R)}, M = {int(M)}, N = {cfg.system.particles}); stresses from the spread of w_i w_j "
        "over the "
        "saved particle velocities (kinetic part)"
    )


def _sample_stress_noise(cfg, ds: xr.Dataset, t: float) -> np.ndarray | None:
    """ρ std(w_i w_j)/N^½ from one realisation's saved peculiar velocities (None without them)."""
    if "velocity_sample" not in ds or "pressure_tensor_stderr" in ds or ds.velocity_sample.ndim != 3:
        return None
    k = int(np.argmin(np.abs(ds.time.values - t)))
    w = ds.velocity_sample.values[k]
    return (
        float(ds.density.values[k]) * (w[:, :, None] * w[:, None, :]).std(0) / np.sqrt(cfg.system.particles)
    )


def expected_errors(
    cfg, upper: str, lower: str, kn: float, theta0: float, theta: float, quantities: dict[str, float]
) -> dict[str, tuple[float, str]]:
    """Expected size of the reduction error per quantity ("θ" and each stress label), with a note.

    Boltzmann → Navier–Stokes (Maxwell-molecule values, the order for other kernels): the kinetic
    stress lags the instantaneous Navier–Stokes one by ~1/ν and carries Burnett terms, so
    Δθ/θ ≈ (2/3)Kn²[1 + 2 ln(θ/θ0)] (lag + heating-rate error 2λ* ≈ (4/3)Kn²),
    Δ(P_xy/p) ≈ (4/3)Kn³ and Δ((P_xx − P_yy)/p) ≈ 2Kn² (3λ*/(1+λ*), Navier–Stokes has none)."""
    out: dict[str, tuple[float, str]] = {}
    if (upper, lower) == ("particles", "boltzmann"):
        excess = enskog_pressure_excess(cfg)
        if np.isfinite(excess[0]):
            out["p"] = excess
        phi, chi1 = packing_fraction(cfg)
        if np.isfinite(chi1):
            out["θ"] = (
                chi1 * abs(theta - theta0) / theta,
                f"Enskog (χ−1)|θ−θ0|/θ, φ = {phi:.2g}, χ−1 = {chi1:.2g}",
            )
            for label, value in quantities.items():
                out[label] = (chi1 * abs(value), f"Enskog (χ−1)|{label}|, φ = {phi:.2g}")
    elif (upper, lower) == ("particles", "vlasov"):
        n = cfg.system.particles**-0.5
        out = {key: (n, f"N^-1/2 = {n:.2g}") for key in ("θ", *quantities)}
    elif lower == "navier_stokes" and np.isfinite(kn):
        out["θ"] = (
            2 / 3 * kn**2 * (1 + 2 * abs(np.log(theta / theta0))),
            f"lag + Burnett (2/3)Kn²[1 + 2 ln(θ/θ0)], Kn = {kn:.2g}",
        )
        for label in quantities:
            shear = label.startswith("P_") and label[2] != label[3]
            out[label] = (
                (4 / 3 * kn**3, f"(4/3)Kn³, Kn = {kn:.2g}")
                if shear
                else (2 * kn**2, f"Burnett 2Kn², Kn = {kn:.2g}")
            )
    elif lower == "euler" and np.isfinite(kn):
        for label in quantities:
            out[label] = (kn, f"O(Kn) = {kn:.2g}")
    return out


def compare_pair(cfg, upper: str, lower: str, a: xr.Dataset, b: xr.Dataset) -> list[Reduction]:
    """θ and the flow's stress measures of two adjacent levels at their last shared save time."""
    t = min(float(a.time[-1]), float(b.time[-1]))
    theta0 = float(b.temperature.values[0])
    (ta, sa), (tb, sb) = _at(a, "temperature", t), _at(b, "temperature", t)
    noise_note = ""
    if upper == "particles":
        sa, noise_note = _particle_noise(cfg, a, b, "temperature", t, sa)
    sig_t = np.sqrt(np.nansum([sa**2, sb**2])) / tb if np.isfinite(sa) or np.isfinite(sb) else np.nan
    L = cfg.velocity_gradient()
    kn, collisions = knudsen_state(cfg, a, t)
    flag = ""
    if (
        upper == "boltzmann"
        and lower in ("navier_stokes", "euler")
        and np.isfinite(collisions)
        and collisions < 5
    ):
        flag = (
            f"the run spans {collisions:.2g} collision times (∫ν dt); the kinetic stress is still in "
            "its initial layer (Chapman–Enskog needs ≳ 5)"
        )
    if lower == "euler" and cfg.flow is not None and cfg.flow.kind == "simple_shear":
        flag = (
            "Euler in simple shear has no shear stress and no viscous heating, so the difference is "
            "the entire viscous response"
        )
    stresses = []
    if (
        L.size
        and "pressure_tensor" in a
        and "pressure_tensor" in b
        and a.sizes.get("i") == b.sizes.get("i") == L.shape[0]
    ):
        (Pa, ea), (Pb, eb) = _at(a, "pressure_tensor", t), _at(b, "pressure_tensor", t)
        if upper == "particles":
            sample = _sample_stress_noise(cfg, a, t)
            ea = sample if sample is not None else _particle_noise(cfg, a, b, "pressure_tensor", t, ea)[0]
        for label, ij, kl in stress_quantities(L):

            def value(P, ij=ij, kl=kl):
                return (P[ij] - (P[kl] if kl else 0.0)) / (np.trace(P) / P.shape[0])

            def err(E, P, ij=ij, kl=kl):
                e2 = [E[ij] ** 2] + ([E[kl] ** 2] if kl else [])
                return (
                    np.sqrt(np.nansum(e2)) / (np.trace(P) / P.shape[0]) if np.isfinite(e2).any() else np.nan
                )

            errs = [err(ea, Pa), err(eb, Pb)]
            sig = np.sqrt(np.nansum(np.square(errs))) if np.isfinite(errs).any() else np.nan
            stresses.append((label, value(Pa), value(Pb), sig))
    expected = expected_errors(cfg, upper, lower, kn, theta0, tb, {s[0]: s[2] for s in stresses})
    rows = [
        Reduction(
            upper,
            lower,
            "θ (relative)",
            ta,
            tb,
            (ta - tb) / tb,
            sig_t,
            *expected.get("θ", (np.nan, "")),
            flag,
            noise_note,
        )
    ]
    if (upper, lower) == ("particles", "boltzmann") and "pressure_tensor" in a and "pressure_tensor" in b:
        # the scalar pressure itself: P/p above removes the collisional (virial) excess of the
        # dense particle system, which shows here
        (pa, spa), (pb, spb) = scalar_pressure(a, t), scalar_pressure(b, t)
        if not np.isfinite(spa):  # one realisation: the kinetic part's noise, ρ × the 1σ of θ above
            spa = float(_at(a, "density", t)[0]) * sa
        sig_p = np.sqrt(np.nansum([spa**2, spb**2])) / pb if np.isfinite([spa, spb]).any() else np.nan
        rows.append(Reduction(upper, lower, "p (relative)", pa, pb, (pa - pb) / pb, sig_p,
                              *expected.get("p", (np.nan, "")), flag, noise_note))
    rows += [
        Reduction(
            upper, lower, label, va, vb, va - vb, sig, *expected.get(label, (np.nan, "")), flag, noise_note
        )
        for label, va, vb, sig in stresses
    ]
    return rows


def adjacent(datasets: dict[str, xr.Dataset]) -> list[tuple[str, str]]:
    present = [name for name in ORDER if name in datasets]
    return list(itertools.pairwise(present))


def reductions(cfg, datasets: dict[str, xr.Dataset]) -> list[Reduction]:
    return [r for up, lo in adjacent(datasets) for r in compare_pair(cfg, up, lo, datasets[up], datasets[lo])]


def section(cfg, datasets: dict[str, xr.Dataset]) -> Section | None:
    """The hierarchy walk: one row per (pair, quantity), verdict sentences, the statistics slot."""
    rows_ = reductions(cfg, datasets)
    if not rows_:
        return None
    head = ["reduction", "quantity", "upper", "lower", "difference", "1σ", "expected", "verdict"]
    rows = [
        [
            f"{r.upper} → {r.lower}",
            r.quantity,
            fmt(r.value_upper),
            fmt(r.value_lower),
            fmt(r.difference, 3),
            fmt(r.sigma, 2),
            fmt(r.expected, 2),
            r.verdict(),
        ]
        for r in rows_
    ]
    t = min(float(ds.time[-1]) for ds in datasets.values())
    text = [
        f"Adjacent levels compared at t = {t:.4g}, the last save time they share. "
        "θ: (upper − lower)/θ_lower; "
        "stresses: difference of P/p. 1σ combines the levels' standard errors (DSMC replicas, particle "
        "replicas); 'expected' is the size theory gives for the reduction error (see the glossary); a "
        "difference is significant above 2σ."
    ]
    notes = sorted({r.noise_note for r in rows_ if r.noise_note})
    text += [n[0].upper() + n[1:] + "." for n in notes]
    if "particles" in datasets and getattr(cfg.levels, "statistics", None) is None:
        text.append(
            "Statistics level (g(r), g(r⃗) under shear, the correlation force): slot reserved between "
            "particles and the kinetic level; not run here."
        )
    return Section("Walking down the hierarchy: what each reduction loses", text, (head, rows))


__all__ = [
    "DROPS",
    "ORDER",
    "Reduction",
    "adjacent",
    "compare_pair",
    "enskog_pressure_excess",
    "expected_errors",
    "knudsen_state",
    "packing_fraction",
    "principal_stress",
    "reductions",
    "scalar_pressure",
    "section",
    "strain_rate",
    "stress_quantities",
]
