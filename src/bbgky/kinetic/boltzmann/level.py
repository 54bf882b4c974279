r"""The Boltzmann level of a configured scenario: ``run(cfg, out, *, resume, progress)``.

Solves the homo-energetic Boltzmann equation (James–Qi–Wang eq. 6) in d = ``system.dimension`` velocity
dimensions (3 or 2) with ``[levels.boltzmann] method``:

* ``dsmc`` — :mod:`.dsmc`, ``replicas`` × ``samples`` simulators; every observable is the replica
  mean and gets a ``<name>_stderr`` companion (standard error of the mean). ``backend``: ``jax``
  (replicas sharded over the devices) or ``numba`` (:mod:`.dsmc_numba`, the same scheme on the
  CPU, 3D); ``auto`` picks numba when JAX runs on the CPU and d = 3;
* ``spectral`` — :mod:`.spectral`, N^d grid following θ(t);
* ``bgk`` — :mod:`.bgk` on the same grid, ν = ρθ/μ(θ);
* ``moments`` — :mod:`.moments`, the exact second-moment ODE (Maxwell molecules only).

Writes ``out/boltzmann.nc`` with density, temperature, internal_energy ((d/2)θ per particle),
pressure_tensor (P = ∫ w⊗w g), heat_flux (q = ½∫ w|w|² g), speed_moment ⟨|w|^k⟩ (k = 2, 4, 6, 8).
DSMC adds ``velocity_sample(time, replica, sample, i)``: w of the first ``velocity_samples``
simulators of the first two replicas (two independent samples: the W1 sampling floor).
At every save, every method but moments adds velocity_scale c(t) (w = c ξ, c² ∝ θ), the axis
marginals velocity_marginal g_i(c ξ) and the speed distribution speed_distribution (∫ g_i dw_i = ρ,
∫ w_i² g_i dw_i = P_ii): on the grid (:mod:`.selfsimilar`; spectral, bgk — plus, once, the full
velocity_distribution g at the last save on the scaled grid, N^d values), or as DSMC histograms of
ξ = w/√θ (θ of each replica: the self-similar variable of James–Qi–Wang eq. 46) on fixed bins of ξ, with CF
bounds and ``_stderr`` companions (:func:`.dsmc.replica_observables`; bin averages, so ∫ = ρ up to
the mass beyond |ξ| = 8 and second moments carry Sheppard's binning term Δξ²/12 relative to θ).
Save times are k·Δ, Δ = time.step × round(save_every/step), as at the other levels.

Initial data (``[initial] kind``): ``maxwellian`` (θ0 = system.temperature), ``anisotropic``
(``temperature_tensor``), ``bkw`` (the BKW function with K = 1 − e^{−start/τ}, τ = 6 in 3D and 8 in
2D, scaled to θ0; it is the exact solution for isotropic Maxwell molecules at unit density).
"""

from __future__ import annotations

import math
from pathlib import Path

import jax
import numpy as np
import xarray as xr

from ... import core, driver
from ...config import MAX_STEPS, BoltzmannLevel, Config, memory_problem, saves, to_toml
from ...errors import ConfigError
from ...models import kernels as _kernels
from ...output import level_dataset, write_atomic
from . import dsmc as _dsmc
from . import spectral as _spectral

#: the velocity-distribution outputs (grid methods and DSMC): name -> (dims after time, units, long_name)
DISTRIBUTIONS = {
    "velocity_scale": ((), "(epsilon/m)^1/2", "velocity scale c: w = c xi, c^2 proportional to the "
                       "temperature (c = sqrt(theta) in DSMC)"),
    "velocity_marginal": (("component", "xi"), "sigma-d (epsilon/m)^-1/2", "marginal of the velocity "
                          "distribution along axis i (integral of g over the other components) at "
                          "w_i = c xi"),
    "speed_distribution": (("xi_radial",), "sigma-d (epsilon/m)^-1/2", "speed distribution |w|^(d-1) times "
                           "the integral of g(|w| omega) over directions omega, at |w| = c xi_radial"),
}

STDERR_OF = ("temperature", "internal_energy", "pressure_tensor", "heat_flux", "speed_moment", *DISTRIBUTIONS)

