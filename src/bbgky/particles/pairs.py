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
$\tfrac12\sum_{i,j} r_{ij}\,(f_{ij}\cdot w_i + \tau_{ij}\omega_i)$ (Irving–Kirkwood,
homogeneous system; $\tau_{ij} = -\partial U_{ij}/\partial\theta_i$ is the torque of $j$ on
$i$, zero for radial pairs: $\frac{d}{dt}U_{ij}$ gives each particle half the power
$f_{ij}\cdot v_i + \tau_{ij}\omega_i$ and antisymmetrising over the pair gives the $\tfrac12$).

**Orientation-dependent pairs and the long-range term** (:func:`forces_torques`). With an
:class:`~bbgky.models.oriented.OrientedPair` the energy is
$E = \tfrac12\sum_i\sum_{j \in \text{list}(i)} U(\vec r_{ij}, \theta_i, \theta_j)$ (each
unordered pair twice, halved; the pair energy is exchange-symmetric) plus the optional
``system.long_range(x, θ, H(t))``; forces and torques are
$(f, \tau) = -(\partial E/\partial x, \partial E/\partial\theta)$ by reverse-mode autodiff of
$E$ (one ``jax.grad``). The long-range virial is the strain derivative
$W^{\rm lr} = -(\partial E^{\rm lr}/\partial\varepsilon)^{\mathsf T}$ at $\varepsilon = 0$ of
$E^{\rm lr}((I + \varepsilon)x, \theta, (I + \varepsilon)H)$ (for a pair energy this is
$\sum_{i<j} r_{ij}\otimes f_{ij}$); the long-range term has no pair decomposition, so it adds
to the potential energy and the pressure tensor but not to the heat flux.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from ..models import external
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


def _over_pairs(system: System, x, t, basis, nbr: Neighbours, terms):
    """``terms(rows, dr, u, f_over_r)`` (:func:`_pair_terms`) over every block of rows and its
    candidate pairs, concatenated in row order (:func:`.neighbours.blocked_rows`)."""
    n, d = x.shape
    H, Hinv, _ = cell_geometry(system, t, basis)
    xs = [x[:, a] for a in range(d)]
    cand_fn, width = _candidates(system, nbr, n)

    def rows_fn(rows):
        cand, mask = cand_fn(rows)
        return terms(rows, *_pair_terms(system, xs, rows, cand, mask, H, Hinv))

    return blocked_rows(rows_fn, n, width)


def forces(system: System, x, t, basis, nbr: Neighbours):
    """Forces ``[N, d]`` at positions x and time t (lattice $H(t) = F(t)H_0U$)."""

    def terms(rows, dr, u, f_over_r):
        return jnp.stack([jnp.sum(f_over_r * c, axis=1) for c in dr], axis=1)

    return _over_pairs(system, x, t, basis, nbr, terms)


def pair_observables(system: System, x, w, t, basis, nbr: Neighbours, theta=None, omega=None):
    """Pair sums: ``(u [N], virial [d, d], heat_pair [d], force [N, d])`` (θ, ω: orientations and
    angular velocities ``[N]``, needed by an orientation-dependent pair)."""
    if system.oriented:
        return _oriented_observables(system, x, w, theta, omega, t, basis, nbr)
    n, d = x.shape

    def terms(rows, dr, u, f_over_r):
        wi = jnp.take(w, jnp.minimum(rows, n - 1), axis=0)
        f = [f_over_r * c for c in dr]  # force on i from j
        ui = 0.5 * jnp.sum(u, axis=1)
        vir = jnp.stack([jnp.stack([0.5 * jnp.sum(dr[a] * f[b], axis=1) for b in range(d)], axis=-1)
                         for a in range(d)], axis=-2)  # [B, d, d]
        fw = sum(f[a] * wi[:, a:a + 1] for a in range(d))
        hp = jnp.stack([0.5 * jnp.sum(dr[a] * fw, axis=1) for a in range(d)], axis=-1)  # [B, d]
        fi = jnp.stack([jnp.sum(c, axis=1) for c in f], axis=1)
        return ui, vir, hp, fi

    u, vir, hp, f = _over_pairs(system, x, t, basis, nbr, terms)
    return u, jnp.sum(vir, axis=0), jnp.sum(hp, axis=0), f


def _oriented_pairs(system: System, x, theta, t, basis, nbr: Neighbours, rows, cand, mask):
    n, d = x.shape
    H, Hinv, _ = cell_geometry(system, t, basis)
    rc = system.potential.cutoff
    ri = jnp.minimum(rows, n - 1)
    dx = [jnp.take(x[:, a], ri)[:, None] - jnp.take(x[:, a], cand, mode="clip") for a in range(d)]
    dr = jnp.stack(soa_minimum_image(dx, H, Hinv), axis=-1)
    inside = mask & (jnp.sum(dr * dr, axis=-1) < rc * rc)
    far = jnp.where(jnp.arange(d) == 0, 2.0 * rc, 0.0).astype(x.dtype)
    dr = jnp.where(inside[..., None], dr, far)  # finite energy and gradient on padded slots
    ti = jnp.broadcast_to(jnp.take(theta, ri)[:, None], cand.shape)
    tj = jnp.take(theta, cand, mode="clip")
    return dr, ti, tj, inside


