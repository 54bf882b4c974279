r"""Chapman–Enskog shear viscosity and thermal conductivity of a dilute gas, by name: a pair
potential of the registry or a collision kernel (the computation: :mod:`bbgky.models.chapman_enskog`).

**Units.** m = k_B = 1. For a *potential* the temperature is the reduced $T^* = k_BT/\varepsilon$
and viscosity and conductivity are in reduced units m = k_B = σ = ε = 1. For a *kernel*
(``hard_sphere``, ``maxwell``, ``vhs`` of :mod:`bbgky.models.kernels`) the temperature is
θ = k_BT/m and the results are in the units of the kernel's own parameters (σ = 1 by default).
Formulas and checks: :mod:`bbgky.models.chapman_enskog` (Chapman–Cowling 1970, ch. 9–10;
Hirschfelder–Curtiss–Bird 1954, §7.3, §8.2).
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from . import kernels as _kernels
from .chapman_enskog import DEFAULT_SONINE_ORDER, TabulatedViscosity, transport_kernel, transport_potential
from .potentials import REGISTRY
from .scattering import float64, scattering_potential

KERNELS = ("hard_sphere", "maxwell", "vhs")


def _kernel_from(name: str, params: dict) -> _kernels.Kernel:
    try:
        return _kernels.make_kernel(name, **params)
    except (TypeError, ValueError) as exc:
        raise ConfigError([("potential", f"{name}: {exc}")]) from None


@float64
def transport_coefficients(potential: str, temperatures, *, sonine_order: int = DEFAULT_SONINE_ORDER,
                           **params) -> dict:
    """Arrays ``temperature, viscosity, thermal_conductivity, omega22, viscosity_factor,
    conductivity_factor, viscosity_truncation, conductivity_truncation`` and the int ``sonine_order``
    (factors: $f^{(N)}$ relative to the first Sonine approximation; truncation: $|f^{(N)} -
    f^{(N-1)}|/f^{(N)}$, the estimated truncation error). Default N:
    :data:`~bbgky.models.chapman_enskog.DEFAULT_SONINE_ORDER`.

    See :func:`transport_table` for names, units and errors.
    """
    problems = []
    if not isinstance(sonine_order, int | np.integer) or sonine_order < 1:
        problems.append(("sonine_order", f"must be an integer ≥ 1 (got {sonine_order!r})"))
    elif sonine_order > 12:
        problems.append(("sonine_order", f"must be ≤ 12 (got {sonine_order}); order 8 already "
                         "converges hard spheres to 6 digits"))
    T = np.atleast_1d(np.asarray(temperatures, float)) if np.size(temperatures) else np.array([])
    bad = [float(t) for t in T if not (np.isfinite(t) and t > 0)]
    if bad or T.size == 0:
        problems.append(("temperature", f"must be finite and > 0 (got {bad or 'none'})"))
    if potential not in KERNELS and potential not in REGISTRY:
        problems.append(("potential", f"unknown potential or kernel {potential!r}; potentials: "
                         f"{', '.join(sorted(k for k, s in REGISTRY.items() if s.repulsive_core))}; "
                         f"kernels: {', '.join(KERNELS)}"))
    if problems:
        raise ConfigError(problems)
    if potential in KERNELS:
        mu, lam, om, fm, fl, dfm, dfl = transport_kernel(_kernel_from(potential, params), T,
                                                         int(sonine_order))
    else:
        pot = scattering_potential(potential, **params)
        mu, lam, om, fm, fl, dfm, dfl = transport_potential(pot, T, int(sonine_order))
    return {"temperature": T, "viscosity": mu, "thermal_conductivity": lam, "omega22": om,
            "viscosity_factor": fm, "conductivity_factor": fl, "sonine_order": int(sonine_order),
            "viscosity_truncation": dfm, "conductivity_truncation": dfl}


def transport_table(potential: str, temperatures: list[float], *,
                    sonine_order: int = DEFAULT_SONINE_ORDER,
                    **params) -> list[dict]:
    r"""Chapman–Enskog transport of a dilute gas: one record per temperature,
    ``{"temperature", "viscosity", "thermal_conductivity", "omega22", "viscosity_factor",
    "conductivity_factor", "sonine_order", "viscosity_truncation", "conductivity_truncation"}``
    (factors f^(N) relative to the first Sonine approximation; truncation = the relative change
    of the factor from order N − 1 to N, the estimated truncation error).

    ``potential``: a registry potential with a repulsive core (``lj``, ``wca``, ``ipl`` with
    ``exponent``, ``yukawa`` with ``screening_length``; untruncated, except WCA whose range is part
    of its definition) or a kernel (``hard_sphere`` with ``sigma``, ``maxwell`` with ``angular`` /
    ``strength``, ``vhs`` with ``sigma``, ``omega``, ``reference_speed``).

    Potentials: ``temperature`` is $T^* = k_BT/\varepsilon$; viscosity and conductivity are in
    reduced units m = k_B = σ = ε = 1, from the dilute-gas formulas
    $\mu = f_\mu^{(N)}\,\tfrac{5}{16}\sqrt{\pi T^*}/(\pi\,\Omega^{(2,2)*})$ and
    $\lambda = f_\lambda^{(N)}\,\tfrac{15}{4}\,\tfrac{5}{16}\sqrt{\pi T^*}/(\pi\,\Omega^{(2,2)*})$,
    N = ``sonine_order``. ``omega22`` is $\Omega^{(2,2)*}$ (reduced by rigid spheres of diameter σ).
    Kernels: ``temperature`` is θ = k_BT/m, results in the kernel's units (σ = 1 by default);
    ``omega22`` is reduced by rigid spheres of the kernel's σ (1 if it has none).

    Raises :class:`~bbgky.errors.ConfigError` for a temperature ≤ 0, an unknown name, a potential
    with no repulsive core (``gaussian``), a Sonine order < 1, or bad parameters.
    """
    res = transport_coefficients(potential, temperatures, sonine_order=sonine_order, **params)
    keys = ("temperature", "viscosity", "thermal_conductivity", "omega22", "viscosity_factor",
            "conductivity_factor", "viscosity_truncation", "conductivity_truncation")
    return [{**{key: float(res[key][k]) for key in keys}, "sonine_order": res["sonine_order"]}
            for k in range(res["temperature"].size)]


def viscosity_function(potential: str | _kernels.Kernel, *, sonine_order: int = DEFAULT_SONINE_ORDER,
                       sigma: float = 1.0, epsilon: float = 1.0, **params):
    r"""μ(θ) (θ = k_BT/m, absolute units of σ, ε, m = 1) as a callable on arrays of θ.

    ``potential``: a registry potential name, a kernel name, or a
    :class:`~bbgky.models.kernels.Kernel`.

    Kernels (power laws $B = |g|^\gamma b$) are exact: μ(θ) = μ(1) θ^{1 − γ/2}. Potentials are
    tabulated on a log grid of T* (32 points per decade, grown on demand) and interpolated by a
    cubic spline in (log T*, log μ) (interpolation error ≲ 1e-7 relative).
    """
    if isinstance(potential, _kernels.Kernel) or potential in KERNELS:
        kern = potential if isinstance(potential, _kernels.Kernel) else _kernel_from(
            potential, {"sigma": sigma, **params} if potential != "maxwell" else params)
        mu_1 = float(transport_kernel(kern, np.array([1.0]), sonine_order)[0][0])
        exponent = 1.0 - 0.5 * kern.gamma

        def mu(theta):
            return mu_1 * np.asarray(theta, float) ** exponent

        return mu
    return TabulatedViscosity(potential, sonine_order, sigma, epsilon, params)



__all__ = ["KERNELS", "transport_coefficients", "transport_table", "viscosity_function"]
