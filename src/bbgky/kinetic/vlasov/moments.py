r"""Velocity moments of a phase-space distribution on a :class:`PhaseGrid` (JAX, jit-friendly).

Local fields (arrays over the position block ``[*n_x]``): number density $n = \int f dv$, bulk
velocity $U = \int v f dv / n$, kinetic pressure tensor $P = \int (v-U)\otimes(v-U) f dv$,
temperature $θ = \mathrm{tr}P/(d n)$, heat flux $q = \frac12 \int |v-U|^2 (v-U) f dv$.
"""

from __future__ import annotations

import jax.numpy as jnp

from .grid import PhaseGrid


def _vaxes(grid: PhaseGrid) -> tuple[int, ...]:
    d = grid.dimension
    return tuple(range(d, 2 * d))


def velocities(grid: PhaseGrid):
    """Velocity coordinates as JAX arrays broadcastable to ``[*n_x, *n_v]``."""
    _, vs = grid.phase_mesh()
    return [jnp.asarray(v) for v in vs]


def density(f, grid: PhaseGrid):
    return jnp.sum(f, axis=_vaxes(grid)) * grid.cell_v


def local_moments(f, grid: PhaseGrid) -> dict:
    """n, U (list of d arrays), P (d×d nested lists), θ, q (list) on the position block."""
    d, ax, dv = grid.dimension, _vaxes(grid), grid.cell_v
    vs = velocities(grid)
    n = jnp.sum(f, axis=ax) * dv
    safe = jnp.where(n > 0, n, 1.0)
    U = [jnp.sum(v * f, axis=ax) * dv / safe for v in vs]
    c = [v - jnp.expand_dims(u, ax) for v, u in zip(vs, U, strict=True)]
    P = [[jnp.sum(c[i] * c[j] * f, axis=ax) * dv for j in range(d)] for i in range(d)]
    c2 = sum(ci * ci for ci in c)
    q = [0.5 * jnp.sum(c2 * ci * f, axis=ax) * dv for ci in c]
    theta = sum(P[i][i] for i in range(d)) / (d * safe)
    return {"n": n, "U": U, "P": P, "theta": theta, "q": q}


def maxwellian(n, U, theta, grid: PhaseGrid):
    """The local Maxwellian with density n, velocity U (list) and temperature θ, on the grid."""
    d, ax = grid.dimension, _vaxes(grid)
    vs = velocities(grid)
    th = jnp.expand_dims(jnp.maximum(theta, 1e-300), ax)
    c2 = sum((v - jnp.expand_dims(u, ax)) ** 2 for v, u in zip(vs, U, strict=True))
    return jnp.expand_dims(n, ax) * jnp.exp(-0.5 * c2 / th) / (2.0 * jnp.pi * th) ** (d / 2)
