r"""The momentum balance along the profile axis, term by term on the ensemble, and the
quasi-equilibrium closure of the correlation force.

**The balance** (Promislow tutorial, "Direct Hydrodynamics from One-Marginal System", after Diaw &
Murillo, PRE 92 013107 (2015); x the coordinate along the first lattice vector, every field per
unit length of x as in :mod:`.marginals`, w the peculiar velocity, no flow):

$$ \partial_t(\rho U) + \partial_x(\rho U U + P_{\rm kin}) - \rho F_{\rm ext}
   - \rho\,(F * \rho) - C - F_{\rm bath} = 0 , $$

the x-component of the first moment of the BBGKY equation for $f_{N,1}$. It is exact in
expectation: for any $\phi(x)$, $\frac{d}{dt}\sum_i w_{i,x}\phi(x_i) = \sum_i w_{i,x}^2\phi'(x_i) +
\sum_i F_{i,x}\phi(x_i)$ along the N-particle flow, with $F_i$ the total force on particle i. Each
term is estimated **smoothed by the hat kernel** $K(z) = (1 - |z|/h)_+/h$ centred on the profile
bins (:func:`.marginals.deposit`, ``"hat"``): then $\partial_x(\Pi * K)(x_k) = \sum_i w_{i,x}^2
K'(x_k - x_i)$ is exactly the difference of the bin sums of $w_x^2$ on the two sides of $x_k$
divided by $h^2$, so the smoothed balance holds exactly, with no discretisation error; the only
non-statistical part of the residual is the central time difference of $\partial_t(\rho U)$
(O(Δt²) in the save interval Δt). The terms (:data:`TERMS`):

* ``time_derivative``: $\partial_t\,\mathbb E\sum_i w_{i,x}K(x - x_i)$, central differences over
  the saved times (one-sided at the ends);
* ``flux_divergence``: $\partial_x\,\mathbb E\sum_i w_{i,x}^2K(x - x_i)$ = $\partial_x(\rho U^2 +
  P_{{\rm kin},xx})$;
* ``external``: $\mathbb E\sum_i F_{{\rm ext},x}(x_i)K(x - x_i) = \rho F_{\rm ext}$ (smoothed);
* ``mean_field``: $\frac{N-1}{N}\,\mathbb E\sum_{i,j'}F_x(x_i - x'_{j})K(x - x_i)$ between two
  independent replicas $= \frac{N-1}{N}\rho\,(F*\rho)$ (:mod:`.correlation_force`);
* ``correlation``: C, the interaction force density minus the mean field (:mod:`.correlation_force`);
* ``thermostat``: $-\gamma\,\rho U$, the mean Langevin friction (zero without ``[thermostat]``; the
  noise has zero mean);
* ``residual``: time_derivative + flux_divergence − external − mean_field − correlation − thermostat.

In equilibrium ($\partial_t = 0$, U = 0) this is $\partial_x P_{\rm kin} = \theta\,\partial_x\rho =
\rho F_{\rm ext} + \rho(F*\rho) + C$. Standard errors come from the independent blocks of two
replicas (2m, 2m+1) of :func:`.correlation_force.blocks`, exact for every term and the residual.

**The quasi-equilibrium closure** (:func:`quasi_equilibrium_force`; Diaw & Murillo, as quoted by
the tutorial: the two-particle density residual from the pair correlation of the homogeneous fluid,
$\rho_2(x, x') \approx \rho(x)\rho(x')[g(|x - x'|) - 1]$):

$$ C_{\rm qe}(x) = \int F(x - x')\,\rho(x)\rho(x')\,[g(|x - x'|) - 1]\,dx' . $$
"""

from __future__ import annotations

from functools import cache

import jax
import jax.numpy as jnp
import numpy as np

from .correlation_force import blocks, pair_forces
from .ensemble import mean_stderr
from .marginals import deposit, profile_coordinate

#: the terms of ``momentum_balance(time, term, x)`` (module docstring), in this order.
TERMS = ("time_derivative", "flux_divergence", "external", "mean_field", "correlation", "thermostat",
         "residual")


def balance_blocks(positions, w, cell, bins: int, energy, cutoff: float, external=None,
                   friction: float = 0.0, forces=None) -> np.ndarray:
    """``[R/2, 7, bins]``: per block of two replicas, the smoothed momentum density ρU (slot 0, the
    time derivative is taken later over frames: :func:`with_time_derivative`) and the terms
    flux_divergence, external, mean_field, correlation, thermostat of :data:`TERMS` at the bin
    centres, and in the last slot their part of the residual (all but the time derivative).
    ``external``: a :class:`bbgky.models.external.CosineExternal` or None; ``friction``: γ of the
    Langevin thermostat (0 for NVE); ``forces``: the ``(intra, cross)`` of
    :func:`.correlation_force.pair_forces` when already computed."""
    from ..models.external import forces as external_forces

    x = np.asarray(positions, dtype=float)
    w = np.asarray(w, dtype=float).reshape(x.shape)
    n = x.shape[1]
    cell = np.asarray(cell, dtype=float)
    e = cell[:, 0] / np.linalg.norm(cell[:, 0])
    coord, length = profile_coordinate(x, cell)
    h = length / bins
    wx = w @ e
    momentum = deposit(coord, length, bins, wx, "hat")
    # ∂x of the hat-smoothed Π at centre k: (bin sum of w_x² on [x_k, x_{k+1}) − on [x_{k−1}, x_k)) / h²
    staggered = deposit(np.mod(coord - 0.5 * h, length), length, bins, wx * wx, "bin") * h
    divergence = (staggered - np.roll(staggered, 1, axis=1)) / h**2
    f_ext = np.zeros_like(momentum) if external is None else deposit(
        coord, length, bins, np.asarray(external_forces(external, jnp.asarray(x))) @ e, "hat")
    intra, cross = forces if forces is not None else pair_forces(x, cell, energy, cutoff)
    intra = deposit(coord, length, bins, intra @ e, "hat")
    mean_field = (n - 1) / n * blocks(deposit(coord, length, bins, cross @ e, "hat"))
    friction_force = -friction * momentum
    b = [blocks(a) for a in (momentum, divergence, f_ext, intra, friction_force)]
    momentum, divergence, f_ext, intra, friction_force = b
    residual = divergence - f_ext - intra - friction_force
    return np.stack([momentum, divergence, f_ext, mean_field, intra - mean_field, friction_force,
                     residual], axis=1)


