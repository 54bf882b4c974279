r"""One- and two-particle marginals projected on a profile axis, and the pair velocity covariance.

Tutorial ("Marginals", "Direct Hydrodynamics from One-Marginal System", after Diaw & Murillo, PRE 92
013107 (2015)). With $f_{N,1}$, $f_{N,2}$ the marginals of the N-particle law and
$h_2 = f_{N,2} - f_{N,1}^{\otimes 2}$ the correlation residual, projected on the coordinate x along
the first lattice vector (``axis``; positions as fractional coordinates s ∈ [0, 1) times the length
$\ell$ of that vector):

* density profile $n(x) = N\!\int f_{N,1}\,dv\,dy_\perp = \mathbb E\sum_i \delta(x - x_i)$
  (particles per unit length, :func:`density_profile`);
* two-particle density residual
  $\rho_2(x_1, x_2) = N(N-1)\!\int h_2 = n^{(2)}(x_1, x_2) - \frac{N-1}{N}\,n(x_1)\,n(x_2)$,
  $n^{(2)} = \mathbb E\sum_{i\ne j}\delta(x_1 - x_i)\delta(x_2 - x_j)$ (:func:`pair_density_residual`).
  The factor (N−1)/N is the tutorial's BBGKY factor: it makes $\rho_2 = 0$ **exactly** for product
  data $f_0^{\otimes N}$, whereas $n^{(2)} - n\otimes n = -n\otimes n/N$ there.
* velocity marginals $\int f_{N,1}\,dx\,dw_{\ne i}$ of each component of w (:func:`velocity_marginals`,
  probability densities);
* flow profiles along the axis (:func:`flow_profiles`): momentum per unit length
  $j(x) = \mathbb E\sum_i w_i\,\delta(x - x_i)$ (the tutorial's $\rho U$), the bulk velocity
  $U = j/n$ and the kinetic pressure $P_{\rm kin} = \Pi - j\otimes j/n$,
  $\Pi(x) = \mathbb E\sum_i w_i\otimes w_i\,\delta(x - x_i)$ (tutorial, "Hydrodynamic Limits":
  $P = \int f\,(v - U)\otimes(v - U)\,dv$), per unit length like n;
* velocity covariance of pairs binned by separation,
  $K(r) = \mathbb E\sum_{i\ne j}(w_i - \bar u)\otimes(w_j - \bar u)\,\mathbb 1_{|r_{ij}|\in k} \big/
  \mathbb E\,n_k$ (:func:`velocity_covariance`), $\bar u$ the ensemble mean of w; zero for
  product data, non-zero once collisions correlate pairs.

Bins are averages over the bin (histograms divided by the bin width). Standard errors: linear
estimates over replicas, and the delete-one jackknife for ρ₂ and K (ratios and products of means).
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .ensemble import jackknife, mean_stderr
from .pair import _as_ensemble, _weighted_pair_histogram, check_range


def profile_coordinate(positions, cell, axis: int = 0) -> tuple[np.ndarray, float]:
    """``(x [R, N], ℓ)``: the coordinate along lattice vector ``axis``, $x = \\ell\\,(s \\bmod 1)$."""
    cell = np.asarray(cell, dtype=float)
    s = np.asarray(positions, dtype=float) @ np.linalg.inv(cell).T
    length = float(np.linalg.norm(cell[:, axis]))
    return length * np.mod(s[..., axis], 1.0), length


def _histograms(positions, cell, bins: int, axis: int):
    x, length = profile_coordinate(_as_ensemble(positions), cell, axis)
    h = length / bins
    k = np.minimum((x / h).astype(int), bins - 1)
    counts = np.zeros((x.shape[0], bins))
    np.add.at(counts, (np.arange(x.shape[0])[:, None], k), 1.0)
    return counts, h, (np.arange(bins) + 0.5) * h


def deposit(coord, length: float, bins: int, values=None, kernel: str = "bin") -> np.ndarray:
    r"""``[R, bins, ...]``: $\sum_i a_i K(x_k - x_i)$ per replica, at the bin centres
    $x_k = (k + \tfrac12)h$, $h = \ell/\text{bins}$, for particles at ``coord [R, N]`` (in [0, ℓ))
    carrying ``values [R, N, ...]`` (1 when None). ``kernel``: ``"bin"`` — $K = \mathbb 1_{\rm bin}/h$,
    the bin average (a histogram per unit length); ``"hat"`` — $K(z) = (1 - |z|/h)_+/h$, periodic
    (cloud-in-cell: a particle between two centres is shared linearly between them). Both integrate
    to 1, so $\sum_k(\cdot)h = \sum_i a_i$."""
    x = np.asarray(coord, dtype=float)
    R, n = x.shape
    a = np.ones((R, n)) if values is None else np.asarray(values, dtype=float)
    h = length / bins
    out = np.zeros((R, bins, *a.shape[2:]))
    rows = np.arange(R)[:, None]
    if kernel == "bin":
        np.add.at(out, (rows, np.minimum((x / h).astype(int), bins - 1)), a)
    elif kernel == "hat":
        u = x / h - 0.5
        left = np.floor(u)
        s = (u - left).reshape((R, n) + (1,) * (a.ndim - 2))
        k = left.astype(int) % bins
        np.add.at(out, (rows, k), (1 - s) * a)
        np.add.at(out, (rows, (k + 1) % bins), s * a)
    else:
        raise ValueError(f"kernel must be 'bin' or 'hat', got {kernel!r}")
    return out / h


def velocity_marginals(w, bins: int, v_max: float) -> tuple[np.ndarray, np.ndarray]:
    """``(v, f [R, d, bins])``: the probability density of each component $w_i$ of the one-particle
    marginal, per replica (histogram on [−v_max, v_max] over the N particles, divided by N·Δv;
    mass beyond ±v_max is not counted)."""
    w = np.asarray(w, dtype=float)
    R, n, d = w.shape
    edges = np.linspace(-v_max, v_max, bins + 1)
    dv = edges[1] - edges[0]
    k = np.floor((w + v_max) / dv).astype(int)
    inside = (k >= 0) & (k < bins)
    f = np.zeros((R, d, bins))
    r_idx, _, c_idx = np.nonzero(inside)
    np.add.at(f, (r_idx, c_idx, k[inside]), 1.0)
    return 0.5 * (edges[1:] + edges[:-1]), f / (n * dv)


def flow_profiles(positions, w, cell, bins: int, axis: int = 0):
    """``{"momentum", "bulk_velocity", "kinetic_pressure"}`` along the profile axis (module docstring):
    bin averages ``[bins, d]``, ``[bins, d]``, ``[bins, d, d]``, each ``(mean, s.e.)`` — the linear
    momentum over replicas, the ratios U = j/n and P = Π − j⊗j/n by the jackknife."""
    x = _as_ensemble(positions)
    w = np.asarray(w, dtype=float).reshape(x.shape)
    coord, length = profile_coordinate(x, cell, axis)
    n = deposit(coord, length, bins)
    j = deposit(coord, length, bins, w)
    pi = deposit(coord, length, bins, w[..., :, None] * w[..., None, :])

    def velocity(n, j):
        return j / np.maximum(n, 1e-300)[:, None]

    def pressure(n, j, pi):
        return pi - j[:, :, None] * j[:, None, :] / np.maximum(n, 1e-300)[:, None, None]

    return {"momentum": mean_stderr(j), "bulk_velocity": jackknife(velocity, n, j),
            "kinetic_pressure": jackknife(pressure, n, j, pi)}


def density_profile(positions, cell, bins: int, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(x, n [R, bins])``: particles per unit length along the profile axis, per replica."""
    counts, h, centres = _histograms(positions, cell, bins, axis)
    return centres, counts / h