#: mass fraction (of |G|) in the two outermost cell layers above which the spectral box is declared
#: too small for the distribution reached (aliasing errors of a sound run are ~1e-5 at N = 24)
BOUNDARY_TOLERANCE = 1e-4


def _extra_vars() -> dict[str, tuple]:
    from ...output import VARIABLES

    out = dict(DISTRIBUTIONS)
    for name in STDERR_OF:
        dims, units, long_name = {**VARIABLES, **DISTRIBUTIONS}[name]
        out[f"{name}_stderr"] = (dims, units, f"standard error of the replica mean of the {long_name}")
    out["boundary_mass"] = ((), "1", "mass fraction in the two outermost cell layers of the velocity box")
    out["thermal_width_cells"] = ((), "1", "narrowest thermal width of the distribution on the grid, "
                                   "sqrt(smallest eigenvalue of its temperature tensor) / grid spacing "
                                   "(below about 1.5 the grid methods lose accuracy: docs/boltzmann.md)")
    out["collisions"] = ((), "1", "DSMC collisions per simulator since t = 0 (replica mean)")
    out["velocity_sample"] = (("replica", "sample", "i"), "(epsilon/m)^1/2",
                              "peculiar velocities of the first levels.boltzmann.velocity_samples simulators "
                              "of the first two replicas")
    return out


# ----------------------------------------------------------------------------------------------
# configuration -> kernel, initial data
# ----------------------------------------------------------------------------------------------

def kernel_name(cfg: Config) -> str:
    """The resolved kernel: levels.boltzmann.kernel, or interaction.potential when that is a
    kinetic-only model (maxwell | hard_sphere) and the kernel key is omitted."""
    b = cfg.levels.boltzmann or BoltzmannLevel()
    pot = cfg.interaction.potential
    if "kernel" not in b.model_fields_set and pot in ("maxwell", "hard_sphere"):
        return pot
    return b.kernel


def build_kernel(cfg: Config) -> _kernels.Kernel:
    b = cfg.levels.boltzmann or BoltzmannLevel()
    name = kernel_name(cfg)
    pot = cfg.interaction.potential
    problems = []
    if pot in ("maxwell", "hard_sphere") and name != pot:
        problems.append(("levels.boltzmann.kernel", f"{name!r} contradicts interaction.potential = {pot!r}; "
                         f"omit the key or set it to {pot!r}"))
    sigma, d = cfg.interaction.sigma, cfg.system.dimension
    if name == "from_potential" and d != 3:
        problems.append(("levels.boltzmann.kernel", "'from_potential' is 3D (scattering in a central "
                         "field in space); with system.dimension = 2 use maxwell, hard_sphere or vhs"))
    if problems:
        raise ConfigError(problems)
    if name == "from_potential":
        return _potential_kernel(cfg)
    try:
        if name == "maxwell":
            return _kernels.maxwell(tuple(b.angular), dimension=d)
        if name == "hard_sphere":
            return _kernels.hard_sphere(sigma, dimension=d)
        return _kernels.vhs(sigma, b.omega, b.reference_speed, dimension=d)
    except ValueError as exc:
        key = "levels.boltzmann.angular" if name == "maxwell" else "levels.boltzmann.omega"
        raise ConfigError([(key, str(exc))]) from None


def _potential_kernel(cfg: Config) -> _kernels.PotentialKernel:
    """``from_potential``: the configured potential, Boltzmann–Grad scaled when configured, its table
    centred on θ0 (a mean-field scaling has no Boltzmann limit: refused)."""
    inter = cfg.interaction
    if inter.scaling == "mean_field":
        raise ConfigError([("interaction.scaling", "'from_potential' needs scaling = 'physical' or "
                            "'boltzmann_grad' (a mean-field interaction has no collision kernel)")])
    scaled = inter.scaled_parameters(cfg.system.particles)
    b = cfg.levels.boltzmann or BoltzmannLevel()
    try:
        return _kernels.from_potential(
            inter.potential, sigma=scaled.sigma, epsilon=scaled.epsilon,
            temperature=cfg.initial_temperature(),
            angular_cutoff=b.angular_cutoff, **scaled.extra)
    except ConfigError as exc:
        raise ConfigError([("interaction.potential", f"kernel 'from_potential': {msg}")
                           for _, msg in exc.problems]) from None


