"""The hydrodynamic levels of a configured scenario: ``run(cfg, out, *, resume, progress, level)``.

``level = "euler"`` writes ``out/euler.nc`` (exact solution of eq. 19); ``level = "navier_stokes"``
writes ``out/navier_stokes.nc`` (dimensional eq. 20, see :mod:`bbgky.hydro.homoenergetic`), both
with the INTERFACE.md variables: density, temperature, internal_energy (per particle, (d/2)θ),
pressure_tensor (constitutive: ρθI for Euler, ρθI − 2μ(θ)D for Navier–Stokes), heat_flux (= 0: a
homo-energetic flow has no temperature gradient), and for Navier–Stokes the viscosity μ(θ(t)).
Save times are k·Δ, Δ = time.step × round(save_every/step), k = 0 … round(end/Δ), as at the
other levels.

μ(θ) (``[levels.navier_stokes] transport``): a kernel (hard_sphere of diameter interaction.sigma,
maxwell with b = 1/(4π), vhs of interaction.sigma and ``vhs_omega``) or the configured pair
potential, untruncated, through Chapman–Enskog with Ω^(2,2)* at ``sonine_order``. Under the
Boltzmann–Grad scaling U(r/ε)/ε the potential's lengths (σ, screening length) scale by ε and its
energy by 1/ε; under the mean-field scaling its energy by 1/N.

The registered steppers of :mod:`.steppers` advance the closure from save to save through
:func:`bbgky.driver.run` (checkpoints in ``out/checkpoint/<level>.npz``, bit-identical resume).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import xarray as xr

from .. import core, driver
from ..config import Config, HydroLevel, to_toml
from ..driver import save_schedule
from ..errors import ConfigError
from ..models import kernels as _kernels
from ..models.chapman_enskog import transport_kernel, transport_potential
from ..models.potentials import REGISTRY
from ..models.transport import viscosity_function
from ..output import level_dataset, write_atomic

LEVELS = ("euler", "navier_stokes")

EXTRA_VARS = {
    "viscosity": ((), "(m epsilon)^1/2 sigma-2", "shear viscosity mu(theta) of the Navier-Stokes closure"),
}


def save_times(cfg: Config) -> np.ndarray:
    """k·Δ for k = 0 … round(end/Δ), Δ = step × round(save_every/step) (the driver's save times)."""
    per, saves = save_schedule(cfg.time.step, cfg.time.save_every, cfg.time.end)
    return per * cfg.time.step * np.arange(saves + 1)


def transport_choice(cfg: Config) -> str:
    """The resolved ``transport`` of [levels.navier_stokes]: potential | hard_sphere | maxwell | vhs."""
    hl = cfg.levels.navier_stokes or HydroLevel()
    if hl.transport != "auto":
        return hl.transport
    if cfg.interaction.potential in ("hard_sphere", "maxwell"):
        return cfg.interaction.potential
    b = cfg.levels.boltzmann
    if b is not None and b.kernel in ("hard_sphere", "maxwell", "vhs"):
        return b.kernel
    return "potential"


def check(cfg: Config) -> None:
    """Every problem of the configuration for the hydrodynamic levels, raised at once: the
    Navier–Stokes level needs d = 3 and a transport law it can compute (:func:`viscosity_of`)."""
    problems: list[tuple[str, str]] = []
    if cfg.levels.navier_stokes is not None:
        if cfg.system.dimension != 3:
            problems.append(("system.dimension", "levels.navier_stokes needs dimension 3 (Chapman–Enskog "
                             f"transport of a 3D gas); got {cfg.system.dimension}"))
        if transport_choice(cfg) == "potential":
            problems += _potential_problems(cfg.interaction.potential)
    if problems:
        raise ConfigError(problems)


def _potential_problems(name: str) -> list[tuple[str, str]]:
    if name in REGISTRY and REGISTRY[name].repulsive_core:
        return []
    why = "has no repulsive core" if name in REGISTRY else "is not a registry pair potential"
    return [("interaction.potential", f"{name!r} {why}: the Navier–Stokes level needs Chapman–Enskog "
             "transport of a potential with a repulsive core (lj, wca, ipl, yukawa) or "
             "levels.navier_stokes.transport = 'hard_sphere' | 'maxwell' | 'vhs'")]


@lru_cache(maxsize=8)
def _potential_truncation(name: str, extra: tuple, order: int, t_star: float) -> float:
    """|f(N) − f(N−1)|/f(N) of the Chapman–Enskog viscosity at T* (reduced units): seconds of
    quadrature, so computed once per configuration although the check, ``describe`` and the
    stepper each resolve the viscosity (μ itself is rebuilt: its table grows with use)."""
    pot = viscosity_function(name, sonine_order=order, **dict(extra)).pot
    return float(transport_potential(pot, np.array([t_star]), order)[5][0])


def viscosity_of(cfg: Config):
    """(μ(θ) callable, a sentence saying where it comes from)."""
    hl = cfg.levels.navier_stokes or HydroLevel()
    choice = transport_choice(cfg)
    inter = cfg.interaction
    order = hl.sonine_order
    if choice == "hard_sphere":
        kern = _kernels.hard_sphere(inter.sigma)
    elif choice == "maxwell":
        kern = _kernels.maxwell()
    elif choice == "vhs":
        kern = _kernels.vhs(inter.sigma, hl.vhs_omega if hl.vhs_omega is not None else 0.75)
    else:
        kern = None
    if kern is not None:
        mu = viscosity_function(kern, sonine_order=order)
        trunc = float(transport_kernel(kern, np.array([1.0]), order)[5][0])
        return mu, (f"kernel {kern.name} {kern.parameters}, Chapman–Enskog Sonine order {order} "
                    f"(truncation estimate |f(N) − f(N−1)|/f(N) = {trunc:.1e}): "
                    f"μ(1) = {float(mu(np.array([1.0]))[0]):.9g}, μ ∝ θ^{1 - kern.gamma / 2:g}")
    name = inter.potential
    if _potential_problems(name):
        raise ConfigError(_potential_problems(name))
    scaled = inter.scaled_parameters(cfg.system.particles)
    sigma, epsilon, extra = scaled.sigma, scaled.epsilon, scaled.extra
    mu = viscosity_function(name, sonine_order=order, sigma=sigma, epsilon=epsilon, **extra)
    t_star = cfg.initial_temperature() / epsilon
    trunc = _potential_truncation(name, tuple(sorted(extra.items())), order, t_star)
    return mu, (f"potential {name} (σ = {sigma:g}, ε = {epsilon:g}, {extra or 'no extra parameters'}), "
                f"untruncated, Chapman–Enskog Sonine order {order} with Ω^(2,2)* (truncation estimate "
                f"|f(N) − f(N−1)|/f(N) = {trunc:.1e} at the initial T* = {t_star:.4g})")


def describe(cfg: Config, level: str) -> dict[str, str]:
    """How the level is computed (output attributes); ConfigError when it cannot run."""
    if level not in LEVELS:
        raise ConfigError([("level", f"unknown hydrodynamic level {level!r}; allowed: {', '.join(LEVELS)}")])
    if level == "euler":
        return {"closure": "Euler (eq. 19), exact: θ = θ0 det(I + tA)^(-2/d), P = ρθI"}
    if cfg.system.dimension != 3:
        raise ConfigError([("system.dimension", "levels.navier_stokes needs dimension 3 (Chapman–Enskog "
                            f"transport of a 3D gas); got {cfg.system.dimension}")])
    _, source = viscosity_of(cfg)
    return {"closure": "Navier–Stokes (eq. 20, dimensional): θ' + (2/3)tr(L)θ = (4/3)(μ/ρ) D:L, "
            "P = ρθI − 2μD", "transport": source,
            "ode_solver": "scipy solve_ivp DOP853 on log θ, rtol 1e-11, atol 1e-13, from save to save"}


def solve(cfg: Config, level: str, *, out: str | Path | None = None, resume: bool = False,
          progress=None) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The level's time series at the save times and the attributes describing how they were
    computed: the registered stepper ``hydro/<level>`` (:mod:`.steppers`) through the driver
    (checkpoints under ``out/checkpoint`` when ``out`` is given)."""
    attrs = describe(cfg, level)
    stepper, state = core.build("hydro", level, cfg)
    per, saves = save_schedule(cfg.time.step, cfg.time.save_every, cfg.time.end)
    ckpt = driver.Checkpoint(Path(out) / "checkpoint", level) if out is not None else None
    _, records = driver.run(stepper, state, saves=saves, steps_per_save=per, checkpoint=ckpt, resume=resume,
                            progress=progress)
    res = driver.stack(records)
    res["time"] = save_times(cfg)
    return res, attrs


def run(cfg: Config, out: str | Path, *, resume: bool = False, progress=None,
        level: str = "navier_stokes") -> xr.Dataset:
    """Solve the ``level`` ("euler" | "navier_stokes") of ``cfg``; write ``out/<level>.nc``."""
    res, attrs = solve(cfg, level, out=out, resume=resume, progress=progress)
    t = res.pop("time")
    extra = {k: v for k, v in EXTRA_VARS.items() if k in res}
    attrs["velocity_gradient"] = cfg.velocity_gradient().ravel()
    ds = level_dataset(t, res, level=level, config_toml=to_toml(cfg), seed=cfg.system.seed,
                       extra_vars=extra, attrs=attrs)
    write_atomic(ds, Path(out) / f"{level}.nc")
    return ds


__all__ = ["EXTRA_VARS", "LEVELS", "check", "describe", "run", "save_times", "solve",
           "transport_choice", "viscosity_of"]
