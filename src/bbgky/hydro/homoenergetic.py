r"""Homo-energetic hydrodynamics: the universal laws, the reduced Euler and Navier–Stokes systems.

In a homo-energetic flow (James–Qi–Wang §4) the bulk velocity is $u = L(t)x$ with
$L(t) = A(I + tA)^{-1}$, and ρ, θ, e, P depend on t only. Moments of the homo-energetic Boltzmann
equation (eq. 6) give the **universal laws** (eq. 50), whatever the closure:

$$\rho' + \mathrm{tr}(L)\,\rho = 0,\qquad \rho\,e' + P : L = 0 ,$$

(the momentum equation $L' + L^2 = 0$ holds identically for $L = A(I+tA)^{-1}$). Since
$\mathrm{tr}\,L = \tfrac{d}{dt}\log\det(I + tA)$, the first law integrates to
$\rho(t) = \rho_0/\det(I + tA)$ for every level.

**Euler** (eq. 19; Hilbert expansion, $P = \rho\theta I$, $e = \tfrac d2\theta$):
$\theta' + \tfrac 2d\,\mathrm{tr}(L)\,\theta = 0$, so $\theta(t) = \theta_0\det(I + tA)^{-2/d}$ exactly.

**Navier–Stokes in dimensional form** (eq. 20 is printed up to normalisation). Derivation:
the Chapman–Enskog constitutive law of a monatomic gas is
$P = \rho\theta I - 2\mu(\theta)\,D$ with the traceless rate of strain
$D = \tfrac12(L + L^T) - \tfrac13\mathrm{tr}(L)\,I$ (no bulk viscosity for a monatomic dilute gas),
and $e = \tfrac32\theta$. Then $P : L = \rho\theta\,\mathrm{tr}L - 2\mu\,D : L$, and the energy law
$\rho e' + P : L = 0$ becomes $\tfrac32\rho\theta' + \rho\theta\,\mathrm{tr}L - 2\mu\,D:L = 0$, i.e.

$$\theta' + \tfrac23\,\mathrm{tr}(L)\,\theta = \tfrac43\,\frac{\mu(\theta)}{\rho}\,D : L ,\qquad
D : L = D : D = \tfrac12\big(\mathrm{tr}(L^2) + L : L\big) - \tfrac13(\mathrm{tr}L)^2 \ge 0 ,$$

which is eq. 20 with the bracket $\tfrac12(\mathrm{tr}L^2 + L:L - \tfrac23(\mathrm{tr}L)^2) = D:L$ and
the prefactor $\epsilon\mu \to \tfrac43\mu/\rho$. For simple shear $L = a\,e_xe_y^T$: tr L = 0,
$D : L = a^2/2$, and $\theta' = \tfrac23\,\mu(\theta)\,a^2/\rho$. Closed forms: Maxwell molecules
($\mu = \kappa\theta$): $\theta = \theta_0\exp(\tfrac23\kappa a^2 t/\rho)$; hard spheres
($\mu = c\sqrt\theta$): $\sqrt\theta = \sqrt{\theta_0} + \tfrac13 c\,a^2 t/\rho$.

The NS ODE is solved for $\log\theta$ with SciPy's ``solve_ivp`` (DOP853, rtol 1e-11; diffrax is
not a dependency), ρ(t) and L(t) exactly. μ(θ) comes from :func:`bbgky.models.transport.
viscosity_function` for the configured potential or kernel.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy.integrate import solve_ivp

from ..errors import ConfigError, NumericalFailure
from ..models import flows


def rate_of_strain(L: np.ndarray) -> np.ndarray:
    """D = sym(L) − (1/d) tr(L) I: the traceless rate of strain."""
    L = np.asarray(L, float)
    d = L.shape[-1]
    S = 0.5 * (L + np.swapaxes(L, -1, -2))
    return S - np.trace(L, axis1=-2, axis2=-1)[..., None, None] * np.eye(d) / d


def viscous_heating(L: np.ndarray) -> np.ndarray:
    """D : L (= D : D ≥ 0)."""
    return np.einsum("...ij,...ij->...", rate_of_strain(L), np.asarray(L, float))


def _check(A, t, theta0, rho0):
    A = np.asarray(A, float)
    problems = []
    if A.ndim != 2 or A.shape[0] != A.shape[1] or not np.all(np.isfinite(A)):
        problems.append(("flow.matrix", f"A must be a finite square matrix (got shape {A.shape})"))
    if not (np.isfinite(theta0) and theta0 > 0):
        problems.append(("system.temperature", f"must be > 0 (got {theta0})"))
    if not (np.isfinite(rho0) and rho0 > 0):
        problems.append(("system.density", f"must be > 0 (got {rho0})"))
    t = np.asarray(t, float)
    if t.ndim != 1 or t.size == 0 or np.any(np.diff(t) <= 0) or t[0] < 0:
        problems.append(("time", "save times must be increasing and ≥ 0"))
    if problems:
        raise ConfigError(problems)
    t_star = flows.singular_time(A)
    if t[-1] >= t_star:
        raise ConfigError([("time.end", f"the flow is singular at t* = {t_star:.6g} (det(I + tA) = 0); "
                            "time.end must be < t*")])
    return A, t


def kinematics(A: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """det(I + tA) and L(t) = A (I + tA)^{-1} at times t: shapes (nt,), (nt, d, d)."""
    A, t = np.asarray(A, float), np.asarray(t, float)
    return flows.volume_ratio(A, t, np), flows.flow_gradient(A, t, np)


def euler(A, t, *, rho0: float, theta0: float) -> dict[str, np.ndarray]:
    """Reduced Euler (eq. 19), exact: ρ = ρ0/det(I + tA), θ = θ0 det(I + tA)^{−2/d}, P = ρθI."""
    A, t = _check(A, t, theta0, rho0)
    d = A.shape[0]
    J, _ = kinematics(A, t)
    rho = rho0 / J
    theta = theta0 * J ** (-2.0 / d)
    P = (rho * theta)[:, None, None] * np.eye(d)[None]
    return {"time": t, "density": rho, "temperature": theta, "internal_energy": 0.5 * d * theta,
            "pressure_tensor": P, "heat_flux": np.zeros((t.size, d))}


def navier_stokes(A, t, *, rho0: float, theta0: float, viscosity: Callable[[np.ndarray], np.ndarray],
                  rtol: float = 1e-11, atol: float = 1e-13, start: float = 0.0) -> dict[str, np.ndarray]:
    """Reduced Navier–Stokes (dimensional eq. 20) for any A in 3D.

    ``viscosity(θ)`` returns μ (m = k_B = 1). Returns the same fields as :func:`euler` plus
    ``viscosity``; P = ρθI − 2μ(θ)D. Raises :class:`NumericalFailure` if the ODE fails.
    ``start``: the time at which θ = ``theta0`` (≤ t[0]; ρ0 is always the density at t = 0).
    """
    A, t = _check(A, t, theta0, rho0)
    if A.shape[0] != 3:
        raise ConfigError([("system.dimension", "the Navier–Stokes level needs dimension 3 (Chapman–"
                            f"Enskog transport of a 3D gas); got {A.shape[0]}")])

    def rhs(s, y):
        L = flows.flow_gradient(A, s, np)
        rho = rho0 / flows.volume_ratio(A, s, np)
        theta = math.exp(y[0])
        mu = float(np.asarray(viscosity(np.array([theta])))[0])
        return [-(2.0 / 3.0) * np.trace(L) + (4.0 / 3.0) * mu / (rho * theta) * float(viscous_heating(L))]

    sol = solve_ivp(rhs, (float(start), float(t[-1])), [math.log(theta0)], method="DOP853", t_eval=t,
                    rtol=rtol, atol=atol)
    if not sol.success or not np.all(np.isfinite(sol.y)):
        raise NumericalFailure(f"Navier–Stokes ODE failed: {sol.message}", time=float(sol.t[-1])
                               if sol.t.size else None)
    return navier_stokes_fields(A, t, np.exp(sol.y[0]), rho0=rho0, viscosity=viscosity)


def navier_stokes_fields(A, t, theta, *, rho0: float, viscosity: Callable[[np.ndarray], np.ndarray]
                         ) -> dict[str, np.ndarray]:
    """The Navier–Stokes fields at times t and temperatures θ(t): ρ = ρ0/det(I + tA) and the
    constitutive law P = ρθI − 2μ(θ)D."""
    t, theta = np.asarray(t, float), np.asarray(theta, float)
    J, L = kinematics(A, t)
    rho = rho0 / J
    mu = np.asarray(viscosity(theta), float)
    P = (rho * theta)[:, None, None] * np.eye(3)[None] - 2.0 * mu[:, None, None] * rate_of_strain(L)
    return {"time": t, "density": rho, "temperature": theta, "internal_energy": 1.5 * theta,
            "pressure_tensor": P, "heat_flux": np.zeros((t.size, 3)), "viscosity": mu}


def grad13(A, t, *, rho0: float, theta0: float, viscosity: Callable[[np.ndarray], np.ndarray],
           pressure0: np.ndarray | None = None) -> dict[str, np.ndarray]:
    r"""The 13-moment (Grad) closure of homo-energetic flow, beyond Navier–Stokes.

    In a homo-energetic flow the heat flux vanishes by symmetry and every gradient term of Grad's
    13-moment equations (and of the regularising terms of R13) is zero, so the closure is the
    pressure-tensor equation with Grad's production term at the rate ν = p/μ(θ) that reproduces
    the Chapman–Enskog viscosity:

    $$ \dot P + LP + PL^\top + \mathrm{tr}(L)P = -\frac{p}{\mu(\theta)}(P - pI). $$

    For Maxwell molecules (μ ∝ θ) this is the exact second-moment equation of the Boltzmann
    equation (:mod:`bbgky.kinetic.boltzmann.moments`, solved by the same routine); for other
    kernels it keeps the normal-stress differences and the non-linear stress–strain response that
    Navier–Stokes drops (Burnett order and beyond). ``pressure0`` defaults to ρ0θ0 I.
    """
    from ..kinetic.boltzmann.moments import solve_second_moments

    A, t = _check(A, t, theta0, rho0)
    d = A.shape[0]
    P0 = rho0 * theta0 * np.eye(d) if pressure0 is None else np.asarray(pressure0, float)

    def rate(rho, theta):
        return float(rho * theta / np.asarray(viscosity(np.array([theta])), float)[0])

    try:
        sol = solve_second_moments(P0, A, rho0, t, rate)
    except RuntimeError as exc:
        raise NumericalFailure(f"13-moment ODE failed: {exc}") from None
    theta = sol.temperature
    return {"time": t, "density": sol.density, "temperature": theta, "internal_energy": 0.5 * d * theta,
            "pressure_tensor": sol.pressure_tensor, "heat_flux": np.zeros((t.size, d))}


def universal_residuals(A, t, density, internal_energy, pressure_tensor) -> dict[str, float]:
    """Relative residuals of the universal laws (eq. 50) along a time series (any level).

    ``density_law``: max |ρ' + tr(L)ρ| / max(tr(L)ρ, ρ/t_end); ``energy_law``: max |ρe' + P:L|
    relative to max |P:L|; derivatives by a cubic spline of the samples.
    """
    from scipy.interpolate import CubicSpline

    t = np.asarray(t, float)
    rho = np.asarray(density, float)
    e = np.asarray(internal_energy, float)
    P = np.asarray(pressure_tensor, float)
    _, L = kinematics(A, t)
    trL = np.trace(L, axis1=1, axis2=2)
    PL = np.einsum("tij,tij->t", P, L)
    drho = CubicSpline(t, rho)(t, 1)
    de = CubicSpline(t, e)(t, 1)
    scale_rho = max(np.max(np.abs(trL * rho)), np.max(rho) / max(t[-1], 1e-300))
    scale_e = max(np.max(np.abs(PL)), 1e-300)
    return {"density_law": float(np.max(np.abs(drho + trL * rho)) / scale_rho),
            "energy_law": float(np.max(np.abs(rho * de + PL)) / scale_e)}


def simple_shear_maxwell(t, *, rate: float, rho0: float, theta0: float, kappa: float) -> np.ndarray:
    """NS θ(t) under simple shear for μ = κθ (Maxwell molecules): θ0 exp((2/3) κ a² t/ρ)."""
    return theta0 * np.exp(2.0 / 3.0 * kappa * rate**2 * np.asarray(t, float) / rho0)


def simple_shear_hard_sphere(t, *, rate: float, rho0: float, theta0: float, c: float) -> np.ndarray:
    """NS θ(t) under simple shear for μ = c√θ (hard spheres): (√θ0 + c a² t/(3ρ))²."""
    return (math.sqrt(theta0) + c * rate**2 * np.asarray(t, float) / (3.0 * rho0)) ** 2


__all__ = ["euler", "kinematics", "navier_stokes", "rate_of_strain", "simple_shear_hard_sphere",
           "simple_shear_maxwell", "universal_residuals", "viscous_heating"]