def check(cfg: Config) -> None:
    """Every problem of the configuration for this level, raised at once as a ConfigError."""
    b = cfg.levels.boltzmann or BoltzmannLevel()
    problems: list[tuple[str, str]] = []
    d = cfg.system.dimension
    if d == 1:
        problems.append(("system.dimension", "the Boltzmann level needs 2 or 3 velocity dimensions (got 1)"))
    init = cfg.initial
    if init.kind not in ("maxwellian", "anisotropic", "bkw"):
        problems.append(("initial.kind", f"{init.kind!r} is not a homogeneous initial law; allowed for the "
                         "Boltzmann level: maxwellian, anisotropic, bkw"))
    if init.kind == "anisotropic":
        T = init.temperature_tensor
        ok = T is not None and len(T) == d and all(len(r) == d for r in T)
        if not ok:
            problems.append(("initial.temperature_tensor", f"required with kind = 'anisotropic': a {d}×{d} "
                             "symmetric positive-definite matrix (d = system.dimension)"))
        else:
            T = np.asarray(T, float)
            if not np.allclose(T, T.T) or np.any(np.linalg.eigvalsh(0.5 * (T + T.T)) <= 0):
                problems.append(("initial.temperature_tensor", "must be symmetric positive definite"))
    if init.kind == "bkw" and d in _dsmc.BKW_TIME_SCALE:
        try:
            _dsmc.bkw_K(init.start, d)
        except ValueError as exc:
            problems.append(("initial.start", str(exc)))
    if b.method == "dsmc" and b.backend == "numba" and d == 2:
        problems.append(("levels.boltzmann.backend", "the numba DSMC backend is 3D; with system.dimension "
                         "= 2 use backend = 'jax' or 'auto'"))
    if b.method == "dsmc" and b.samples < 2:
        problems.append(("levels.boltzmann.samples", "DSMC needs at least 2 simulators"))
    kern = None
    try:
        if d != 1:
            kern = build_kernel(cfg)
    except ConfigError as exc:
        problems += exc.problems
    if kern is not None:
        if b.method == "moments" and kern.gamma != 0:
            problems.append(("levels.boltzmann.method", "'moments' is exact only for Maxwell molecules; "
                             f"kernel is {kern.name!r}"))
        if b.method == "spectral" and kern.name == "from_potential":
            problems.append(("levels.boltzmann.method", "the spectral method needs a power-law kernel "
                             "B = |g|^γ b(cos θ); 'from_potential' depends on |g| through the deflection "
                             "angle: use method = 'dsmc' (or 'bgk', matched to its viscosity)"))
        elif b.method == "spectral" and kern.shape is not None:
            problems.append(("levels.boltzmann.kernel", "the spectral method needs a polynomial "
                             "b(cos θ); hard disks scatter with |sin(θ/2)| (vhs with omega = 0.5 is the "
                             "isotropic disk): use method = 'dsmc'"))
    if kern is not None and b.method == "dsmc" and not problems:
        problems += _dsmc_length(cfg, kern)
    problems += _memory(cfg, kern)
    if b.method in ("spectral", "bgk") and not problems:
        problems += _initial_box_problems(cfg)
    if problems:
        raise ConfigError(problems)


def _dsmc_length(cfg: Config, kern) -> list[tuple[str, str]]:
    """The DSMC step is also limited by the majorant (ρ Σ(g_max) Δt ≤ collision_fraction): estimate
    its number of collision steps with g_max = 10 √θ0 and refuse a run beyond MAX_STEPS."""
    b = cfg.levels.boltzmann
    theta = cfg.initial_temperature()
    sigma = float(np.asarray(kern.radial(np.asarray([10.0 * math.sqrt(theta)])))[0]) * kern.sphere_integral
    steps = cfg.time.end * max(cfg.system.density * sigma / b.collision_fraction, 1 / cfg.time.step)
    if not steps <= MAX_STEPS:
        return [("system.density", f"DSMC would take about {steps:.3g} collision steps (density × "
                 f"cross-section {cfg.system.density * sigma:.3g} per unit time / collision_fraction, over "
                 f"time.end); allowed: at most {MAX_STEPS:.0e} (lower density or interaction.sigma, or a "
                 "shorter time.end)")]
    return []


