r"""Pair sums: forces, energies, virial and heat flux from a Verlet list or from all pairs.

Forces are $-\nabla$ of the total energy $E = \sum_{i<j} U(|r_{ij}|)$ by autodiff. The hot loop
(:func:`forces`) applies the chain rule through $r = |r_{ij}|$ explicitly, with $U'(r)$ obtained
by forward-mode autodiff (``jax.jvp``) of the potential's own ``energy``:

$$ f_i = -\sum_j U'(|r_{ij}|)\,\frac{r_{ij}}{|r_{ij}|}, \qquad r_{ij} = x_i - x_j
\text{ (minimum image)}, $$

which is $-\partial E/\partial x_i$ exactly, without the scatter-add that reverse-mode autodiff of a
gathered sum produces. :func:`total_energy` / :func:`reference_forces` are the literal
``-jax.grad`` of the all-pairs energy; the tests check that both agree to round-off.

With a *full* list (each pair twice) $f_{ji} = -f_{ij}$ bitwise (the minimum image of $-r$ is
$-r'$ bitwise: rounding is symmetric), so total momentum is conserved to round-off.

Observables (:func:`pair_observables`), per particle $i$ (all sums over the listed $j \ne i$):
potential energy $u_i = \tfrac12\sum_j U(r_{ij})$, virial
$W = \tfrac12\sum_{i,j} r_{ij}\otimes f_{ij}$ and the pair part of the heat flux
$\tfrac12\sum_{i,j} r_{ij}\,(f_{ij}\cdot w_i)$ (Irving–Kirkwood, homogeneous system).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from . import lattice
from .neighbours import blocked_rows, cell_geometry, soa_minimum_image
from .state import Neighbours, System


def _pair_terms(system: System, xs: list, rows, cand, mask, H, Hinv):
    """Structure-of-arrays pair terms for rows ``[B]`` against candidates ``[B, W]``.

    Returns ``(dr, u, f_over_r)``: ``dr`` a list of d arrays ``[B, W]`` ($r_{ij} = x_i - x_j$,
    minimum image), ``u`` $= U(r)$ and ``f_over_r`` $= -U'(r)/r$, both 0 where masked.
    """
    pot = system.potential
    d = len(xs)
    ri = jnp.minimum(rows, xs[0].shape[0] - 1)
    dx = [jnp.take(xs[a], ri)[:, None] - jnp.take(xs[a], cand, mode="clip") for a in range(d)]
    dr = soa_minimum_image(dx, H, Hinv)
    r2 = sum(c * c for c in dr)
    r = jnp.sqrt(jnp.where(mask, r2, (2.0 * pot.cutoff) ** 2))
    u, du = jax.jvp(pot.energy, (r,), (jnp.ones_like(r),))
    return dr, jnp.where(mask, u, 0.0), jnp.where(mask, -du / r, 0.0)


def _candidates(system: System, nbr: Neighbours, n: int):
    """``(fn(rows) -> (cand [B, W], mask [B, W]), W)`` for the system's method."""
    if system.method == "verlet":
        K = nbr.idx.shape[1]

        def fn(rows):
            cand = jnp.take(nbr.idx, rows, axis=0, mode="clip")
            return cand, (cand < n) & (rows < n)[:, None]

        return fn, K

    def fn_all(rows):
        cand = jnp.broadcast_to(jnp.arange(n, dtype=jnp.int32), (rows.shape[0], n))
        return cand, (cand != rows[:, None]) & (rows < n)[:, None]

    return fn_all, n


def forces(system: System, x, t, basis, nbr: Neighbours):
    """Forces ``[N, d]`` at positions x and time t (lattice $H(t) = F(t)H_0U$)."""
    n, d = x.shape
    H, Hinv, _ = cell_geometry(system, t, basis)
    xs = [x[:, a] for a in range(d)]
    cand_fn, width = _candidates(system, nbr, n)

    def rows_fn(rows):
        cand, mask = cand_fn(rows)
        dr, _, f_over_r = _pair_terms(system, xs, rows, cand, mask, H, Hinv)
        return jnp.stack([jnp.sum(f_over_r * c, axis=1) for c in dr], axis=1)

    return blocked_rows(rows_fn, n, width)


def pair_observables(system: System, x, w, t, basis, nbr: Neighbours):
    """Pair sums: ``(u [N], virial [d, d], heat_pair [d], force [N, d])``."""
    n, d = x.shape
    H, Hinv, _ = cell_geometry(system, t, basis)
    xs = [x[:, a] for a in range(d)]
    cand_fn, width = _candidates(system, nbr, n)

    def rows_fn(rows):
        cand, mask = cand_fn(rows)
        dr, u, f_over_r = _pair_terms(system, xs, rows, cand, mask, H, Hinv)
        wi = jnp.take(w, jnp.minimum(rows, n - 1), axis=0)
        f = [f_over_r * c for c in dr]  # force on i from j
        ui = 0.5 * jnp.sum(u, axis=1)
        vir = jnp.stack([jnp.stack([0.5 * jnp.sum(dr[a] * f[b], axis=1) for b in range(d)], axis=-1)
                         for a in range(d)], axis=-2)  # [B, d, d]
        fw = sum(f[a] * wi[:, a:a + 1] for a in range(d))
        hp = jnp.stack([0.5 * jnp.sum(dr[a] * fw, axis=1) for a in range(d)], axis=-1)  # [B, d]
        fi = jnp.stack([jnp.sum(c, axis=1) for c in f], axis=1)
        return ui, vir, hp, fi

    u, vir, hp, f = blocked_rows(rows_fn, n, width)
    return u, jnp.sum(vir, axis=0), jnp.sum(hp, axis=0), f


def total_energy(system: System, x, t, basis):
    """$E = \\tfrac12\\sum_{i \\ne j} U(|r_{ij}|)$ over all pairs (minimum image); O(N²) memory."""
    n = x.shape[0]
    H, Hinv, _ = cell_geometry(system, t, basis)
    dr = lattice.minimum_image(x[:, None, :] - x[None, :, :], H, Hinv)
    r2 = jnp.sum(dr * dr, axis=-1)
    mask = ~jnp.eye(n, dtype=bool)
    r = jnp.sqrt(jnp.where(mask, r2, (2.0 * system.potential.cutoff) ** 2))
    return 0.5 * jnp.sum(jnp.where(mask, system.potential.energy(r), 0.0))


def reference_forces(system: System, x, t, basis):
    """``-jax.grad(total_energy)``: the literal autodiff force (tests, small N)."""
    return -jax.grad(total_energy, argnums=1)(system, x, t, basis)


__all__ = ["forces", "pair_observables", "reference_forces", "total_energy"]