def pair_density_residual(positions, cell, bins: int, axis: int = 0):
    """``(x, ρ₂ [bins, bins], s.e. [bins, bins])``: $n^{(2)} - \\frac{N-1}{N} n\\otimes n$ (module
    docstring), bin averages, with jackknife standard errors over replicas."""
    counts, h, centres = _histograms(positions, cell, bins, axis)
    n = _as_ensemble(positions).shape[1]
    pairs = counts[:, :, None] * counts[:, None, :] - np.einsum("ri,ij->rij", counts, np.eye(bins))
    factor = (n - 1) / n

    def residual(c, p):
        return (p - factor * np.outer(c, c)) / h**2

    value, se = jackknife(residual, counts, pairs)
    return centres, value, se


def _velocity_weights(dr, r, i, j, w):
    d = w.shape[1]
    return jnp.concatenate([jnp.ones((r.shape[0], 1), dr.dtype),
                            (w[i][:, :, None] * w[j][:, None, :]).reshape(-1, d * d)], axis=1)


def velocity_covariance(positions, peculiar_velocity, cell, bins: int, r_max: float, mean_velocity=None):
    """``(r, K [bins, d, d], s.e. [bins, d, d])``: the pair velocity covariance by separation
    (module docstring; symmetrised over the pair order). ``mean_velocity``: $\\bar u$ (default: the
    ensemble mean of w over all replicas and particles)."""
    x = _as_ensemble(positions)
    w = np.asarray(peculiar_velocity, dtype=float).reshape(x.shape)
    R, _, d = x.shape
    check_range(cell, r_max)
    u = w.reshape(-1, d).mean(axis=0) if mean_velocity is None else np.asarray(mean_velocity, float)
    hist = np.asarray(_weighted_pair_histogram(x, jnp.asarray(cell, x.dtype), jnp.asarray(w - u),
                                               bins=int(bins), r_max=float(r_max), weights=_velocity_weights))
    counts, sums = hist[..., 0], hist[..., 1:].reshape(R, bins, d, d)
    sums = 0.5 * (sums + np.swapaxes(sums, -1, -2))  # both orders of each unordered pair

    def ratio(c, s):
        return s / np.maximum(c, 1e-300)[:, None, None]

    value, se = jackknife(ratio, counts, sums)
    edges = np.linspace(0.0, float(r_max), int(bins) + 1)
    return 0.5 * (edges[1:] + edges[:-1]), value, se


__all__ = ["density_profile", "deposit", "flow_profiles", "pair_density_residual", "profile_coordinate",
           "velocity_covariance", "velocity_marginals"]
