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
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import xarray as xr

from .. import driver, output
from ..config import Config, to_toml
from ..errors import ConfigError
from ..models.flows import singular_time
from ..models.potentials import make_potential
from ..precision import warn_if_float32
from . import initial, integrator, lattice
from .simulation import Simulation, default_method
from .state import State, System, peculiar_velocity

EXTRA_VARS = {
    "work_rate": ((), "epsilon (epsilon/m)^1/2 sigma-1",
                  "-P:L/rho, the rate of change of e by the flow (paper eq. 50)"),
    "neighbour_rebuilds": ((), "1", "Verlet-list builds since t = 0"),
    "velocity_sample": (("particle", "i"), "(epsilon/m)^1/2",
                        "peculiar velocity w = v - L(t)x of the first levels.particles.velocity_samples "
                        "particles"),
}


def choose_backend(requested: str, potential) -> str:
    """``"jax"`` or ``"numba"`` for ``levels.particles.backend`` (``ConfigError`` when impossible)."""
    if requested == "jax":
        return "jax"
    reason = None
    if potential.numba_pair is None:
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
    kwargs = inter.potential_kwargs(n)
    mean_field = inter.scaling == "mean_field"
    if mean_field and inter.cutoff is None:
        t_star = singular_time(A)
        t_end = min(cfg.time.end, 0.999 * t_star)
        kwargs["cutoff"] = 0.5 * lattice.best_width_over(H0, A, 0.0, t_end) * (1 - 1e-9)
    potential = make_potential(inter.potential, **kwargs)
    skin = cfg.levels.particles.skin if cfg.levels.particles is not None else 0.3
    method = default_method(n, H0, potential.cutoff, skin, inter.scaling)
    return System.make(potential, A, H0, cfg.time.step, skin=skin, method=method)


def _maxwellian_state(cfg: Config, sim: Simulation, key) -> State:
    sysm = sim.system
    d, n = cfg.system.dimension, cfg.system.particles
    theta = cfg.system.temperature
    x = initial.lattice_sites(n, d, float(sysm.H0_np[0, 0]))
    if cfg.initial.kind == "maxwellian" and cfg.initial.equilibration > 0:
        eq_sys = dataclasses.replace(sysm, A=tuple((0.0,) * d for _ in range(d)), isokinetic=theta)
        eq = Simulation(eq_sys, backend="jax", max_strain=sim.max_strain)
        v = initial.maxwellian_velocities(jax.random.fold_in(key, 1), n, d, theta)
        s = eq.prepare(integrator.new_state(jnp.asarray(x), v, eq_sys))
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
                                       time=float(s.time))
            done += m
        x = np.asarray(s.position)
    w = initial.maxwellian_velocities(jax.random.fold_in(key, 2), n, d, theta)
    A = jnp.asarray(sysm.A_np)
    return integrator.new_state(jnp.asarray(x), w + jnp.asarray(x) @ A.T, sysm, key=key)


def _file_state(cfg: Config, key) -> tuple[State, System]:
    from .files import read_particles

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
    sysm = build_system(cfg, H0=H0)
    if w is None:
        w = np.asarray(initial.maxwellian_velocities(jax.random.fold_in(key, 2), n, d,
                                                     cfg.system.temperature))
    A = sysm.A_np
    return integrator.new_state(jnp.asarray(x), jnp.asarray(w + x @ A.T), sysm, key=key), sysm


def _threads(cfg: Config) -> int:
    return cfg.levels.particles.threads if cfg.levels.particles is not None else 1


def initial_state(cfg: Config, backend: str = "jax") -> tuple[State, Simulation]:
    """The prepared state at t = 0 and the simulation that advances it."""
    key = jax.random.PRNGKey(cfg.system.seed)
    kind = cfg.initial.kind
    if kind == "file":
        state, sysm = _file_state(cfg, key)
        sim = Simulation(sysm, backend=backend, threads=_threads(cfg))
    elif kind in ("maxwellian", "lattice"):
        sim = Simulation(build_system(cfg), backend=backend, threads=_threads(cfg))
        state = _maxwellian_state(cfg, sim, key)
    else:
        raise ConfigError([("initial.kind", f"{kind!r} is not available at the particle level; "
                            "allowed there: 'maxwellian', 'lattice', 'file'")])
    return sim.prepare(state), sim


def _template(cfg: Config, sim: Simulation) -> State:
    """A state with the checkpoint's tree structure (leaves are replaced on loading)."""
    d, n = cfg.system.dimension, cfg.system.particles
    z = jnp.zeros((n, d))
    return integrator.new_state(z, z, sim.system, key=jax.random.PRNGKey(0))


def run(cfg: Config, out: str | Path, *, resume: bool = False, progress=None) -> xr.Dataset:
    """Run the particle level of ``cfg``; write ``out/particles.nc`` and return its dataset."""
    warn_if_float32("the particle level")
    out = Path(out)
    checkpoint = driver.Checkpoint(out / "checkpoint", "particles")
    requested = cfg.levels.particles.backend if cfg.levels.particles is not None else "auto"
    if resume and checkpoint.exists():
        if cfg.initial.kind == "file":
            from .files import read_particles

            _, H0, _ = read_particles(cfg.initial.path, cfg.system.dimension)
            sysm = build_system(cfg, H0=H0)
        else:
            sysm = build_system(cfg)
        sim = Simulation(sysm, backend=choose_backend(requested, sysm.potential), threads=_threads(cfg))
        state = _template(cfg, sim)
    else:
        sysm = build_system(cfg)
        backend = choose_backend(requested, sysm.potential)
        state, sim = initial_state(cfg, backend)
    steps_per_save = driver.steps_between_saves(cfg.time.step, cfg.time.save_every)
    saves = max(1, round(cfg.time.end / (steps_per_save * cfg.time.step)))
    samples = min(cfg.system.particles, cfg.levels.particles.velocity_samples
                  if cfg.levels.particles is not None else 0)

    def observe(state: State) -> dict[str, np.ndarray]:
        out = sim.observe(state)
        if samples:  # the first particles: exchangeable, so an unbiased sample of the w-law
            out["velocity_sample"] = np.asarray(peculiar_velocity(state, sim.system.A_np))[:samples]
        return out

    solver = driver.Solver(advance=sim.advance, observe=observe, health=sim.health,
                           time=lambda s: float(s.time))
    state, records = driver.run(solver, state, saves=saves, steps_per_save=steps_per_save,
                                dt=cfg.time.step, checkpoint=checkpoint, resume=resume, progress=progress)
    return write_dataset(cfg, records, out, sim, state)


def write_dataset(cfg: Config, records, out: Path, sim: Simulation, state: State) -> xr.Dataset:
    data = driver.stack(records)
    time = data.pop("time")
    data.pop("momentum", None)
    data["work_rate"] = data.pop("power")
    attrs = {"backend": sim.backend, "method": sim.system.method,
             "cutoff": sim.system.cutoff, "skin": sim.system.skin,
             "temperature_dof": "d(N-1)", "velocity_gradient": np.asarray(sim.system.A_np).ravel(),
             "reference_cell": np.asarray(sim.system.H0_np).ravel(),
             "final_basis": np.asarray(state.basis).ravel()}
    ds = output.level_dataset(time, data, level="particles", config_toml=to_toml(cfg),
                              seed=cfg.system.seed, extra_vars=EXTRA_VARS, attrs=attrs)
    output.write_atomic(ds, Path(out) / "particles.nc")
    return ds


__all__ = ["build_system", "choose_backend", "initial_state", "run"]