def _memory(cfg: Config, kern=None) -> list[tuple[str, str]]:
    """Estimated bytes. DSMC: ~8 d-vectors per simulator and replica plus the saved velocity
    samples; BGK: ~64 complex arrays of grid^d points; spectral: 2500 + 38·M/2 bytes per grid point,
    the peak resident memory of a whole level run in 3D (``bench/memory.py``, fresh processes:
    3357 B per point at M/2 = 25 from N = 64 and 96, +1136 B at M/2 = 55; XLA's compiled memory of
    one RK4 step alone is 1088 and 2070 B; docs/performance.md)."""
    b = cfg.levels.boltzmann
    d = cfg.system.dimension
    if b.method == "spectral" and getattr(kern, "shape", 1) is None:
        try:
            half = len(_spectral.sphere_half_rule(sphere_degree(b, kern, cfg.velocity_gradient()), d)[0])
        except ValueError:  # a degree beyond the Lebedev table is reported by the solver itself
            half = 64
        estimate = (2500.0 + 38.0 * half) * float(b.grid) ** d + (saves(cfg) + 1) * 800
        return memory_problem("levels.boltzmann.grid", estimate, f"the spectral grid ({b.grid}^{d})")
    if b.method == "dsmc":
        kept = min(b.velocity_samples, b.samples) * min(2, b.replicas)
        estimate = 8.0 * b.samples * b.replicas * d * 8 + (saves(cfg) + 1) * (kept * d * 8 + 800)
        return memory_problem("levels.boltzmann.samples", estimate,
                              f"DSMC ({b.samples} simulators × {b.replicas} replicas)")
    if b.method in ("spectral", "bgk"):
        estimate = 64.0 * float(b.grid) ** d * 16 + (saves(cfg) + 1) * 800
        return memory_problem("levels.boltzmann.grid", estimate, f"the {b.method} grid ({b.grid}^{d})")
    return []


def boundary_mass(G, grid: _spectral.Grid) -> float:
    """Mass fraction of |G| (∫G = 1) in the two outermost cell layers of the velocity box."""
    outer = (np.abs(grid.mesh()) >= grid.extent - 2.01 * grid.h).any(0)
    return float(np.abs(np.asarray(G))[outer].sum()) * grid.cell


def _initial_box_problems(cfg: Config) -> list[tuple[str, str]]:
    """The initial law must fit the box: boundary mass ≤ BOUNDARY_TOLERANCE (else the run would stop
    at once); names the smallest sufficient velocity_extent (steps of 0.5) at this grid."""
    b = cfg.levels.boltzmann

    def edge(extent):
        grid = _spectral.Grid(b.grid, extent, cfg.system.dimension)
        return boundary_mass(initial_grid_distribution(cfg, grid)[0], grid)

    mass = edge(b.velocity_extent)
    if mass <= BOUNDARY_TOLERANCE:
        return []
    fits = next((L for L in np.arange(math.floor(2 * b.velocity_extent) / 2 + 0.5, 40.01, 0.5)
                 if edge(L) <= BOUNDARY_TOLERANCE), None)
    need = f"velocity_extent ≥ {fits:g} at grid = {b.grid}" if fits else "a larger grid and velocity_extent"
    return [("levels.boltzmann.velocity_extent",
             f"the box of half-width {b.velocity_extent:g}√θ0 is too small for the initial law: mass "
             f"fraction {mass:.2e} > {BOUNDARY_TOLERANCE:g} in its two outermost cell layers; allowed: "
             f"{need}")]


def _bkw_K(cfg: Config) -> float:
    return _dsmc.bkw_K(cfg.initial.start, cfg.system.dimension)


def initial_grid_distribution(cfg: Config, grid: _spectral.Grid) -> tuple[np.ndarray, float]:
    """(G0 on the grid with ∫G = 1, c0) with the box scaled by c0 = sqrt(θ0)."""
    T = cfg.initial_temperature_tensor()
    d = grid.dimension
    c0 = math.sqrt(np.trace(T) / d)
    x = grid.mesh()
    r2 = (x**2).sum(0)
    if cfg.initial.kind == "bkw":
        K = _bkw_K(cfg)
        G = (2 * math.pi * K) ** (-d / 2) * np.exp(-r2 / (2 * K)) * _dsmc.bkw_weight(K, r2, d)
    else:
        Ti = np.linalg.inv(T / c0**2)
        G = np.exp(-0.5 * np.sum(x * np.tensordot(Ti, x, axes=1), axis=0))
    return G / (G.sum() * grid.cell), c0


