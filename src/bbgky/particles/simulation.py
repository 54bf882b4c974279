r"""Host-side driver of one objective-MD system: basis reduction, cell grid, capacities, backends.

:class:`Simulation` turns ``advance(state, n)`` of a backend (``integrator.advance`` for JAX,
``numba_backend.advance`` for the CPU fast path) into a safe chunk of n steps:

* the chunk is cut into *pieces* of at most ``max_strain / (‖L‖ h)`` steps (all of equal length
  but the last, so that at most two scan lengths are compiled);
* before each piece, :func:`.lattice.choose_basis` picks the basis U (a reduced one when it is
  wider over the piece); :func:`.lattice.require_width` stops the run with
  :class:`~bbgky.errors.NumericalFailure` (exit 3) when even the reduced cell is thinner than
  twice the cut-off; between that and twice cut-off + skin the skin is reduced for the piece
  (:meth:`Simulation.skin_for`, as the Numba backend does);
* the cell grid ``floor(min_t w_k(t) / r_ell)`` over the piece (kept while still valid and not
  much coarser than the ideal one, so that an expanding cell does not recompile every piece);
* after a piece whose status shows a list or cell overflow, K and C are grown from the sizes
  the build measured and the piece is **redone from its start state** — no pair is ever lost.

Grid and capacities live in the state (``nbr.grid``, ``nbr.capacity``), so every decision is a
function of the state alone and a resumed run repeats the original bit for bit.

**Ensembles.** Every operation also takes an ensemble (a :class:`~.state.State` whose leaves
have a leading replica axis, :mod:`.state`): basis, grid and capacities are shared by the
replicas (the capacity is grown to the largest row any replica needs), the JAX backend advances
them in one vmapped scan with the replica axis sharded over the devices
(:func:`.integrator.shard_replicas`), the Numba backend loops over the replicas (one after the
other, :func:`.numba_backend.advance_ensemble`; ``threads`` still parallelises each replica's
force loop). Status bits are OR-ed over
replicas, and ``observe`` returns arrays with a leading replica axis.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import cache, partial

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import NumericalFailure
from ..models import flows
from . import integrator, lattice, neighbours
from .observables import observe as _observe
from .state import NONFINITE, OVERFLOW_CELLS, OVERFLOW_NEIGHBOURS, State, System

#: all pairs (no list) below this many particles.
ALL_PAIRS_BELOW = 128


def default_method(n: int, H0, cutoff: float, skin: float, scaling: str = "physical") -> str:
    """All pairs for mean-field scaling, small N, or a cell too small for a list; else Verlet."""
    width = float(lattice.widths(np.asarray(H0, dtype=float)).min())
    if scaling == "mean_field" or n < ALL_PAIRS_BELOW or 2 * (cutoff + skin) > width:
        return "all_pairs"
    return "verlet"


@dataclass
class Simulation:
    """One system: the static part (``system``: potential, A, H0, dt, skin, method) and a backend.

    ``backend``: ``"jax"`` or ``"numba"`` (the latter needs a potential with ``numba_pair``).
    """

    system: System
    backend: str = "jax"
    max_strain: float = 0.1
    threads: int = 1

    def __post_init__(self) -> None:
        if self.backend == "numba":
            if not self.system.numba_ready:
                raise ValueError("the Numba backend runs point particles with radial pair potentials; "
                                 "rotation, orientation-dependent pairs and long-range terms run on JAX")
            from . import numba_backend

            self._numba = numba_backend

    # ------------------------------------------------------------------ static description
    def piece_length(self, t: float, n: int) -> int:
        """Steps per piece: n / 2^j, the coarsest split whose strain ‖L‖ h (n/2^j) ≤ max_strain
        (powers of two keep the number of distinct compiled scan lengths small)."""
        A = self.system.A_np
        if not np.any(A):
            return n
        L = flows.flow_gradient(A, t)
        strain = float(np.linalg.norm(L, 2)) * abs(self.system.dt) * n
        k = 1
        while strain / k > self.max_strain and k < n:
            k *= 2
        return max(1, -(-n // k))

    def _grid(self, state: State, widths: np.ndarray, radius: float) -> tuple[int, ...]:
        """The cell grid for a piece: () for all-candidate builds; else the ideal grid, or the
        previous one while it is still valid and not much coarser (fewer recompilations)."""
        if self.system.method != "verlet":
            return ()
        n = state.position.shape[-2]
        ideal = lattice.cell_grid(widths, radius)
        if not neighbours.use_cells(ideal, n):
            return ()
        old = _first(state.nbr.grid, 1)
        if np.all(old >= 1) and np.all(old <= ideal) and np.all(old >= 0.75 * np.asarray(ideal)) \
                and neighbours.use_cells(tuple(int(g) for g in old), n):
            return tuple(int(g) for g in old)
        return ideal

    def _capacity(self, state: State, grid, t: float, radius: float | None = None,
                  grow: bool = False) -> tuple[int, int]:
        K, C = (int(c) for c in _first(state.nbr.capacity, 1))
        n, d = state.position.shape[-2:]
        H = lattice.cell_at(self.system.H0_np, self.system.A_np, _first(state.basis, 2), t)
        radius = self.system.list_radius if radius is None else radius
        K0, C0 = neighbours.initial_capacity(n, d, abs(np.linalg.det(H)), radius, grid)
        if K == 0:
            K = K0
        if grid:
            if C == 0 or tuple(int(g) for g in _first(state.nbr.grid, 1)) != tuple(grid):
                C = max(C0, 1)
        else:
            C = 0
        if grow:
            mc, mo = int(np.max(state.nbr.max_count)), int(np.max(state.nbr.max_occupancy))
            K = min(n - 1, max(K, math.ceil(1.15 * mc) + 4))
            if C:
                C = min(n, max(C, math.ceil(1.15 * mo) + 2))
        return K, C

    def system_for(self, state: State) -> System:
        """The static system matching the state's list layout (grid and capacities)."""
        if self.system.method != "verlet":
            return self.system
        grid = tuple(int(g) for g in _first(state.nbr.grid, 1))
        return dataclasses.replace(self.system, grid=grid if all(grid) else (),
                                   capacity=tuple(int(c) for c in _first(state.nbr.capacity, 1)))

    def configure(self, state: State, t0: float, t1: float) -> tuple[State, System]:
        """Basis, width check, grid and capacities for a piece over [t0, t1]."""
        sysm = self.system
        H0, A = sysm.H0_np, sysm.A_np
        U = lattice.choose_basis(H0, A, _first(state.basis, 2), t0, t1)
        if not np.array_equal(U, _first(state.basis, 2)):
            state = state._replace(basis=jnp.broadcast_to(jnp.asarray(U, state.basis.dtype),
                                                          state.basis.shape),
                                   nbr=state.nbr._replace(valid=jnp.zeros_like(state.nbr.valid)))
        w = lattice.widths_over(H0, A, U, t0, t1)
        lattice.require_width(float(w.min()), sysm.cutoff, t=t0, what="cut-off")
        if sysm.method != "verlet":
            return state, sysm
        sysm = dataclasses.replace(sysm, skin=self.skin_for(float(w.min())))
        grid = self._grid(state, w, sysm.list_radius)
        K, C = self._capacity(state, grid, t0, sysm.list_radius)
        state = self._layout(state, grid, (K, C))
        return state, dataclasses.replace(sysm, grid=grid, capacity=(K, C))

    def skin_for(self, min_width: float) -> float:
        """The configured skin, or — in a cell too thin for cut-off + skin — the largest of
        skin·k/8 (k = 7 … 0) that fits, so that the list radius stays within half the width (the
        list is then rebuilt more often; with skin 0, at every step that moves a particle)."""
        skin, rc = self.system.skin, self.system.cutoff
        if 2 * (rc + skin) <= min_width:
            return skin
        room = 0.5 * min_width - rc
        k = max(0, min(7, math.floor(8 * room / skin))) if skin > 0 else 0
        return skin * k / 8

    def _layout(self, state: State, grid, capacity) -> State:
        """Give the state's list the capacities (K, C) and the grid; a new K invalidates it."""
        n, d = state.position.shape[-2:]
        lead = state.position.shape[:-2]  # (R,) for an ensemble
        nbr = state.nbr
        K, C = capacity
        resized = nbr.idx.shape[-1] != K
        nbr = nbr._replace(idx=jnp.full((*lead, n, K), n, jnp.int32) if resized else nbr.idx,
                           valid=jnp.zeros_like(nbr.valid) if resized else nbr.valid,
                           capacity=jnp.broadcast_to(jnp.asarray([K, C], jnp.int32), (*lead, 2)),
                           grid=jnp.broadcast_to(jnp.asarray(grid if grid else (0,) * d, jnp.int32),
                                                 (*lead, d)))
        return state._replace(nbr=nbr)

    # ------------------------------------------------------------------------- operations
    def prepare(self, state: State) -> State:
        """Choose basis, grid and capacities at the state's time; build the list; forces."""
        t = float(_first(state.time, 0))
        for _ in range(64):
            state, sysm = self.configure(state, t, t)
            if self.backend == "numba":  # its own list: only the forces (no JAX program to compile)
                return self._numba.prepare(state, sysm)
            if state.replicas is None:
                new = integrator.prepare(state, sysm)
            else:
                new = integrator.prepare_ensemble(integrator.shard_replicas(state), sysm)
            if not _status(new) & (OVERFLOW_NEIGHBOURS | OVERFLOW_CELLS):
                return new._replace(status=jnp.zeros_like(new.status))
            state = self._grow(state, new, sysm)
        raise NumericalFailure("the neighbour list could not be sized", time=t)  # pragma: no cover

    def _grow(self, start: State, failed: State, sysm: System) -> State:
        grown = start._replace(nbr=start.nbr._replace(max_count=failed.nbr.max_count,
                                                      max_occupancy=failed.nbr.max_occupancy))
        grid = sysm.grid
        K, C = self._capacity(grown, grid, float(_first(start.time, 0)), sysm.list_radius, grow=True)
        if (K, C) == tuple(sysm.capacity):
            raise NumericalFailure(
                f"neighbour-list overflow that cannot be grown (K = {K}, C = {C}, N = "
                f"{start.position.shape[-2]})", step=int(_first(start.step, 0)),
                time=float(_first(start.time, 0)))
        out = self._layout(start, grid, (K, C))
        return out._replace(nbr=out.nbr._replace(valid=jnp.zeros_like(out.nbr.valid)))

    def _run_piece(self, state: State, n: int, sysm: System) -> State:
        R = state.replicas
        if self.backend == "numba":
            if R is None:
                return self._numba.advance(state, n, sysm, threads=self.threads)
            return self._numba.advance_ensemble(state, n, sysm, threads=self.threads)
        if R is None:
            return integrator.advance(state, n, sysm)
        return integrator.advance_ensemble(integrator.shard_replicas(state), n, sysm)

    def advance(self, state: State, n: int) -> State:
        """n steps, with basis reduction, width checks and overflow redo (see the module doc)."""
        done = 0
        h = self.system.dt
        piece = self.piece_length(float(_first(state.time, 0)), n)
        while done < n:
            m = min(piece, n - done)
            t0 = float(_first(state.time, 0))
            start, sysm = self.configure(state, t0, t0 + m * h)
            for _ in range(64):
                new = self._run_piece(start, m, sysm)
                status = _status(new)
                if status & NONFINITE:
                    return new
                if not status & (OVERFLOW_NEIGHBOURS | OVERFLOW_CELLS):
                    break
                start = self._grow(start, new, sysm)
                # the replicas share (K, C): replica 0's row of an ensemble's [R, 2] capacity
                grown = tuple(int(c) for c in _first(start.nbr.capacity, 1))
                sysm = dataclasses.replace(sysm, capacity=grown)
            state = new
            done += m
        return state

    def observe(self, state: State) -> dict[str, np.ndarray]:
        """Observables (NumPy) at the state's time; ``time`` and ``neighbour_rebuilds`` included.
        For an ensemble every observable has a leading replica axis ``[R, ...]`` (``time`` is a
        scalar: the replicas share it)."""
        R = state.replicas
        if self.backend == "numba":
            if R is None:
                out = self._numba.observe(self.system, state)
            else:
                each = [self._numba.observe(self.system, _replica_numpy(state, r)) for r in range(R)]
                out = {k: np.stack([np.asarray(e[k]) for e in each]) for k in each[0]}
        else:
            if self.system.method == "verlet" and not bool(np.all(state.nbr.valid)):
                state = self.prepare(state)
            out = _observe_compiled(self.system, R is not None)(state)
        out = {k: np.asarray(v) for k, v in out.items()}
        out["time"] = np.asarray(float(_first(state.time, 0)))
        out["neighbour_rebuilds"] = np.asarray(state.nbr.rebuilds).astype(np.int64)
        return out

    def health(self, state: State) -> str | None:
        """None, or what went wrong (non-finite numbers, a particle jumping too far per step);
        for an ensemble, the first replica with a problem is named."""
        if state.replicas is not None:
            for r in range(state.replicas):
                problem = self.health(_replica_numpy(state, r))
                if problem:
                    return f"replica {r}: {problem}"
            return None
        if int(state.status) & NONFINITE or not (np.all(np.isfinite(np.asarray(state.position)))
                                                 and np.all(np.isfinite(np.asarray(state.velocity)))):
            return ("non-finite positions or velocities (the time step is probably too large for this "
                    "potential and temperature; reduce time.step)")
        A = self.system.A_np
        t = float(state.time)
        x = np.asarray(state.position)
        w = flows.peculiar_velocity(x, np.asarray(state.velocity), A, t)
        jump = float(np.sqrt(np.max(np.sum(w * w, axis=1)))) * self.system.dt
        if jump > 0.5 * self.system.cutoff:
            return (f"blow-up: a particle moves {jump:.3g} per step, more than half the cut-off "
                    f"({self.system.cutoff:.3g}); reduce time.step")
        return None


@cache
def _observe_compiled(system: System, ensemble: bool):
    """The jitted observables of a system (vmapped for an ensemble), compiled once per system."""
    fn = partial(_observe, system)
    return jax.jit(jax.vmap(fn) if ensemble else fn)


def _replica_numpy(states: State, r: int) -> State:
    """Replica r of an ensemble with NumPy leaves (indexing JAX arrays one leaf at a time would
    compile a small program per leaf shape)."""
    return jax.tree_util.tree_map(lambda a: np.asarray(a)[r], states)


def _first(a, ndim: int) -> np.ndarray:
    """A leaf the replicas of an ensemble share (basis, grid, capacity, time, step): replica 0's
    copy when ``a`` has a replica axis (rank above the single-system rank ``ndim``)."""
    a = np.asarray(a)
    return a[0] if a.ndim > ndim else a


def _status(state: State) -> int:
    """The status bits OR-ed over the replicas."""
    return int(np.bitwise_or.reduce(np.atleast_1d(np.asarray(state.status))))


__all__ = ["ALL_PAIRS_BELOW", "Simulation", "default_method"]
