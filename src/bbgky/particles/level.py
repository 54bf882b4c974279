r"""The particle level of a scenario: ``run(cfg, out)`` writes ``out/particles.nc``.

From the configuration: N, d, ρ0 and θ0 (``[system]``); the pair potential with its cut-off and
scaling (``[interaction]``, :func:`bbgky.models.potentials.make_potential`); the velocity gradient
A (``[flow]``); ``[time]``; the initial state (``[initial]``, :mod:`.initial`); and
``[levels.particles]``: ``backend``, ``skin``, ``threads`` (Numba backend) and ``velocity_samples``
(the peculiar velocities of the first particles, saved as ``velocity_sample(time, particle, i)``
for the W1 distance to the kinetic level).

* The reference cell is the cube $H_0 = \ell I$, $\ell = (N/\rho_0)^{1/d}$ (or the file's cell).
* Method (:func:`.simulation.default_method`): all pairs (minimum image, no list) with the
  mean-field scaling — its cut-off defaults to half the smallest width the (reduced) cell will
  have during the run — below :data:`.simulation.ALL_PAIRS_BELOW` particles, and when the cell is
  narrower than twice cut-off + skin; a Verlet list with cell-list builds otherwise.
* Backend (``levels.particles.backend``): ``"jax"`` (:mod:`.integrator`); ``"numba"`` — the CPU
  fast path :mod:`.numba_backend` (needs a registered potential and a CPU); ``"auto"`` picks
  Numba when both hold, else JAX.
* Chunks of ``save_every`` (one jitted scan or one Numba call each) through
  :func:`bbgky.driver.run`; observables (:mod:`.observables`) after every chunk; a checkpoint
  (``out/checkpoint/particles.npz``, written atomically) after every chunk; ``resume=True``
  continues from it bit-identically. NaN or blow-up → :class:`~bbgky.errors.NumericalFailure`
  naming step and time (exit status 3).
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from .. import core, driver, output
from ..config import Config, memory_problem, saves, to_toml
from ..errors import ConfigError
from ..models.flows import singular_time
from ..models.potentials import REGISTRY, make_potential
from ..precision import warn_if_float32
from . import frames, initial, integrator, lattice
from .simulation import Simulation, default_method
from .state import State, System, peculiar_velocity, replica_key
from .steppers import MDStepper

EXTRA_VARS = {
    "work_rate": ((), "epsilon (epsilon/m)^1/2 sigma-1",
                  "-P:L/rho, the rate of change of e by the flow (James–Qi–Wang eq. 50)"),
    "neighbour_rebuilds": ((), "1", "Verlet-list builds since t = 0"),
    "pressure": ((), "epsilon sigma-d", "scalar pressure p = tr P/d (kinetic + virial)"),
    "rotational_energy": ((), "epsilon", "rotational kinetic energy per particle, sum(I omega^2/2)/N"),
    "rotational_temperature": ((), "epsilon", "rotational temperature sum(I omega^2)/N (1 dof per "
                               "particle)"),
    "velocity_sample": (("particle", "i"), "(epsilon/m)^1/2",
                        "peculiar velocity w = v - L(t)x of the first levels.particles.velocity_samples "
                        "particles"),
}


#: initial states the particle level can start from.
INITIAL_KINDS = ("maxwellian", "lattice", "file", "product")


def check(cfg: Config) -> None:
    """Every problem of the configuration for the particle level, raised at once as a ConfigError:
    a pair potential, a cut-off that fits the cell (now and, under a flow, until time.end after
    lattice reduction), a step that resolves a Boltzmann–Grad collision, the initial state, the
    equilibration length, the memory and ``[external]`` (periodic k, unchanged at every image under
    the flow)."""
    inter = cfg.interaction
    out: list[tuple[str, str]] = []
    if cfg.initial.kind not in INITIAL_KINDS:
        out.append(("initial.kind", f"{cfg.initial.kind!r} is not available at the particle level; "
                    f"allowed with levels.particles: {', '.join(INITIAL_KINDS)}"))
    if cfg.initial.kind == "file":
        out += _file_problems(cfg)
    steps = cfg.initial.equilibration / cfg.time.step
    if cfg.initial.kind == "maxwellian" and steps > 10**7:
        out.append(("initial.equilibration", f"{cfg.initial.equilibration:g} is {steps:.3g} steps of "
                    "time.step; allowed: at most 1e7 steps"))
    out += _memory(cfg)
    out += _external_check(cfg)
    if inter.potential == "dipolar":  # 2D, ℓ > 0, a step resolving the rotation, a reachable accuracy
        from ..models import dipolar

        out += dipolar.check(cfg)
        if out:
            raise ConfigError(out)
        return
    if inter.potential not in REGISTRY:
        out.append(("interaction.potential", f"{inter.potential!r} has no particle-level pair form; "
                    f"levels.particles needs one of {sorted(REGISTRY)}"))
        raise ConfigError(out)
    if cfg.initial.kind == "product":
        out += _product_check(cfg, REGISTRY[inter.potential])
    rc = _cutoff(cfg)
    half = 0.5 * cfg.box_length()
    # the skin is lowered by the level where the cell is too thin for it; the cut-off is not
    if (inter.scaling != "mean_field" or inter.cutoff is not None) and rc > half:
        out.append(("interaction.cutoff", f"cut-off {rc:.6g} exceeds half the smallest cell width "
                    f"{half:.6g}; allowed: cutoff ≤ {half:.6g} (or more particles / lower density)"))
    elif (inter.scaling != "mean_field" or inter.cutoff is not None) and cfg.flow is not None:
        out += _thin_cell(cfg, rc)
    stiff = inter.scaling == "boltzmann_grad" and inter.range is not None
    if stiff and REGISTRY[inter.potential].repulsive_core:
        out += _collision_step(cfg)
    if out:
        raise ConfigError(out)


def _product_check(cfg: Config, spec) -> list[tuple[str, str]]:
    """Product data place particles independently: with a repulsive core, overlapping pairs (energy
    ~ r^-12) are then likely and the first steps blow up, so such potentials are refused; they are
    never equilibrated, so a set equilibration time is refused rather than ignored; the cosine
    profile must be periodic in the box."""
    out = []
    if spec.repulsive_core:
        out.append(("initial.kind", f"'product' places particles independently, so pairs overlap and a "
                    f"potential with a repulsive core ({cfg.interaction.potential!r}) diverges; allowed with "
                    "product data: a bounded potential ('gaussian')"))
    if cfg.initial.equilibration != type(cfg.initial).model_fields["equilibration"].default:
        out.append(("initial.equilibration", "product data start exactly from f0^{⊗N}, never "
                    "equilibrated (an equilibration would correlate the particles); remove the key"))
    prof = cfg.initial.profile
    if prof is not None and prof.amplitude > 0:
        out += _periodic_wavenumber(prof.wavenumber, cfg, "initial.profile.wavenumber")
    return out


def _periodic_wavenumber(k: float, cfg: Config, key: str) -> list[tuple[str, str]]:
    """k must be 2πm/L (m = 1, 2, …) for a cosine along the first axis to be periodic in the box."""
    m = k * cfg.box_length() / (2 * math.pi)
    if abs(m - round(m)) > 1e-9 or round(m) < 1:
        return [(key, f"k·L/(2π) = {m:.6g} is not a positive integer (box length "
                 f"L = {cfg.box_length():.6g}); allowed: k = 2πm/L, m = 1, 2, …")]
    return []


def _external_check(cfg: Config) -> list[tuple[str, str]]:
    """``[external]``: a periodic cosine, unchanged at every image under the flow."""
    from ..models.external import compatible_with_flow

    ext = cfg.external
    if ext is None:
        return []
    out = _periodic_wavenumber(ext.wavenumber, cfg, "external.wavenumber")
    if cfg.flow is not None and not compatible_with_flow(cfg.velocity_gradient()):
        out.append(("flow", "the external potential V0 cos(k x₁) must be the same at every periodic "
                    "image, but this flow moves the images along x₁; allowed with [external]: no [flow], "
                    "or a flow whose first row of A is zero (e.g. kind = 'matrix', [[0, 0], [a, 0]]: "
                    "shear with the gradient along x₁)"))
    return out


def external_potential(cfg: Config):
    """The :class:`bbgky.models.external.CosineExternal` of ``[external]`` (None without it)."""
    from ..models.external import CosineExternal

    ext = cfg.external
    return None if ext is None else CosineExternal(float(ext.amplitude), float(ext.wavenumber))


def _cutoff(cfg: Config) -> float:
    """The cut-off radius of the configured pair potential (times the Boltzmann–Grad range)."""
    return cfg.interaction.scaled_parameters(cfg.system.particles).cutoff


def _thin_cell(cfg: Config, rc: float) -> list[tuple[str, str]]:
    """The deformation is deterministic: the first time at which even the reduced cell
    (:func:`.lattice.best_width_over`) is thinner than 2 r_c is known before running."""
    A, end = cfg.velocity_gradient(), cfg.time.end
    H0 = cfg.box_length() * np.eye(cfg.system.dimension)
    samples = 64
    grid = np.linspace(0.0, end, samples + 1)
    for t0, t1 in itertools.pairwise(grid):
        if lattice.best_width_over(H0, A, t0, t1, samples=4) < 2 * rc * (1 + 1e-6):
            return [("time.end", f"the reduced periodic cell becomes thinner than twice the cut-off "
                     f"(2 × {rc:.6g}) at t ≈ {t0:.6g} under this flow (lattice reduction included); "
                     f"allowed: time.end < {t0:.6g}, or more particles (a larger cell)")]
    return []


def _file_problems(cfg: Config) -> list[tuple[str, str]]:
    from .files import _LAMMPS, _XYZ, read_particles

    path = cfg.initial.path
    if not path or not Path(path).is_file():
        return [("initial.path", f"initial.kind = 'file' needs an existing extended XYZ or LAMMPS data file "
                 f"(got {path!r})")]
    p = Path(path)
    if p.suffix.lower() not in _XYZ | _LAMMPS and not p.name.startswith("data."):
        return [("initial.path", f"unknown particle-file type {p.name!r}: allowed suffixes "
                 f"{', '.join(sorted(_XYZ | _LAMMPS))} (or a LAMMPS file named data.*)")]
    try:
        x, _, _ = read_particles(p, cfg.system.dimension)
    except Exception as exc:  # any parser error; its text may quote the file, so it is not shown
        return [("initial.path", f"{p} cannot be read as a {cfg.system.dimension}D particle file "
                 f"({type(exc).__name__}); allowed: an extended XYZ or LAMMPS data file")]
    if x.shape[0] != cfg.system.particles:
        return [("system.particles", f"the file {p} holds {x.shape[0]} particles, the configuration says "
                 f"{cfg.system.particles}; allowed: {x.shape[0]}")]
    return []


def _memory(cfg: Config) -> list[tuple[str, str]]:
    """Estimated bytes per replica (times ``ensemble.replicas``): ~16 per-particle d-vectors, a
    neighbour list, the saved velocity samples, and three float64 N×N×d pair arrays below
    :data:`.simulation.ALL_PAIRS_BELOW` or with the mean-field scaling."""
    n, d = cfg.system.particles, cfg.system.dimension
    lp = cfg.levels.particles
    samples = min(n, lp.velocity_samples if lp is not None else 0)
    pairs = 3.0 * n * n * d * 8 if cfg.interaction.scaling == "mean_field" or n < 128 else 0.0
    R = cfg.ensemble.replicas
    estimate = R * (16.0 * n * d * 8 + 4.0 * n * 128 + pairs + (saves(cfg) + 1) * (samples * d * 8 + 400))
    if cfg.output.trajectory_every is not None:  # 3 d-vectors per particle per save, in the records
        estimate += 3.0 * (saves(cfg) + 1) * n * d * 8
    return memory_problem("system.particles", estimate, f"the particle level (N = {n}, {R} replica(s))")


def _collision_step(cfg: Config) -> list[tuple[str, str]]:
    """V = U(r/ε)/ε is stiff: the step must resolve a collision, dt ≤ τ_c/3 with τ_c the collision
    time of :func:`bbgky.models.potentials.collision_time` at E = 10 θ0 (energy drift ≈ 1e-4 of
    the kinetic energy per unit time there for WCA, ∝ dt²)."""
    from ..models.potentials import build_expression, collision_time

    inter = cfg.interaction
    expr, rc, _ = build_expression(inter.potential, **inter.potential_kwargs(cfg.system.particles))
    limit = collision_time(expr, 10.0 * cfg.system.temperature, rc) / 3
    if cfg.time.step > limit:
        return [("time.step", f"too large to resolve a collision of the Boltzmann–Grad potential (range "
                 f"{inter.range:g}): allowed time.step ≤ {limit:.4g} (a third of the collision time "
                 f"at E = 10 θ0)")]
    return []


def choose_backend(requested: str, system) -> str:
    """``"jax"`` or ``"numba"`` for ``levels.particles.backend`` (``ConfigError`` when impossible).

    ``system``: the :class:`.state.System` (or, for compatibility, its pair potential). Numba runs
    point particles with a registered radial potential and no long-range term."""
    if requested == "jax":
        return "jax"
    potential = getattr(system, "potential", system)
    reason = None
    if isinstance(system, System) and not system.numba_ready:
        reason = "rotation, orientation-dependent pairs and long-range terms run on JAX only"
    elif isinstance(system, System) and system.thermostat:
        reason = "the Langevin thermostat runs on JAX only"
    elif potential.numba_pair is None:
        reason = "the potential has no Numba pair kernel (user functions run on JAX only)"
    elif jax.default_backend() != "cpu":
        reason = f"JAX runs on {jax.default_backend()}, the Numba path is for CPUs"
    else:
        try:
            from . import numba_backend  # noqa: F401
        except ImportError as exc:  # pragma: no cover - numba is a dependency
            reason = f"the Numba backend cannot be imported ({exc})"
    if reason is None:
        return "numba"
    if requested == "numba":
        raise ConfigError([("levels.particles.backend", f"'numba' is not available here: {reason}; "
                            "allowed: 'auto' or 'jax'")])
    return "jax"


def build_system(cfg: Config, H0: np.ndarray | None = None) -> System:
    """The static description of the configured run (all pairs or Verlet, cut-off, cell)."""
    d, n = cfg.system.dimension, cfg.system.particles
    A = cfg.velocity_gradient()
    if H0 is None:
        H0 = cfg.box_length() * np.eye(d)
    inter = cfg.interaction
    skin = cfg.levels.particles.skin if cfg.levels.particles is not None else 0.3
    if inter.potential == "dipolar":
        from . import dipolar

        sysm = dipolar.build_system(cfg, H0, "all_pairs", skin)
        return dataclasses.replace(sysm, method=default_method(n, H0, sysm.cutoff, skin),
                                   thermostat=_thermostat(cfg), external=external_potential(cfg))
    kwargs = inter.potential_kwargs(n)
    mean_field = inter.scaling == "mean_field"
    if mean_field and inter.cutoff is None:
        t_star = singular_time(A)
        t_end = min(cfg.time.end, 0.999 * t_star)
        kwargs["cutoff"] = 0.5 * lattice.best_width_over(H0, A, 0.0, t_end) * (1 - 1e-9)
    potential = make_potential(inter.potential, **kwargs)
    method = default_method(n, H0, potential.cutoff, skin, inter.scaling)
    return System.make(potential, A, H0, cfg.time.step, skin=skin, method=method,
                       thermostat=_thermostat(cfg), external=external_potential(cfg))


def _thermostat(cfg: Config) -> tuple[float, float]:
    """``(θ, γ)`` of ``[thermostat]`` (Langevin), ``()`` for NVE."""
    th = cfg.thermostat
    return () if th is None else (float(th.temperature), float(th.damping))


def _maxwellian_states(cfg: Config, sim: Simulation, keys: list) -> State:
    """One state per replica key (stacked into an ensemble when there are several): the
    lattice start, equilibrated together (:mod:`.initial`), then fresh Maxwellian velocities
    (and, for rotating particles, uniform angles and Maxwellian angular velocities)."""
    sysm = sim.system
    d, n = cfg.system.dimension, cfg.system.particles
    theta = cfg.initial_temperature()
    x0 = jnp.asarray(initial.lattice_sites(n, d, float(sysm.H0_np[0, 0])))
    xs = [x0] * len(keys)
    if cfg.initial.kind == "maxwellian" and cfg.initial.equilibration > 0:
        eq_sys = dataclasses.replace(sysm, A=tuple((0.0,) * d for _ in range(d)), isokinetic=theta)
        eq = Simulation(eq_sys, backend=sim.backend, max_strain=sim.max_strain, threads=sim.threads)
        starts = [integrator.new_state(x0, initial.maxwellian_velocities(jax.random.fold_in(k, 1), n, d,
                                                                         theta), eq_sys,
                                       **_rotor(sysm, k, n, theta)) for k in keys]
        s = eq.prepare(_ensemble(starts))
        steps = max(1, round(cfg.initial.equilibration / cfg.time.step))
        chunk = driver.steps_between_saves(cfg.time.step, cfg.time.save_every)
        done = 0
        while done < steps:
            m = min(chunk, steps - done)
            s = eq.advance(s, m)
            problem = eq.health(s)
            if problem:
                from ..errors import NumericalFailure

                raise NumericalFailure(f"during the initial equilibration: {problem}", step=done + m,
                                       time=float(np.asarray(s.time).ravel()[0]))
            done += m
        pos = np.asarray(s.position)
        xs = [jnp.asarray(pos)] if pos.ndim == 2 else [jnp.asarray(p) for p in pos]
    A = jnp.asarray(sysm.A_np)
    states = []
    for k, x in zip(keys, xs, strict=True):
        w = initial.maxwellian_velocities(jax.random.fold_in(k, 2), n, d, theta)
        states.append(integrator.new_state(x, w + x @ A.T, sysm, key=k,
                                           **_rotor(sysm, k, n, theta, cfg.initial)))
    return _ensemble(states)


@functools.partial(jax.jit, static_argnames=("n", "d", "H0", "alpha", "k_prof", "theta"))
def _product_draw(keys, n, d, H0, alpha, k_prof, theta):
    """Positions and velocities of product data for every key, vmapped and jitted once per shape
    (the same numbers as one draw per key; eager draws cost R dispatches of the bisection)."""
    def draw(k):
        x = initial.product_positions(jax.random.fold_in(k, 1), n, np.asarray(H0), alpha, k_prof)
        return x, initial.iid_maxwellian_velocities(jax.random.fold_in(k, 2), n, d, theta)

    return jax.vmap(draw)(keys)


def _product_states(cfg: Config, sim: Simulation, keys: list) -> State:
    """Exactly f0^{⊗N} per replica: i.i.d. positions from ``initial.profile`` (key 1 of the
    replica) and i.i.d. Maxwellian peculiar velocities (key 2), no equilibration."""
    sysm = sim.system
    d, n, theta = cfg.system.dimension, cfg.system.particles, cfg.system.temperature
    prof = cfg.initial.profile
    alpha, k_prof = (prof.amplitude, prof.wavenumber) if prof is not None else (0.0, 1.0)
    A = jnp.asarray(sysm.A_np)
    H0 = tuple(tuple(row) for row in np.asarray(sysm.H0_np).tolist())
    xs, ws = (np.asarray(a) for a in _product_draw(jnp.stack(keys), n, d, H0, float(alpha),
                                                   float(k_prof), float(theta)))
    vs = ws + xs @ np.asarray(A).T
    states = [integrator.new_state(x, v, sysm, key=k, **_rotor(sysm, k, n, theta, cfg.initial))
              for k, x, v in zip(keys, xs, vs, strict=True)]
    return _ensemble(states)


def _rotor(sysm: System, key, n: int, theta: float, init=None) -> dict:
    """Initial angles and angular velocities of rotating particles (keys 3, 4 of the replica);
    ``init``: the ``[initial]`` table (``angles = "aligned"``: all at ``initial.angle``)."""
    if not sysm.rotational:
        return {}
    aligned = init.angle if init is not None and init.angles == "aligned" else None
    return initial.rotor_state(jax.random.fold_in(key, 3), n, theta, sysm.inertia, aligned=aligned)


def _ensemble(states: list[State]) -> State:
    """One state for one replica (no replica axis: the original single-system path), else the
    stacked ensemble."""
    return states[0] if len(states) == 1 else integrator.stack(states)


def _file_state(cfg: Config, keys: list) -> tuple[State, System]:
    from .files import read_particles, read_rotors

    path = cfg.initial.path
    if not path:
        raise ConfigError([("initial.path", "required with initial.kind = 'file' (an extended XYZ or "
                            "LAMMPS data file)")])
    if not Path(path).is_file():
        raise ConfigError([("initial.path", f"file not found: {path}")])
    d, n = cfg.system.dimension, cfg.system.particles
    x, H0, w = read_particles(path, d)
    if x.shape[0] != n:
        raise ConfigError([("system.particles", f"the file {path} holds {x.shape[0]} particles, the "
                            f"configuration says {n}; allowed: {x.shape[0]}")])
    if w is not None and len(keys) > 1:
        raise ConfigError([("ensemble.replicas", f"the file {path} gives the velocities, so all "
                            f"{len(keys)} replicas would be the same system; allowed: 1 (or a file "
                            "without velocities: each replica then draws its own)")])
    sysm = build_system(cfg, H0=H0)
    rotors = read_rotors(path) if sysm.rotational else None
    if rotors is not None and len(keys) > 1:
        raise ConfigError([("ensemble.replicas", f"the file {path} gives the angles, so all "
                            f"{len(keys)} replicas would start alike; allowed: 1")])
    A = sysm.A_np
    states = []
    for k in keys:
        wk = w if w is not None else np.asarray(initial.maxwellian_velocities(
            jax.random.fold_in(k, 2), n, d, cfg.system.temperature))
        rot = _rotor(sysm, k, n, cfg.system.temperature, cfg.initial)
        if rotors is not None:  # the file's angles; its angular velocities when it has them
            rot["orientation"] = jnp.asarray(rotors[0])
            if rotors[1] is not None:
                rot["angular_velocity"] = jnp.asarray(rotors[1])
        states.append(integrator.new_state(jnp.asarray(x), jnp.asarray(wk + x @ A.T), sysm, key=k,
                                           **rot))
    return _ensemble(states), sysm


def _threads(cfg: Config) -> int:
    return cfg.levels.particles.threads if cfg.levels.particles is not None else 1


def replicas(cfg: Config) -> int:
    """R of ``[ensemble] replicas``."""
    return cfg.ensemble.replicas


def initial_state(cfg: Config, backend: str = "jax", system: System | None = None, keys=None
                  ) -> tuple[State, Simulation]:
    """The prepared state at t = 0 (an ensemble of ``[ensemble] replicas`` systems when R > 1)
    and the simulation that advances it. Replica r uses the key
    :func:`.state.replica_key` (seed, r), or ``keys[r]`` when given (a study drawing further
    replicas). ``system``: run this static system instead of the one built from ``cfg`` (a model
    the configuration does not describe)."""
    if keys is None:
        keys = [replica_key(cfg.system.seed, r) for r in range(replicas(cfg))]
    kind = cfg.initial.kind
    if kind == "file":
        state, sysm = _file_state(cfg, keys)
        sim = Simulation(system or sysm, backend=backend, threads=_threads(cfg))
    elif kind in ("maxwellian", "lattice"):
        sim = Simulation(system or build_system(cfg), backend=backend, threads=_threads(cfg))
        state = _maxwellian_states(cfg, sim, keys)
    elif kind == "product":
        sim = Simulation(system or build_system(cfg), backend=backend, threads=_threads(cfg))
        state = _product_states(cfg, sim, keys)
    else:
        raise ConfigError([("initial.kind", f"{kind!r} is not available at the particle level; "
                            "allowed there: 'maxwellian', 'lattice', 'file', 'product'")])
    return sim.prepare(state), sim


def _template(cfg: Config, sim: Simulation) -> State:
    """A state with the checkpoint's tree structure and leaf ranks (leaves are replaced on
    loading): an ensemble's has the leading replica axis ``[R, ...]`` the checkpoint was written
    with, so that its ranks match."""
    d, n = cfg.system.dimension, cfg.system.particles
    z = jnp.zeros((n, d))
    one = integrator.new_state(z, z, sim.system, key=jax.random.PRNGKey(0))
    return _ensemble([one] * replicas(cfg))  # the checkpoint's ranks: a replica axis when R > 1


def run(cfg: Config, out: str | Path, *, resume: bool = False, progress=None, observers=(),
        system: System | None = None) -> xr.Dataset:
    """Run the particle level of ``cfg``; write ``out/particles.nc`` and return its dataset.

    ``observers``: :class:`.frames.FrameObserver` s, called with a :class:`.frames.Frame` at t0
    and after every save; their records travel in the checkpoints (bit-identical resume) and
    are handed to their ``finish(times, records, out)`` after the run. ``system``: run this
    static :class:`.state.System` instead of the one built from ``cfg``.
    """
    warn_if_float32("the particle level")
    if cfg.output.trajectory_every is not None:
        from .trajectory import TrajectoryWriter

        observers = (*observers, TrajectoryWriter(cfg.output.trajectory_every))
    if cfg.interaction.potential == "dipolar" and system is None:
        from .dipolar import DipolarObserver

        observers = (*observers, DipolarObserver(cfg, build_system(cfg)))
    frames.check_names(observers)
    out = Path(out)
    checkpoint = driver.Checkpoint(out / "checkpoint", "particles")
    requested = cfg.levels.particles.backend if cfg.levels.particles is not None else "auto"
    if resume and checkpoint.exists():
        if system is not None:
            sysm = system
        elif cfg.initial.kind == "file":
            from .files import read_particles

            _, H0, _ = read_particles(cfg.initial.path, cfg.system.dimension)
            sysm = build_system(cfg, H0=H0)
        else:
            sysm = build_system(cfg)
        sim = Simulation(sysm, backend=choose_backend(requested, sysm), threads=_threads(cfg))
        state = _template(cfg, sim)
    else:
        sysm = system or build_system(cfg)
        state, sim = initial_state(cfg, choose_backend(requested, sysm), system=system)
    steps_per_save, saves = driver.save_schedule(cfg.time.step, cfg.time.save_every, cfg.time.end)
    samples = min(cfg.system.particles, cfg.levels.particles.velocity_samples
                  if cfg.levels.particles is not None else 0)

    def observe(state: State) -> dict[str, np.ndarray]:
        out = sim.observe(state)
        if samples:  # the first particles: exchangeable, so an unbiased sample of the w-law
            w = np.asarray(peculiar_velocity(state, sim.system.A_np))
            if w.ndim == 3:  # an ensemble: the first particles of every replica, pooled
                w = w[:, : -(-samples // w.shape[0])].reshape(-1, w.shape[-1])
            out["velocity_sample"] = w[:samples]
        if observers:
            out.update(frames.observe_all(observers, frames.make_frame(sim.system, state)))
        return out

    state, records = driver.run(MDStepper(sim, observe), state, saves=saves, steps_per_save=steps_per_save,
                                checkpoint=checkpoint, resume=resume, progress=progress)
    data = driver.stack(records)
    mine = {obs.name: frames.split_records(data, obs.name) for obs in observers}
    ds = write_dataset(cfg, data, out, sim, state)
    for obs in observers:  # after particles.nc, so that an observer may add to it
        obs.finish(np.asarray(data["time"]), mine[obs.name], out)
    if cfg.interaction.potential == "dipolar" and system is None:
        with xr.open_dataset(out / "particles.nc") as fresh:
            ds = fresh.load()
    return ds


def _example(backend: str) -> dict:
    """32 Lennard-Jones particles in 2D near the triple point, no flow (registry tests)."""
    return {"title": "registry example",
            "system": {"dimension": 2, "particles": 32, "density": 0.7, "temperature": 1.0, "seed": 2},
            "interaction": {"potential": "lj"}, "initial": {"kind": "maxwellian", "equilibration": 0.0},
            "time": {"end": 0.02, "step": 0.005, "save_every": 0.01},
            "levels": {"particles": {"backend": backend}}}


@core.register("particles", "verlet", examples={"jax": _example("jax"), "numba": _example("numba")})
def build_stepper(cfg: Config) -> tuple[MDStepper, State]:
    """The configured run as a stepper and its prepared initial state."""
    requested = cfg.levels.particles.backend if cfg.levels.particles is not None else "auto"
    state, sim = initial_state(cfg, choose_backend(requested, build_system(cfg)))
    return MDStepper(sim), state


#: per-replica records stored as they are (not averaged) in an ensemble's particles.nc.
NOT_AVERAGED = ("velocity_sample",)


def write_dataset(cfg: Config, data: dict[str, np.ndarray], out: Path, sim: Simulation,
                  state: State) -> xr.Dataset:
    """``particles.nc`` from the stacked records (observer records already removed). With
    R > 1 replicas every observable is the ensemble mean over replicas, with ``<name>_stderr``
    its standard error s/√R (s the sample standard deviation over replicas, ddof = 1); the
    long_name of each variable says which it is."""
    data = dict(data)
    time = data.pop("time")
    data.pop("momentum", None)
    data["work_rate"] = data.pop("power")
    # per replica before the ensemble mean, so that its standard error is that of p itself
    data["pressure"] = np.trace(data["pressure_tensor"], axis1=-2, axis2=-1) / cfg.system.dimension
    R = replicas(cfg)
    spec = {**output.VARIABLES, **EXTRA_VARS}
    extra = dict(EXTRA_VARS)
    if R > 1:
        data, extra = _ensemble_means(data, spec, R)
    basis = np.asarray(state.basis)
    attrs = {"backend": sim.backend, "method": sim.system.method,
             "cutoff": sim.system.cutoff, "skin": sim.system.skin,
             "temperature_dof": "d(N-1)", "velocity_gradient": np.asarray(sim.system.A_np).ravel(),
             "reference_cell": np.asarray(sim.system.H0_np).ravel(),
             "final_basis": (basis[0] if basis.ndim == 3 else basis).ravel()}
    if R > 1:
        attrs["replicas"] = R
        attrs["ensemble"] = (f"{R} independent replicas (replica r seeded by fold_in(seed, r)); "
                             "variables are ensemble means, <name>_stderr their standard errors")
    if sim.system.rotational:
        attrs["moment_of_inertia"] = sim.system.inertia
    ds = output.level_dataset(time, data, level="particles", config_toml=to_toml(cfg),
                              seed=cfg.system.seed, extra_vars=extra, attrs=attrs)
    output.write_atomic(ds, Path(out) / "particles.nc")
    return ds


def _ensemble_means(data: dict[str, np.ndarray], spec: dict, R: int) -> tuple[dict, dict]:
    """Means over the replica axis (axis 1, after time) and their standard errors."""
    means: dict[str, np.ndarray] = {}
    extra: dict[str, tuple] = {}
    for name, values in data.items():
        dims, units, long_name = spec[name]
        if name in NOT_AVERAGED:
            means[name] = values
            extra[name] = (dims, units, f"{long_name} (pooled over the replicas)")
            continue
        values = np.asarray(values, dtype=float)
        means[name] = values.mean(axis=1)
        means[f"{name}_stderr"] = values.std(axis=1, ddof=1) / np.sqrt(R)
        extra[name] = (dims, units, f"ensemble mean over {R} replicas of: {long_name}")
        extra[f"{name}_stderr"] = (dims, units, f"standard error (s/sqrt(R), R = {R}) of the "
                                   f"ensemble mean of: {long_name}")
    return means, extra


__all__ = ["build_system", "check", "choose_backend", "external_potential", "initial_state", "run"]