def save_schedule(cfg: Config) -> tuple[int, int, float]:
    """(saves, steps per save, step)."""
    per, saves = driver.save_schedule(cfg.time.step, cfg.time.save_every, cfg.time.end)
    return saves, per, cfg.time.step


# ----------------------------------------------------------------------------------------------
# resolved numerics (the solvers themselves: :mod:`.steppers`, registered in bbgky.core)
# ----------------------------------------------------------------------------------------------

def sphere_degree(b, kern: _kernels.Kernel, A: np.ndarray) -> int:
    """The configured Lebedev degree, else 11 for a state relaxing without flow and 17 under a flow
    (the sheared profile's angular structure: validation/boltzmann_spectral_resolution.py), plus the
    degree of the angular polynomial b(cos θ)."""
    if b.sphere_degree is not None:
        return b.sphere_degree
    return (17 if np.any(np.asarray(A) != 0) else 11) + len(kern.angular) - 1


def dsmc_backend(requested: str, dimension: int = 3) -> str:
    """``"jax"`` or ``"numba"`` for ``levels.boltzmann.backend``: auto is numba when JAX runs on the CPU
    and d = 3 (the Numba kernels are 3D)."""
    if requested == "auto":
        return "numba" if jax.default_backend() == "cpu" and dimension == 3 else "jax"
    return requested


def _potential_kernel_attrs(kern) -> dict:
    """The scattering table and cut-off of a ``from_potential`` kernel, for the output attributes."""
    if kern.name != "from_potential":
        return {}
    p = kern.parameters
    return {"kernel_impact_cutoff": p["b_max"],
            "kernel_angular_cutoff": p["angular_cutoff"],
            "kernel_angular_cutoff_note": (
                "finite range: b_max is the range, no approximation" if p["angular_cutoff"] == 0 else
                f"impact parameters with |chi| < {p['angular_cutoff']} rad at E >= {p['cutoff_energy']:.6g} "
                "are dropped"),
            "kernel_table_speeds": f"{kern.table_speeds.size} log-spaced |g| in [{p['speed_min']:.6g}, "
                                   f"{p['speed_max']:.6g}] (clamped outside)"}


def run(cfg: Config, out: str | Path, *, resume: bool = False, progress=None) -> xr.Dataset:
    """Solve the configured homo-energetic Boltzmann equation; write ``out/boltzmann.nc``."""
    check(cfg)
    b = cfg.levels.boltzmann or BoltzmannLevel()
    kern = build_kernel(cfg)
    A = cfg.velocity_gradient()
    out = Path(out)
    attrs = {"method": b.method, "kernel": kern.name, "kernel_parameters": str(kern.parameters),
             "kernel_viscosity": kern.viscosity_note, "velocity_gradient": A.ravel(),
             **_potential_kernel_attrs(kern),
             "heat_flux_convention": "q = (1/2) ∫ w |w|^2 g dw",
             "pressure_convention": "P = ∫ w ⊗ w g dw (g normalised to the number density)"}
    stepper, state = core.build("boltzmann", b.method, cfg)
    attrs.update(stepper.attrs())
    saves, per, _ = save_schedule(cfg)
    ckpt = driver.Checkpoint(out / "checkpoint", "boltzmann")
    state, records = driver.run(stepper, state, saves=saves, steps_per_save=per, checkpoint=ckpt,
                                resume=resume, progress=progress)
    data = driver.stack(records)
    times = per * cfg.time.step * np.arange(len(records))
    ds = level_dataset(times, data, level="boltzmann", config_toml=to_toml(cfg), seed=cfg.system.seed,
                       extra_vars=_extra_vars(), attrs=attrs)
    final = stepper.final(state)
    if final is not None:
        ds = ds.merge(final)
    write_atomic(ds, out / "boltzmann.nc")
    return ds


__all__ = ["build_kernel", "check", "kernel_name", "run"]
