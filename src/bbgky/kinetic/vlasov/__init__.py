"""The mean-field level: the Vlasov equation on a phase-space grid and with N particles, its
homogeneous objective-MD reduction (James–Qi–Wang eq. 16) and its hydrodynamic (Euler) limit.

Public API (imported lazily, so that configuration checks do not load JAX):

* grid solver — :class:`PhaseGrid`, :class:`VlasovModel`, :class:`VlasovSolver`, :data:`SCHEMES`,
  interpolants in :mod:`.interpolation`, kernels :func:`make_kernel` / :func:`coulomb` /
  :func:`yukawa` / :func:`gaussian` / :func:`from_function`, initial laws :class:`InitialLaw`;
* :class:`HomogeneousMeanField` — eq. (16) under a flow A, with its exact solution;
* :class:`MeanFieldParticles` — the N-particle system of James–Qi–Wang Lemma 2.6 (all pairs or particle-mesh);
* :mod:`.characteristics` — particles moved by a given Vlasov solution's field (Sznitman's coupling);
* :class:`EulerMeanField` — 1D/2D Euler with the mean-field force (isothermal / adiabatic);
* studies — :func:`distances_to_grid`, :func:`w1_versus_n`, :func:`hydro_error_versus_knudsen`;
  fits — :func:`fit_damped_mode`, :func:`fit_peaks`, :func:`fit_growth`, :func:`dispersion_root`;
* the scenario level — :func:`bbgky.kinetic.vlasov.level.run`.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "PhaseGrid": "grid", "VlasovModel": "solver", "VlasovSolver": "solver", "VlasovState": "solver",
    "cosine_drive": "solver", "SCHEMES": "schemes", "InitialLaw": "initial", "make_kernel": "kernels",
    "coulomb": "kernels", "yukawa": "kernels", "gaussian": "kernels", "from_function": "kernels",
    "FieldKernel": "kernels", "HomogeneousMeanField": "homogeneous", "MeanFieldParticles": "particles",
    "EulerMeanField": "euler", "distances_to_grid": "limits", "w1_versus_n": "limits",
    "w1_study": "limits", "knudsen_study": "limits", "sampled_on_grid": "initial", "kde_on_grid": "initial",
    "hydro_error_versus_knudsen": "limits", "fit_damped_mode": "analysis", "fit_peaks": "analysis",
    "fit_growth": "analysis", "dispersion_root": "analysis",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
