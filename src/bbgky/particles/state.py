r"""The state of an objective-MD run and the static description of the system it belongs to.

This module is the contract between the particle level's host logic (:mod:`.level`), its JAX
integrator (:mod:`.integrator`) and any other backend (``numba_backend.advance(state, n, system)
-> state``). A backend must reproduce the step below *step for step* (equal up to round-off).

Frames and variables
--------------------
Everything is stored in the **lab frame**: ``position`` $x_i$ and ``velocity`` $v_i$ (m = 1).
The periodic lattice at time $t$ has the columns of

$$ H(t) = F(t)\,H_0\,U, \qquad F(t) = I + tA, $$

with $H_0$ the reference cell at $t = 0$ (``system.H0``, $\ell I$ for the usual cubic box),
$A$ the velocity gradient (``system.A``) and $U$ an integer unimodular matrix (``state.basis``)
chosen by the host between chunks (lattice reduction, :mod:`.lattice`); $U$ changes the *shape of
the cell* but not the lattice $\{H(t)n : n \in \mathbb Z^d\}$. The images of particle $i$ sit at
$x_i + H(t)n$ and move with velocity $v_i + A H_0 U n$ (James–Qi–Wang eq. 10), so the peculiar
velocity $w = v - L(t)x$, $L(t) = A F(t)^{-1}$, is the same for all images (eq. 11).

The step (kick–drift–kick, ``system.dt`` = $h$), from $(x, v, f)$ at $t_n = n h$:

1. $v \leftarrow v + \tfrac h2 f$                                  (f = forces at $x$, $t_n$)
2. $x \leftarrow x + h v$; $t_{n+1} = (n+1) h$ (computed, never accumulated)
3. neighbour list: if the rebuild criterion below fires (or the list is marked invalid),
   **wrap**: $s = H(t_{n+1})^{-1} x$, $k = \lfloor s \rfloor$, $x \leftarrow x - H(t_{n+1}) k$,
   $v \leftarrow v - A H_0 U k$ (the image velocity; $w$ unchanged), then rebuild the list.
   Wrapping happens **only** here; between rebuilds positions may leave the cell.
4. $f \leftarrow f(x, t_{n+1})$: pair forces with minimum image in the lattice $H(t_{n+1})$
5. $v \leftarrow v + \tfrac h2 f$

This is the Störmer–Verlet splitting of the time-dependent Hamiltonian
$\sum_i |v_i|^2/2 + \sum_{i<j} U(|x_i - x_j|_{H(t)})$: symplectic, time-reversible (running
with $-h$ from $t_{n+1}$ retraces the step) and second order. Forces are $-\nabla$ of the total
energy (autodiff of the pair energy, never a hand-typed derivative).

Minimum image: $\Delta s = H^{-1}(x_i - x_j)$, $\Delta s \leftarrow \Delta s -
\operatorname{round}(\Delta s)$, $r_{ij} = H\Delta s$. It is exact whenever $r_c \le w_{\min}/2$,
$w_k = 1/\lVert (H^{-1})_{k,:}\rVert$ the perpendicular widths of the cell (:mod:`.lattice`).

Neighbour (Verlet) list
-----------------------
A full list (each pair twice), ``nbr.idx[i, :]`` = the neighbours of $i$, padded with $N$.
Built at time $t_b$ from the wrapped positions $x^b$ (kept in ``nbr.reference_position``) with
all pairs at minimum-image distance $< r_\ell = r_c + \text{skin}$. At a later time $t$ let
$M = F(t)F(t_b)^{-1} = I + (t - t_b)L(t_b)$ (the affine map of the flow since the build) and
$\delta_i = x_i - M x_i^b$ (the displacement *relative to the affine flow*). Since lattice
vectors also map by $M$, $r_{ij}(t) = M r_{ij}(t_b) + \delta_i - \delta_j$ for every image, so
a pair left out of the list ($|r_{ij}(t_b)| \ge r_\ell$ for all images) stays outside $r_c$ while

$$ \sigma_{\min}(M)\, r_\ell - (\delta_{(1)} + \delta_{(2)}) \ge r_c , $$

with $\delta_{(1)} \ge \delta_{(2)}$ the two largest $|\delta_i|$ and $\sigma_{\min}$ the
smallest singular value. The list is rebuilt (step 3) at the first step where this fails.
Candidates come from a cell list in the fractional coordinates of the (reduced) cell: ``grid[k]``
cells along reduced axis $k$ with $w_k(t)/\text{grid}[k] \ge r_\ell$ over the whole chunk, so
neighbours are in the $3^d$ cells around a particle's own, each visited with its explicit lattice
shift (any ``grid[k] >= 1`` works; see :func:`.neighbours.stencil`); with few cells the candidates
are all particles (minimum image by rounding). Within a row, neighbours are in candidate order.
Capacities are fixed (``capacity = (K, C)``: list width and cell occupancy). When a build needs
more, ``status`` gets an overflow bit and the host grows the capacity and **redoes the chunk**
from its start state; a pair is never dropped silently.

Rotational degrees of freedom (optional)
----------------------------------------
A system with ``system.inertia`` $I > 0$ gives every particle a 2D angle $\theta_i$
(``state.orientation``, radians, counter-clockwise from the first lab axis) and an angular
velocity $\omega_i$ (``state.angular_velocity``), the same moment of inertia $I$ for all. The
torque $\tau_i = -\partial E/\partial\theta_i$ (``state.torque``) joins the same
kick–drift–kick: in steps 1 and 5 $\omega \leftarrow \omega + \tfrac h2 \tau/I$, in step 2
$\theta \leftarrow \theta + h\omega$ (θ is never wrapped: it is an angle on the real line,
only $\cos\theta, \sin\theta$ matter to an interaction), in step 4 the torques at
$(x, \theta, t_{n+1})$. The splitting of $\sum_i (|v_i|^2 + I\omega_i^2)/2 + E(x, \theta, t)$
stays symplectic, reversible and second order; a free rotor ($\tau = 0$) keeps $\omega$
exactly. The energy $E$ is the pair sum plus an optional long-range term
(``system.long_range``); see :mod:`.pairs`. Point particles (``inertia = 0``) carry ``None`` in
the three rotational fields and run the step above unchanged.

Ensembles
---------
An ensemble of R independent systems is one :class:`State` whose every leaf has a leading
replica axis ``[R, ...]`` (``position [R, N, d]``, ``time [R]``, ``nbr.idx [R, N, K]`` …); the
step is ``jax.vmap``-ed over it (:func:`.integrator.advance_ensemble`). All replicas share the
static :class:`System` — hence one list capacity ``(K, C)``, one cell grid and one basis $U$ (a
function of time only) — and the host keeps them equal across replicas. Replica r draws its
random numbers from ``jax.random.fold_in(PRNGKey(seed), r)`` (:func:`replica_key`), so results do
not depend on how replicas are spread over devices.

Units: reduced (m = k_B = σ = ε = 1). Shapes are written ``[N, d]``; in an ensemble every leaf
of :class:`State` gains a leading replica axis ``[R, ...]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ..models import flows
from ..models.external import CosineExternal
from ..models.oriented import OrientedPair
from ..models.potentials import PairPotential

#: ``State.status`` bits (OR-ed, sticky within a chunk).
OVERFLOW_NEIGHBOURS = 1  # a row of the Verlet list needed more than K slots
OVERFLOW_CELLS = 2  # a cell held more than C particles
NONFINITE = 4  # a non-finite position, velocity or force


class Neighbours(NamedTuple):
    """The Verlet-list part of the state (empty arrays, ``K = 0``, in the all-pairs method).

    idx: ``[N, K]`` int32 neighbours of each particle, padded with ``N``.
    reference_position: ``[N, d]`` wrapped positions at the last build.
    reference_time: ``[]`` time $t_b$ of the last build.
    valid: ``[]`` bool; False forces a rebuild at the next step (set by the host after a change
        of basis, and by backends that do not maintain the list).
    max_count: ``[]`` int32, the largest row length found by a build since the chunk began
        (the host sizes K from it after an overflow).
    max_occupancy: ``[]`` int32, the same for the cell occupancy (sizes C).
    capacity: ``[2]`` int32, ``(K, C)``; kept in the state so that a resumed run uses the same
        capacities (bit-identical results).
    rebuilds: ``[]`` int32, builds since t = 0 (diagnostic).
    grid: ``[d]`` int32, the cell grid the host chose for the last chunk (0s: none yet); kept in
        the state for the same reason as ``capacity``.
    """

    idx: jax.Array
    reference_position: jax.Array
    reference_time: jax.Array
    valid: jax.Array
    max_count: jax.Array
    max_occupancy: jax.Array
    capacity: jax.Array
    rebuilds: jax.Array
    grid: jax.Array


class State(NamedTuple):
    """One objective-MD system (or, with a leading axis on every leaf, an ensemble of them).

    time: ``[]`` float, $t = $ ``step`` $\\cdot h$.
    step: ``[]`` int64/int32 step counter.
    position: ``[N, d]`` lab-frame positions $x$ (in the cell right after a rebuild).
    velocity: ``[N, d]`` lab-frame velocities $v$; the peculiar velocity is
        $w = v - L(t)x$ (:func:`peculiar_velocity`).
    force: ``[N, d]`` forces at ``(position, time)`` (needed by the first half-kick).
    basis: ``[d, d]`` int, the unimodular $U$ of the reduced cell $H(t) = F(t)H_0U$.
    nbr: :class:`Neighbours`.
    status: ``[]`` int32, OR of the status bits of this module.
    key: PRNG key (unused by NVE dynamics; for stochastic extensions).
    orientation: ``[N]`` angles θ (radians) when ``system.inertia > 0``, else None.
    angular_velocity: ``[N]`` ω = dθ/dt when ``system.inertia > 0``, else None.
    torque: ``[N]`` τ = −∂E/∂θ at ``(position, orientation, time)`` (first half-kick), else None.
    """

    time: jax.Array
    step: jax.Array
    position: jax.Array
    velocity: jax.Array
    force: jax.Array
    basis: jax.Array
    nbr: Neighbours
    status: jax.Array
    key: jax.Array
    orientation: jax.Array | None = None
    angular_velocity: jax.Array | None = None
    torque: jax.Array | None = None

    @property
    def rotational(self) -> bool:
        return self.orientation is not None

    @property
    def replicas(self) -> int | None:
        """R for an ensemble (leaves with a leading replica axis), None for one system."""
        return int(self.position.shape[0]) if self.position.ndim == 3 else None


def _tuple2(a) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(x) for x in row) for row in np.asarray(a, dtype=float))


@dataclass(frozen=True)
class System:
    """The static description of a run (hashable: it keys the compiled functions).

    potential: the pair interaction: a radial :class:`~bbgky.models.potentials.PairPotential`
        (cut-off, scaling and shift applied) or an orientation-dependent
        :class:`~bbgky.models.oriented.OrientedPair` (needs ``inertia > 0``; JAX backend).
    A: velocity gradient, d rows of d (tuple of tuples).
    H0: reference cell at t = 0, columns = lattice vectors (tuple of tuples).
    dt: time step h.
    skin: Verlet skin; the list radius is ``cutoff + skin`` (the host lowers the skin of a piece
        in a cell too thin for it, never the cut-off).
    method: ``"all_pairs"`` (every pair, minimum image, no list; mean-field scaling and small N)
        or ``"verlet"`` (neighbour list).
    grid: cells per reduced axis for the cell-list candidates of the Verlet list; ``()`` builds
        the list from all pairs (N² work at each build only).
    capacity: ``(K, C)`` list width and cell occupancy (must equal ``state.nbr.capacity``).
    inertia: moment of inertia I of every particle; > 0 gives each particle an orientation and
        an angular velocity (2D), 0 (default) point particles.
    long_range: None, or a total-energy term ``long_range(position [N, d], orientation [N] | None,
        cell [d, d]) -> scalar`` (JAX-traceable; ``cell`` = H(t) with columns the lattice vectors;
        positions are lab-frame and may lie outside the cell, so it must be periodic in them),
        e.g. the reciprocal-space part of an Ewald sum. It is added to the pair energy in every
        force evaluation; its forces and torques come from the same autodiff (JAX backend).
    isokinetic: if > 0, after every step the peculiar velocities are rescaled to this temperature
        (v <- L x + λ w with Σ|λ w|² = d(N-1)θ; ω <- μω with IΣ(μω)² = Nθ); used only to
        equilibrate initial states (JAX backend), never in a production run.
    thermostat: ``()`` (NVE) or ``(θ, γ)``: Langevin dynamics at temperature θ with friction γ on
        the peculiar velocities and the angular velocities, OBABO splitting
        (:func:`.integrator.langevin_half_step` before and after the kick–drift–kick; JAX
        backend; canonical to O(h²)).
    """

    potential: PairPotential | OrientedPair
    A: tuple[tuple[float, ...], ...]
    H0: tuple[tuple[float, ...], ...]
    dt: float
    skin: float = 0.3
    method: str = "verlet"
    grid: tuple[int, ...] = ()
    capacity: tuple[int, int] = (0, 0)
    isokinetic: float = 0.0
    inertia: float = 0.0
    long_range: Callable | None = None
    thermostat: tuple[float, float] = ()
    external: CosineExternal | None = None

    def __post_init__(self) -> None:
        if self.oriented and not self.rotational:
            raise ValueError("an orientation-dependent pair needs rotating particles (inertia > 0)")
        if self.rotational and self.dimension != 2:
            raise ValueError(f"orientations are 2D angles: a rotational system needs dimension 2, "
                             f"not {self.dimension}")

    @staticmethod
    def make(potential: PairPotential, A, H0, dt: float, **kw) -> System:
        return System(potential, _tuple2(A), _tuple2(H0), float(dt), **kw)

    @property
    def dimension(self) -> int:
        return len(self.A)

    @property
    def rotational(self) -> bool:
        """Particles carry an orientation and an angular velocity."""
        return self.inertia > 0

    @property
    def oriented(self) -> bool:
        """The pair energy depends on the orientations (an OrientedPair)."""
        return isinstance(self.potential, OrientedPair)

    @property
    def radial_only(self) -> bool:
        """Point particles, a radial pair potential, no long-range term and no external potential:
        the original fast path."""
        return not (self.rotational or self.oriented or self.long_range is not None
                    or self.external is not None)

    @property
    def numba_ready(self) -> bool:
        """Point particles, a radial pair potential, no long-range term (an external potential
        allowed): what the Numba backend runs."""
        return not (self.rotational or self.oriented or self.long_range is not None)

    @property
    def cutoff(self) -> float:
        return float(self.potential.cutoff)

    @property
    def list_radius(self) -> float:
        return self.cutoff + (self.skin if self.method == "verlet" else 0.0)

    @property
    def A_np(self) -> np.ndarray:
        return np.asarray(self.A, dtype=float)

    @property
    def H0_np(self) -> np.ndarray:
        return np.asarray(self.H0, dtype=float)


def deformation(A: jax.Array, t: jax.Array) -> jax.Array:
    """$F(t) = I + tA$ as a JAX array (:func:`bbgky.models.flows.deformation`)."""
    return flows.deformation(A, t, jnp)


def flow_gradient(A: jax.Array, t: jax.Array) -> jax.Array:
    """$L(t) = A F(t)^{-1}$ as a JAX array (:func:`bbgky.models.flows.flow_gradient`)."""
    return flows.flow_gradient(A, t, jnp)


def peculiar_velocity(state: State, A) -> jax.Array:
    """$w = v - L(t)x$, ``[N, d]`` (``[R, N, d]`` for an ensemble; the same for every periodic
    image of a particle)."""
    A = jnp.asarray(A, dtype=state.velocity.dtype)

    def one(x, v, t):
        return flows.peculiar_velocity(x, v, A, t, jnp)

    if state.position.ndim == 3:  # an ensemble: [R, N, d]
        return jax.vmap(one)(state.position, state.velocity, state.time)
    return one(state.position, state.velocity, state.time)


def replica_key(seed: int, replica: int) -> jax.Array:
    """The key of replica r: ``fold_in(PRNGKey(seed), r)`` (independent of R and of devices)."""
    return jax.random.fold_in(jax.random.PRNGKey(seed), replica)


def empty_neighbours(n: int, d: int, capacity: tuple[int, int] = (0, 0), dtype=None) -> Neighbours:
    """A list marked invalid (the first step builds it)."""
    dtype = dtype or jnp.result_type(float)
    K, C = capacity
    return Neighbours(
        idx=jnp.full((n, K), n, dtype=jnp.int32),
        reference_position=jnp.zeros((n, d), dtype=dtype),
        reference_time=jnp.zeros((), dtype=dtype),
        valid=jnp.zeros((), dtype=bool),
        max_count=jnp.zeros((), dtype=jnp.int32),
        max_occupancy=jnp.zeros((), dtype=jnp.int32),
        capacity=jnp.asarray([K, C], dtype=jnp.int32),
        rebuilds=jnp.zeros((), dtype=jnp.int32),
        grid=jnp.zeros((d,), dtype=jnp.int32),
    )


__all__ = [
    "NONFINITE", "OVERFLOW_CELLS", "OVERFLOW_NEIGHBOURS", "Neighbours", "State", "System",
    "deformation", "empty_neighbours", "flow_gradient", "peculiar_velocity", "replica_key",
]
