r"""The JAX backend: the kick–drift–kick step of :mod:`.state` in a jitted ``lax.scan``.

``advance(state, n, system) -> state`` is the whole backend interface (the Numba backend has the
same signature). Compiled functions are cached per :class:`~.state.System` (which is hashable)
and per chunk length. Everything here is a pure function of the state, so a vmapped ensemble
(:func:`advance_ensemble`: every leaf with a leading replica axis) runs the same step; under
``vmap`` the rebuild ``lax.cond`` becomes a select (both branches run), which is fine for the
small systems ensembles are made of. :func:`shard_replicas` spreads an ensemble over devices.

Point particles with a radial potential and no long-range term take the chain-rule force path
of :func:`.pairs.forces` (unchanged, no torque); any other system (rotational, orientation-
dependent pair, long-range term) takes :func:`.pairs.forces_torques` (autodiff of the energy).
"""

from __future__ import annotations

from functools import cache, partial

import jax
import jax.numpy as jnp
import numpy as np

from . import neighbours, pairs
from .state import NONFINITE, State, System, empty_neighbours, flow_gradient


def step(system: System, state: State) -> State:
    """One kick–drift–kick step (see :mod:`.state` for the exact sequence, rotation included);
    with a thermostat, framed by two Langevin half steps (OBABO)."""
    if system.thermostat:
        state = langevin_half_step(system, state)
        return langevin_half_step(system, _kdk(system, state))
    return _kdk(system, state)


def langevin_half_step(system: System, state: State) -> State:
    r"""The exact Ornstein–Uhlenbeck flow over h/2 ("O" of the OBABO splitting, Leimkuhler &
    Matthews, "Molecular Dynamics", Springer 2015, §7.4):
    $w \leftarrow c\,w + \sqrt{(1 - c^2)\theta/m}\,\xi$,
    $\omega \leftarrow c\,\omega + \sqrt{(1 - c^2)\theta/I}\,\xi'$, $c = e^{-\gamma h/2}$, on the
    peculiar velocity $w = v - L(t)x$ (the streaming velocity is kept under a flow); fresh
    normal numbers from ``state.key`` (split per call)."""
    theta, gamma = system.thermostat
    c = float(np.exp(-0.5 * gamma * system.dt))
    key, kv, kw = jax.random.split(state.key, 3)
    x = state.position
    stream = x @ flow_gradient(jnp.asarray(system.A, x.dtype), state.time).T
    w = state.velocity - stream
    w = c * w + np.sqrt((1 - c * c) * theta) * jax.random.normal(kv, w.shape, w.dtype)
    omega = state.angular_velocity
    if system.rotational:
        omega = c * omega + np.sqrt((1 - c * c) * theta / system.inertia) * jax.random.normal(
            kw, omega.shape, omega.dtype)
    return state._replace(velocity=stream + w, angular_velocity=omega, key=key)


def _kdk(system: System, state: State) -> State:
    h = system.dt
    v = state.velocity + (0.5 * h) * state.force
    x = state.position + h * v
    theta = omega = None
    if system.rotational:
        omega = state.angular_velocity + (0.5 * h / system.inertia) * state.torque
        theta = state.orientation + h * omega
    n1 = state.step + 1
    t1 = jnp.asarray(n1 * h, state.time.dtype)  # the state's precision (float32 stays float32)
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
    f, tau = _forces(system, x, theta, t1, state.basis, nbr)
    v = v + (0.5 * h) * f
    if system.rotational:
        omega = omega + (0.5 * h / system.inertia) * tau
    if system.isokinetic > 0:
        v, omega = _rescale(system, x, v, omega, t1)
    return state._replace(time=t1, step=n1, position=x, velocity=v,
                          force=f, nbr=nbr, status=status, orientation=theta,
                          angular_velocity=omega, torque=tau)


def _forces(system: System, x, theta, t, basis, nbr):
    """``(f, τ)``: the radial fast path for point particles, else :func:`.pairs.forces_torques`."""
    if system.radial_only:
        return pairs.forces(system, x, t, basis, nbr), None
    return pairs.forces_torques(system, x, theta, t, basis, nbr)