def with_time_derivative(times, per_block) -> np.ndarray:
    """``[T, B, 7, bins]`` from per-frame block records ``[T, B, 7, bins]`` of :func:`balance_blocks`:
    slot 0 becomes ∂t(ρU) (central differences, one-sided at the ends; T ≥ 2) and the residual
    gains it."""
    out = np.array(per_block, dtype=float)
    dt = np.gradient(out[:, :, 0], np.asarray(times, dtype=float), axis=0)
    out[:, :, 0] = dt
    out[:, :, -1] += dt
    return out


def summarise(per_block, times, average_from: float = 0.0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{"momentum_balance": (mean [T, 7, bins], s.e.), "momentum_balance_average": (mean [7, bins],
    s.e.)}`` over the independent blocks; the average is over the saved times ≥ ``average_from``
    (per block first, so its standard error includes the correlation in time)."""
    per_block = np.asarray(per_block)
    late = np.asarray(times, dtype=float) >= average_from - 1e-9
    return {"momentum_balance": mean_stderr(per_block, axis=1),
            "momentum_balance_average": mean_stderr(per_block[late].mean(axis=0), axis=0)}


@cache
def _derivative(energy):
    """U'(r) elementwise on a 1-D array (jitted once per potential)."""
    return jax.jit(jax.vmap(jax.grad(energy)))


def axial_kernel(s, r, g, energy, dimension: int, particles: int, r_cut: float, nodes: int = 400):
    r"""$K(s) = \int d^{d-1}r_\perp\, F_x(s, r_\perp)\,[g(r) - \tfrac{N-1}{N}]$, $r = \sqrt{s^2 + r_\perp^2}$,
    $F_x = -U'(r)\,s/r$: the pair force along the axis weighted by the pair correlation, integrated
    over the directions across the axis (1D: no integral; 2D: a line; 3D: a plane, $2\pi r_\perp
    dr_\perp$). ``g``: the "exact"-normalised g(r) on the centres ``r`` (ideal gas (N−1)/N, so
    $g - \frac{N-1}{N}$ is the residual; linear interpolation, g at the first centre below it and
    g = (N−1)/N beyond the last); ``r_cut``: the range of U. Gauss–Legendre in $r_\perp$."""
    s = np.asarray(s, dtype=float)
    ideal = (particles - 1) / particles
    du = _derivative(energy)

    def weight(rr):
        return np.interp(rr, r, g, left=g[0], right=ideal) - ideal

    def fx(sv, rp):
        rr = np.sqrt(sv * sv + rp * rp)
        safe = np.maximum(rr, 1e-12)
        dudr = np.asarray(du(jnp.asarray(safe.ravel()))).reshape(safe.shape)
        return -dudr * sv / safe * weight(rr) * (rr < r_cut)

    if dimension == 1:
        return fx(s, 0.0)
    t, wq = np.polynomial.legendre.leggauss(nodes)
    span = np.sqrt(np.maximum(r_cut**2 - s**2, 0.0))[:, None]
    rp = 0.5 * (t + 1)[None, :] * span
    jac = 0.5 * span * wq[None, :]
    measure = 2.0 if dimension == 2 else 2 * np.pi * rp
    return np.sum(fx(s[:, None], rp) * measure * jac, axis=1)


def quasi_equilibrium_force(x, n, length: float, area: float, r, g, energy, dimension: int,
                            particles: int, r_cut: float, samples: int = 801) -> np.ndarray:
    r"""$C_{\rm qe}$ at the profile points ``x`` (module docstring), per unit length like ``n``:
    $C_{\rm qe}(x) = n(x)\int K(s)\,n(x - s)\,ds/A$ with ρ = n/A (``area`` A the cross-section of
    the cell, V/ℓ; 1 in 1D), K of :func:`axial_kernel` and n(x − s) linearly interpolated
    (periodic, period ``length``) between the profile points; ``samples`` points in s ∈ [−r_cut,
    r_cut] (trapezoid)."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    s = np.linspace(-r_cut, r_cut, samples)
    kern = axial_kernel(s, np.asarray(r, dtype=float), np.asarray(g, dtype=float), energy,
                        dimension, particles, r_cut)
    ds = s[1] - s[0]
    wts = np.full(samples, ds)
    wts[[0, -1]] *= 0.5
    xp = np.concatenate([x - length, x, x + length])
    shifted = np.interp(np.mod(x[:, None] - s[None, :], length), xp, np.tile(n, 3))
    return n * (shifted @ (kern * wts)) / area


__all__ = ["TERMS", "axial_kernel", "balance_blocks", "quasi_equilibrium_force", "summarise",
           "with_time_derivative"]