def oriented_energy(system: System, x, theta, t, basis, nbr: Neighbours):
    r"""$E = \tfrac12\sum_i\sum_{j \in \text{list}(i)} U(\vec r_{ij}, \theta_i, \theta_j)$
    for an :class:`~bbgky.models.oriented.OrientedPair` (scalar; differentiable in x and θ)."""
    n = x.shape[0]
    cand_fn, width = _candidates(system, nbr, n)

    def rows_fn(rows):
        cand, mask = cand_fn(rows)
        dr, ti, tj, inside = _oriented_pairs(system, x, theta, t, basis, nbr, rows, cand, mask)
        u = system.potential.energy(dr, ti, tj)
        return jnp.sum(jnp.where(inside, u, 0.0), axis=1)

    return 0.5 * jnp.sum(blocked_rows(rows_fn, n, width))


def forces_torques(system: System, x, theta, t, basis, nbr: Neighbours):
    r"""``(f [N, d], τ [N] or None)`` = $-(\partial E/\partial x, \partial E/\partial\theta)$,
    E the pair energy plus ``system.long_range`` and the external energy $\sum_i V(x_i)$
    (``system.external``, :mod:`bbgky.models.external`) (see the module doc). θ is None for point
    particles. Radial pairs keep the chain-rule fast path of :func:`forces` (no torque)."""
    if system.oriented:
        gx, gth = jax.grad(oriented_energy, argnums=(1, 2))(system, x, theta, t, basis, nbr)
        f, tau = -gx, -gth
    else:
        f = forces(system, x, t, basis, nbr)
        tau = None if theta is None else jnp.zeros_like(theta)
    if system.external is not None:  # a body force: -∇V of the one-body energy (autodiff)
        f = f + external.forces(system.external, x)
    if system.long_range is not None:
        H = cell_geometry(system, t, basis)[0]
        if theta is None:
            f = f - jax.grad(system.long_range)(x, None, H)
        else:
            gx, gth = jax.grad(system.long_range, argnums=(0, 1))(x, theta, H)
            f, tau = f - gx, tau - gth
    return f, tau


def long_range_terms(system: System, x, theta, t, basis):
    """``(E_lr, W_lr [d, d])``: the long-range energy and its virial (strain derivative, module
    doc); ``(0, 0)`` without a long-range term."""
    d = x.shape[1]
    if system.long_range is None:
        return jnp.zeros((), x.dtype), jnp.zeros((d, d), x.dtype)
    H = cell_geometry(system, t, basis)[0]

    def strained(eps):
        M = jnp.eye(d, dtype=x.dtype) + eps
        return system.long_range(x @ M.T, theta, M @ H)

    e, de = jax.value_and_grad(strained)(jnp.zeros((d, d), x.dtype))
    return e, -de.T


def _oriented_observables(system: System, x, w, theta, omega, t, basis, nbr: Neighbours):
    n = x.shape[0]
    cand_fn, width = _candidates(system, nbr, n)

    def rows_fn(rows):
        cand, mask = cand_fn(rows)
        dr, ti, tj, inside = _oriented_pairs(system, x, theta, t, basis, nbr, rows, cand, mask)
        # U is elementwise over [B, W]: a unit cotangent gives the per-pair derivatives
        ue, pullback = jax.vjp(
            lambda a, b: jnp.where(inside, system.potential.energy(a, b, tj), 0.0), dr, ti)
        g_dr, g_ti = pullback(jnp.ones_like(ue))
        f = -g_dr  # force on i from j (U depends on r_ij = x_i - x_j)
        tau = -g_ti  # torque on i from j
        ri = jnp.minimum(rows, n - 1)
        wi = jnp.take(w, ri, axis=0)
        oi = jnp.take(omega, ri)
        ui = 0.5 * jnp.sum(ue, axis=1)
        vir = 0.5 * jnp.einsum("bwa,bwc->bac", dr * inside[..., None], f)
        power = jnp.sum(f * wi[:, None, :], axis=-1) + tau * oi[:, None]
        hp = 0.5 * jnp.sum(dr * (inside * power)[..., None], axis=1)
        return ui, vir, hp, jnp.sum(f, axis=1)

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


__all__ = ["forces", "forces_torques", "long_range_terms", "oriented_energy", "pair_observables",
           "reference_forces", "total_energy"]