def _rescale(system: System, x, v, omega, t):
    n, d = x.shape
    L = flow_gradient(jnp.asarray(system.A, x.dtype), t)
    stream = x @ L.T
    w = v - stream
    theta = jnp.sum(w * w) / (d * (n - 1))
    v = stream + w * jnp.sqrt(system.isokinetic / theta)
    if omega is not None:  # rotational temperature I Σω²/N to the same θ
        omega = omega * jnp.sqrt(system.isokinetic / (system.inertia * jnp.mean(omega * omega)))
    return v, omega


def _advance(system: System, state: State, n: int) -> State:
    state = state._replace(status=jnp.zeros_like(state.status),
                           nbr=state.nbr._replace(max_count=jnp.zeros_like(state.nbr.max_count),
                                                  max_occupancy=jnp.zeros_like(state.nbr.max_occupancy)))
    out, _ = jax.lax.scan(lambda s, _: (step(system, s), None), state, None, length=n)
    finite = jnp.all(jnp.isfinite(out.position)) & jnp.all(jnp.isfinite(out.velocity))
    if system.rotational:
        finite = finite & jnp.all(jnp.isfinite(out.orientation)) & jnp.all(jnp.isfinite(out.angular_velocity))
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
    f, tau = _forces(system, x, state.orientation, state.time, state.basis, nbr)
    return state._replace(position=x, velocity=v, nbr=nbr, force=f, torque=tau, status=status)


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
              key=None, orientation=None, angular_velocity=None) -> State:
    """A state from lab-frame positions and velocities (forces and list are built by
    :func:`prepare`); ``time`` must equal ``step * system.dt`` for a continued run. A rotational
    system (``system.inertia > 0``) takes ``orientation`` and ``angular_velocity`` ``[N]``
    (zeros when omitted); point particles must not be given them."""
    x = jnp.asarray(position)
    dtype = x.dtype
    n, d = x.shape
    if basis is None:
        basis = jnp.eye(d, dtype=jnp.int32)
    if key is None:
        key = jax.random.PRNGKey(0)
    rot = {}
    if system.rotational:
        theta = jnp.zeros(n, dtype) if orientation is None else jnp.asarray(orientation, dtype)
        omega = jnp.zeros(n, dtype) if angular_velocity is None else jnp.asarray(angular_velocity, dtype)
        rot = dict(orientation=theta, angular_velocity=omega, torque=jnp.zeros(n, dtype))
    elif orientation is not None or angular_velocity is not None:
        raise ValueError("orientations need a rotational system (System.inertia > 0)")
    return State(
        time=jnp.asarray(time, dtype), step=jnp.asarray(step, dtype=jnp.result_type(int)),
        position=x, velocity=jnp.asarray(velocity, dtype), force=jnp.zeros_like(x),
        basis=jnp.asarray(basis, jnp.int32),
        nbr=empty_neighbours(n, d, system.capacity if system.method == "verlet" else (0, 0), dtype),
        status=jnp.zeros((), jnp.int32), key=key, **rot)


def stack(states: list[State]) -> State:
    """An ensemble (leading replica axis on every leaf) from R single-system states."""
    return jax.tree_util.tree_map(lambda *a: jnp.stack(a), *states)


def replica(states: State, r: int) -> State:
    """Replica r of an ensemble, as a single-system state."""
    return jax.tree_util.tree_map(lambda a: a[r], states)


def shard_replicas(states: State) -> State:
    """Spread the replica axis over the available devices (``jax.sharding``: a 1-D mesh named
    ``replica`` over the largest number of devices that divides R). The vmapped step has no
    communication between replicas, so every replica computes the same numbers on any device
    count; with one device this is the identity."""
    R = int(states.position.shape[0])
    devices = jax.devices()
    k = max(m for m in range(1, len(devices) + 1) if R % m == 0)
    if k == 1:
        return states
    mesh = jax.sharding.Mesh(np.array(devices[:k]), ("replica",))
    return jax.device_put(states, jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("replica")))


__all__ = ["advance", "advance_ensemble", "new_state", "prepare", "prepare_ensemble", "replica",
           "shard_replicas", "stack", "step", "trajectory"]
