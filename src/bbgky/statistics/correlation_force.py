r"""The correlation force C(x) (Promislow tutorial, "Direct Hydrodynamics from One-Marginal System";
Diaw & Murillo, PRE 92 013107 (2015)).

The interaction force density on the particles at x (projected on the profile axis, per unit
length) splits exactly into the mean field and the correlation force:

$$ \mathbb E\sum_{i\ne j} F(r_{ij})\,\delta(x - x_i) = \frac{N-1}{N}\int F(x - x')\,n(x)\,n(x')\,dx'
+ C(x), \qquad C(x) = \int F(x - x')\,\rho_2(x, x')\,dx' , $$

with $\rho_2 = N(N-1)\int h_2$ (:mod:`.marginals`), so that C = 0 for product data and the
(N−1)/N factor is the tutorial's BBGKY factor. Both terms are estimated **without discretisation**:
the first from the pair forces of each replica; the mean field, which is the same expectation under
the product law, from the forces between particles of two *independent* replicas (its exact
value in expectation: $\mathbb E\sum_{i,j} F(x_i - x'_j)\delta(x - x_i) = \int F\,n\,n$). Replicas
are used in disjoint pairs (2m, 2m+1), so the block estimates are independent and the standard
error is exact. Forces are $F = -U'(r)\hat r$ of the pair potential (minimum image; its cut-off must
not exceed half the smallest cell width), projected on the first lattice direction.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from .ensemble import mean_stderr
from .marginals import deposit, profile_coordinate
from .pair import check_range, minimum_image


@partial(jax.jit, static_argnames=("energy", "exclude_self"))
def _forces(x, y, cell, *, energy, exclude_self: bool):
    """Force on each particle of x from all particles of y, ``[N, d]``."""
    dr = minimum_image(x[:, None, :] - y[None, :, :], cell)
    r2 = jnp.sum(dr * dr, axis=-1)
    n = x.shape[0]
    mask = ~jnp.eye(n, dtype=bool) if exclude_self else jnp.ones((n, y.shape[0]), dtype=bool)
    r = jnp.sqrt(jnp.where(mask & (r2 > 0), r2, 1.0))
    du = jax.vmap(jax.grad(energy))(r.ravel()).reshape(r.shape)
    f = jnp.where(mask & (r2 > 0), -du / r, 0.0)
    return jnp.sum(f[..., None] * dr, axis=1)


def pair_forces(positions, cell, energy, cutoff: float) -> tuple[np.ndarray, np.ndarray]:
    """``(intra, cross)``, each ``[R, N, d]``: the interaction force on every particle from the others
    of its replica, and from all particles of its partner replica r ^ 1 (0↔1, 2↔3, …; module
    docstring). ``energy``: U(r) (JAX, scalar r), ``cutoff``: its range (≤ half the smallest cell
    width). Needs an even number R ≥ 4 of replicas (disjoint pairs); one replica at a time
    (``lax.map``), so the memory is that of one N × N pair array."""
    x = np.asarray(positions, dtype=float)
    R = x.shape[0]
    if R < 4 or R % 2:
        raise ValueError(f"the correlation force needs an even number R ≥ 4 of replicas; got {R}")
    check_range(cell, cutoff, key="interaction.cutoff")
    intra, cross = _all_forces(jnp.asarray(x), jnp.asarray(np.asarray(cell, dtype=float)), energy=energy)
    return np.asarray(intra), np.asarray(cross)


@partial(jax.jit, static_argnames=("energy",))
def _all_forces(xs, cell, *, energy):
    partner = xs[jnp.arange(xs.shape[0]) ^ 1]
    intra = jax.lax.map(lambda a: _forces(a, a, cell, energy=energy, exclude_self=True), xs)
    cross = jax.lax.map(lambda ab: _forces(ab[0], ab[1], cell, energy=energy, exclude_self=False),
                        (xs, partner))
    return intra, cross


def blocks(a):
    """Means over the disjoint replica pairs (2m, 2m+1): independent blocks ``[R/2, ...]``."""
    a = np.asarray(a)
    return 0.5 * (a[0::2] + a[1::2])


def correlation_force(positions, cell, bins: int, energy, cutoff: float, forces=None) -> dict:
    """``{"x", "interaction", "mean_field", "correlation"}`` (each term ``(mean, s.e.)`` per bin,
    force per unit length along the first lattice vector, bin averages); ``energy``: U(r) (JAX,
    scalar r), ``cutoff``: its range. Needs an even number R ≥ 4 of replicas (disjoint pairs).
    ``forces``: the ``(intra, cross)`` of :func:`pair_forces` when already computed."""
    x = np.asarray(positions, dtype=float)
    n = x.shape[1]
    cell = np.asarray(cell, dtype=float)
    intra, cross = forces if forces is not None else pair_forces(x, cell, energy, cutoff)
    axis_dir = cell[:, 0] / np.linalg.norm(cell[:, 0])
    coord, length = profile_coordinate(x, cell)
    intra = blocks(deposit(coord, length, bins, intra @ axis_dir))
    mean_field = (n - 1) / n * blocks(deposit(coord, length, bins, cross @ axis_dir))
    return {
        "x": (np.arange(bins) + 0.5) * length / bins,
        "interaction": mean_stderr(intra),
        "mean_field": mean_stderr(mean_field),
        "correlation": mean_stderr(intra - mean_field),
    }


__all__ = ["blocks", "correlation_force", "pair_forces"]
