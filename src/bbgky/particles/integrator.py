r"""The JAX backend: the kick–drift–kick step of :mod:`.state` in a jitted ``lax.scan``.

``advance(state, n, system) -> state`` is the whole backend interface (the Numba backend has the
same signature). Compiled functions are cached per :class:`~.state.System` (which is hashable)
and per chunk length. Everything here is a pure function of the state, so a vmapped ensemble
(:func:`advance_ensemble`: every leaf with a leading replica axis) runs the same step; under
``vmap`` the rebuild ``lax.cond`` becomes a select (both branches run), which is fine for the
small systems ensembles are made of.
"""

from __future__ import annotations

from functools import cache, partial

import jax
import jax.numpy as jnp

from . import neighbours, pairs
from .state import NONFINITE, State, System, empty_neighbours, flow_gradient


def step(system: System, state: State) -> State:
    """One kick–drift–kick step (see :mod:`.state` for the exact sequence)."""
    h = system.dt
    v = state.velocity + (0.5 * h) * state.force
    x = state.position + h * v
    n1 = state.step + 1
    t1 = n1 * h
    nbr = state.nbr
    status = state.status
    if system.method == "verlet":
        need = neighbours.needs_rebuild(system, x, t1, nbr)

        def rebuild(args):
            x, v, nbr = args
            return neighbours.build(system, x, v, t1, state.basis, nbr)

        def keep(args):
            x, v, nbr = args
            return x, v, nbr, jnp.zeros((), jnp.int32)

        x, v, nbr, bits = jax.lax.cond(need, rebuild, keep, (x, v, nbr))
        status = status | bits
    f = pairs.forces(system, x, t1, state.basis, nbr)
    v = v + (0.5 * h) * f
    if system.isokinetic > 0:
        v = _rescale(system, x, v, t1)
    return state._replace(time=jnp.asarray(t1, state.time.dtype), step=n1, position=x, velocity=v,
                          force=f, nbr=nbr, status=status)


def _rescale(system: System, x, v, t):
    n, d = x.shape
    L = flow_gradient(jnp.asarray(system.A, x.dtype), t)
    stream = x @ L.T
    w = v - stream
    theta = jnp.sum(w * w) / (d * (n - 1))
    return stream + w * jnp.sqrt(system.isokinetic / theta)


def _advance(system: System, state: State, n: int) -> State:
    state = state._replace(status=jnp.zeros_like(state.status),
                           nbr=state.nbr._replace(max_count=jnp.zeros_like(state.nbr.max_count),
                                                  max_occupancy=jnp.zeros_like(state.nbr.max_occupancy)))
    out, _ = jax.lax.scan(lambda s, _: (step(system, s), None), state, None, length=n)
    finite = jnp.all(jnp.isfinite(out.position)) & jnp.all(jnp.isfinite(out.velocity))
    return out._replace(status=out.status | jnp.where(finite, 0, NONFINITE))


def _prepare(system: System, state: State) -> State:
    """Build the list (wrapping positions) and compute the forces at the state's time."""
    x, v, nbr = state.position, state.velocity, state.nbr
    status = state.status
    if system.method == "verlet":
        x, v, nbr, bits = neighbours.build(system, x, v, state.time, state.basis,
                                           nbr._replace(max_count=jnp.zeros_like(nbr.max_count),
                                                        max_occupancy=jnp.zeros_like(nbr.max_occupancy)))
        status = status | bits
    f = pairs.forces(system, x, state.time, state.basis, nbr)
    return state._replace(position=x, velocity=v, nbr=nbr, force=f, status=status)


@cache
def _compiled(system: System):
    return {
        "advance": jax.jit(partial(_advance, system), static_argnums=1),
        "prepare": jax.jit(partial(_prepare, system)),
        "advance_ensemble": jax.jit(jax.vmap(partial(_advance, system), in_axes=(0, None)),
                                    static_argnums=1),
        "prepare_ensemble": jax.jit(jax.vmap(partial(_prepare, system))),
    }


def advance(state: State, n: int, system: System) -> State:
    """n steps in one jitted scan. ``state.status`` says whether a capacity overflowed."""
    return _compiled(system)["advance"](state, int(n))


def prepare(state: State, system: System) -> State:
    """A consistent state at its own time: list built (positions wrapped), forces computed."""
    return _compiled(system)["prepare"](state)


def advance_ensemble(states: State, n: int, system: System) -> State:
    """``advance`` over a leading replica axis (``jax.vmap``)."""
    return _compiled(system)["advance_ensemble"](states, int(n))


def prepare_ensemble(states: State, system: System) -> State:
    return _compiled(system)["prepare_ensemble"](states)


def _trajectory(system: System, state: State, saves: int, every: int):
    from .observables import observe

    def save(s, _):
        s = _advance(system, s, every)
        return s, observe(system, s)

    return jax.lax.scan(save, state, None, length=saves)


@cache
def _trajectory_jit(system: System):
    return jax.jit(partial(_trajectory, system), static_argnums=(1, 2))


def trajectory(state: State, saves: int, every: int, system: System):
    """``(state, observables)``: ``saves`` chunks of ``every`` steps in one jitted scan, with the
    observables of :mod:`.observables` stacked along a leading axis (tests, validation: dense
    time series without host round trips). No lattice reduction or overflow handling: use it
    within one piece (see :class:`.simulation.Simulation`) and check ``state.status``."""
    return _trajectory_jit(system)(state, int(saves), int(every))


def new_state(position, velocity, system: System, *, time: float = 0.0, step: int = 0, basis=None,
              key=None, extra=()) -> State:
    """A state from lab-frame positions and velocities (forces and list are built by
    :func:`prepare`); ``time`` must equal ``step * system.dt`` for a continued run."""
    x = jnp.asarray(position)
    dtype = x.dtype
    n, d = x.shape
    if basis is None:
        basis = jnp.eye(d, dtype=jnp.int32)
    if key is None:
        key = jax.random.PRNGKey(0)
    return State(
        time=jnp.asarray(time, dtype), step=jnp.asarray(step, dtype=jnp.result_type(int)),
        position=x, velocity=jnp.asarray(velocity, dtype), force=jnp.zeros_like(x),
        basis=jnp.asarray(basis, jnp.int32),
        nbr=empty_neighbours(n, d, system.capacity if system.method == "verlet" else (0, 0), dtype),
        status=jnp.zeros((), jnp.int32), key=key, extra=extra)


__all__ = ["advance", "advance_ensemble", "new_state", "prepare", "prepare_ensemble", "step", "trajectory"]
