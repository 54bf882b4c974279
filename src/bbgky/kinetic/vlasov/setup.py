"""From a configuration to the pieces of the Vlasov level, and the level's configuration checks.

Imports only NumPy (no JAX), so that ``bbgky validate`` stays fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...config import Config, memory_problem, saves
from .grid import PhaseGrid
from .initial import KINDS, InitialLaw
from .kernels import SUPPORTED, FieldKernel, make_kernel

#: the particle solver uses exact all-pairs forces up to this N when particle_force = "auto".
DIRECT_MAX = 2048


@dataclass(frozen=True)
class Setup:
    grid: PhaseGrid
    kernel: FieldKernel
    law: InitialLaw
    dt: float
    steps_per_save: int
    saves: int
    omega_max: float


def box_length(cfg: Config) -> float:
    lv = cfg.levels.vlasov
    return float(lv.box_length) if lv.box_length is not None else 2 * math.pi / cfg.initial.wavenumber


def initial_law(cfg: Config) -> InitialLaw:
    lv, s, i = cfg.levels.vlasov, cfg.system, cfg.initial
    return InitialLaw(i.kind, s.dimension, s.density, cfg.initial_temperature(), i.amplitude, i.wavenumber,
                      lv.two_stream_profile, lv.beam_velocity, lv.bump_fraction, lv.bump_velocity,
                      lv.bump_temperature)


def kernel(cfg: Config, lengths: tuple[float, ...]) -> FieldKernel:
    it = cfg.interaction
    return make_kernel(it.potential, len(lengths), lengths, epsilon=it.epsilon, sigma=it.sigma,
                       screening_length=it.screening_length)


def schedule(cfg: Config) -> tuple[float, int, int]:
    """(dt, steps per save, saves): :func:`bbgky.driver.save_schedule` (its rounding rule)."""
    from ...driver import save_schedule  # the driver imports JAX; validation must not

    t = cfg.time
    per, saves = save_schedule(t.step, t.save_every, t.end)
    return t.step, per, saves


def check(cfg: Config) -> list[tuple[str, str]]:
    """Every problem of ``[levels.vlasov]`` against the rest of the configuration."""
    lv = cfg.levels.vlasov
    if lv is None:
        return []
    out: list[tuple[str, str]] = _memory(cfg)
    d = cfg.system.dimension
    if d not in (1, 2):
        out.append(("system.dimension", "the Vlasov level runs in 1D1V or 2D2V: allowed 1 or 2"))
    elif len(lv.grid) != 2 * d:
        want = "[Nx, Nv]" if d == 1 else "[Nx, Ny, Nvx, Nvy]"
        out.append(("levels.vlasov.grid", f"system.dimension = {d} needs {2 * d} entries {want}, "
                    f"got {len(lv.grid)}"))
    it = cfg.interaction
    if it.potential not in SUPPORTED:
        out.append(("interaction.potential", f"{it.potential!r} has no mean-field limit (its force is not "
                    f"integrable at r = 0); the Vlasov level needs one of {list(SUPPORTED)}"))
    if it.scaling == "boltzmann_grad":
        out.append(("interaction.scaling", "the Vlasov level is the mean-field limit: use 'mean_field' "
                    "(or 'physical'), not 'boltzmann_grad'"))
    if cfg.initial.kind not in KINDS:
        out.append(("initial.kind", f"the Vlasov level starts from one of {list(KINDS)}, "
                    f"got {cfg.initial.kind!r}"))
        return out
    law = initial_law(cfg)
    need = law.min_velocity_max()
    if lv.velocity_max < need:
        out.append(("levels.vlasov.velocity_max", f"{lv.velocity_max:g} does not resolve the initial law "
                    f"(tails beyond ±v_max); allowed: ≥ {need:.4g}"))
    if cfg.flow is not None and cfg.initial.kind != "maxwellian":
        out.append(("initial.kind", "with a [flow] the Vlasov level solves the homogeneous eq. (16): "
                    "use initial.kind = 'maxwellian'"))
    if lv.knudsen is not None and lv.splitting != "strang":
        out.append(("levels.vlasov.splitting", "the BGK term needs positive sub-steps: use 'strang' "
                    "with knudsen"))
    L = box_length(cfg)
    if cfg.initial.kind != "maxwellian":
        m = cfg.initial.wavenumber * L / (2 * math.pi)
        if abs(m - round(m)) > 1e-9 or round(m) < 1:
            out.append(("initial.wavenumber", f"the perturbation must be periodic on the box: "
                        f"wavenumber × box_length / 2π = {m:.6g} must be a whole number ≥ 1"))
    if lv.particles is not None and lv.knudsen is not None:
        out.append(("levels.vlasov.particles", "the N-particle system is collisionless: its W1 to a BGK "
                    "solution is not a mean-field limit; unset levels.vlasov.knudsen (or particles)"))
    if lv.initial_samples is not None and cfg.flow is not None:
        out.append(("levels.vlasov.initial_samples", "the homogeneous [flow] branch starts from the exact "
                    "Maxwellian: unset initial_samples (or the [flow] table)"))
    if lv.sample_bandwidth is not None and lv.initial_samples is None:
        out.append(("levels.vlasov.sample_bandwidth", "only used with a sampled initial condition: set "
                    "levels.vlasov.initial_samples"))
    if lv.particles is not None and lv.particle_force == "direct" and d == 2 and it.potential != "gaussian":
        out.append(("levels.vlasov.particle_force", f"no closed-form periodic pair force for {it.potential} "
                    "in 2D: use 'mesh' or 'auto'"))
    if out or it.potential not in SUPPORTED or len(lv.grid) != 2 * d:
        return out
    grid = PhaseGrid.from_shape(lv.grid, L, lv.velocity_max)
    K = grid.wavenumbers()
    omega = kernel(cfg, grid.lengths).max_frequency(cfg.system.density, 0.0,
                                                    k2=np.ravel(sum(k * k for k in K)))
    if omega * cfg.time.step > lv.stability_limit:
        out.append(("time.step", f"ω_max·dt = {omega * cfg.time.step:.3g} exceeds "
                    f"levels.vlasov.stability_limit = {lv.stability_limit:g} (ω_max = {omega:.4g}, the "
                    f"fastest collective frequency on this grid; the splitting is unstable at 2); allowed: "
                    f"time.step ≤ {lv.stability_limit / omega:.4g}"))
    return out


def _memory(cfg: Config) -> list[tuple[str, str]]:
    """Estimated bytes: ~16 phase-space arrays (f, splines, FFT work), the particles and sampled
    initial particles (2d floats each, pair arrays for direct forces), and the saved snapshots."""
    lv = cfg.levels.vlasov
    cells = float(np.prod([float(n) for n in lv.grid]))
    n = float(max(lv.particles or 0, lv.initial_samples or 0))
    d = len(lv.grid) // 2
    direct = lv.particles is not None and lv.particle_force != "mesh" and n <= DIRECT_MAX
    pairs = 3.0 * n * n * d * 8 if direct else 0
    studies = max([float(m) for m in lv.w1_study or [0]])
    snaps = float(lv.snapshot_points) ** 2 * 8 + 8 * float(lv.grid[0]) * 8
    estimate = 16 * cells * 8 + 8 * (n + studies) * 2 * d * 8 + pairs + (saves(cfg) + 1) * snaps
    key = "levels.vlasov.grid" if 16 * cells * 8 >= estimate / 2 else "levels.vlasov.particles"
    return memory_problem(key, estimate, "the Vlasov level")


def build(cfg: Config) -> Setup:
    """The level's grid, kernel, initial law and schedule (assumes :func:`check` found nothing)."""
    lv = cfg.levels.vlasov
    grid = PhaseGrid.from_shape(lv.grid, box_length(cfg), lv.velocity_max)
    ker = kernel(cfg, grid.lengths)
    K = grid.wavenumbers()
    omega = ker.max_frequency(cfg.system.density, 0.0, k2=np.ravel(sum(k * k for k in K)))
    dt, per, saves = schedule(cfg)
    return Setup(grid, ker, initial_law(cfg), dt, per, saves, omega)
