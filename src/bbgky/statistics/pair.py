r"""Pair correlation of the N-particle law: g(r), the anisotropic g(r⃗) and its angular harmonics.

**Definition.** For N particles in a periodic cell of volume V (columns of ``cell`` = lattice
vectors, any shape: sheared and reduced cells included), the pair density is the two-particle
marginal summed over ordered pairs (tutorial, "Marginals": $f_{N,2}$),

$$ \rho^2 g(\vec r) = \frac1V\,\mathbb E\Big[\sum_{i \ne j} \delta(\vec r - \vec r_{ij})\Big], \qquad
\rho = N/V, $$

with $\vec r_{ij} = x_i - x_j$ the **minimum image** in the lattice (exact for
$|\vec r| < w_{\min}/2$, $w_{\min}$ the smallest perpendicular width of the cell;
:mod:`bbgky.particles.lattice`). Hence ``r_max`` must not exceed $w_{\min}/2$ (checked).
The isotropic $g(r)$ is its shell average; a histogram with edges $r_k$ gives

$$ g_k = \frac{n_k}{N\,\rho\,\Delta V_k}, \qquad \Delta V_k = S_d\,(r_{k+1}^d - r_k^d)/d, $$

$n_k$ the number of ordered pairs with $r_k \le |\vec r_{ij}| < r_{k+1}$.

**Finite-N normalisation** (freud's two conventions, ``freud.density.RDF``):
``"exact"`` is the formula above; for an ideal gas (i.i.d. uniform positions)
$\mathbb E\,n_k = N(N-1)\Delta V_k/V$, so $g = (N-1)/N$ exactly. ``"finite_size"`` uses the
density of the *other* particles, $(N-1)/V$, instead of ρ, so that $g \to 1$ for an ideal gas.
The virial and the correlation force need ``"exact"`` (it is the pair density itself).

**Anisotropy under flow.** :func:`pair_correlation_plane` histograms $\vec r_{ij}$ on a grid in the
flow plane (x, y) (in 3D within a slab $|z| < $ ``slab``/2). :func:`pair_correlation_harmonics`
projects $g(\vec r)$ on the shell r onto $Y_0 = 1$ and
$Y_l^c + iY_l^s = ((x + iy)/r)^l$ (l ≥ 1; in 3D these are $\sin^l\vartheta\,(\cos l\varphi,
\sin l\varphi)$, real spherical harmonics of degree l for l = 2):

$$ g_l^{p}(r) = \frac{\langle g\,Y_l^p\rangle_{r}}{\langle (Y_l^p)^2\rangle}, \qquad
\langle (Y_2^p)^2\rangle = \tfrac12 \ (d = 2), \ \tfrac4{15} \ (d = 3), $$

computed from pair weights (no angular grid), so that in 2D
$g(r, \varphi) = g_0 + \sum_{l} g_l^c\cos l\varphi + g_l^s \sin l\varphi$.
The l = 2 part carries the shear stress (:func:`virial_from_harmonics`).
"""

from __future__ import annotations

import math
from functools import cache, partial

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import ConfigError
from ..particles.lattice import widths

NORMALIZATIONS = ("exact", "finite_size")
#: ⟨(Y_2^p)²⟩ over the unit sphere (d = 2, 3) for :func:`pair_correlation_harmonics`.
_Y2_NORM = {2: 0.5, 3: 4.0 / 15.0}


def sphere_area(d: int) -> float:
    """$S_d$: 2 (d = 1), 2π (d = 2), 4π (d = 3)."""
    return 2.0 * math.pi ** (d / 2) / math.gamma(d / 2)


def shell_volumes(edges, d: int) -> np.ndarray:
    """$\\Delta V_k = S_d (r_{k+1}^d - r_k^d)/d$."""
    e = np.asarray(edges, dtype=float)
    return sphere_area(d) * (e[1:] ** d - e[:-1] ** d) / d


def check_range(cell, r_max: float, key: str = "pair_range") -> None:
    """Refuse ``r_max`` above half the smallest perpendicular width (the minimum image would miss
    pairs): :class:`~bbgky.errors.ConfigError` naming ``key`` and the allowed range."""
    half = 0.5 * float(widths(np.asarray(cell, dtype=float)).min())
    if not 0 < r_max <= half * (1 + 1e-12):
        raise ConfigError([(key, f"must be in (0, {half:.6g}] (half the smallest width of the cell); "
                                 f"got {r_max:g}")])


def pair_indices(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(i, j)`` of the unordered pairs i < j."""
    return np.triu_indices(n, k=1)


def minimum_image(dr, cell):
    """Minimum-image separations ``[..., d]`` in the lattice with columns ``cell`` (exact below
    $w_{\\min}/2$; the rounding argument of :mod:`bbgky.particles.lattice`)."""
    cell = jnp.asarray(cell, dtype=dr.dtype)
    ds = dr @ jnp.linalg.inv(cell).T
    return (ds - jnp.round(ds)) @ cell.T


def _bin_index(r, r_max: float, bins: int):
    """Uniform bin of r in [0, r_max); ``bins`` (dropped by ``.at[].add(mode='drop')``) outside."""
    k = jnp.floor(r * (bins / r_max)).astype(jnp.int32)
    return jnp.where(r < r_max, jnp.minimum(k, bins - 1), bins)


def _replica_map(fn, *xs, max_elements: int = 4_000_000):
    """``fn`` over the leading (replica) axis of ``xs`` with ``lax.map`` in batches sized so that
    one batch holds about ``max_elements`` pair entries (memory stays bounded for large R·N²)."""
    R, n = xs[0].shape[:2]
    batch = max(1, min(R, max_elements // max(1, n * n)))
    return jax.lax.map(lambda a: fn(*a), xs, batch_size=batch)


@partial(jax.jit, static_argnames=("bins", "r_max", "weights"))
def _weighted_pair_histogram(positions, cell, extra, *, bins: int, r_max: float, weights):
    """``[R, bins, K]`` sums over unordered pairs (i < j) with $|r_{ij}| <$ ``r_max`` of
    ``weights(dr, i, j, extra_r) -> [P, K]``."""
    n = positions.shape[1]
    i, j = (jnp.asarray(a) for a in pair_indices(n))

    def one(x, e):
        dr = minimum_image(x[i] - x[j], cell)
        r = jnp.sqrt(jnp.sum(dr * dr, axis=-1))
        w = weights(dr, r, i, j, e)
        return jnp.zeros((bins, w.shape[1]), w.dtype).at[_bin_index(r, r_max, bins)].add(w, mode="drop")

    return _replica_map(one, positions, extra)


def _count_weight(dr, r, i, j, e):
    return jnp.ones((r.shape[0], 1), dr.dtype)


def _as_ensemble(positions) -> jax.Array:
    x = jnp.asarray(positions)
    return x[None] if x.ndim == 2 else x


def pair_counts(positions, cell, bins: int, r_max: float) -> np.ndarray:
    """``[R, bins]`` numbers of *ordered* pairs per radial bin (positions ``[R, N, d]``)."""
    x = _as_ensemble(positions)
    check_range(cell, r_max)
    h = _weighted_pair_histogram(x, jnp.asarray(cell, x.dtype), jnp.zeros((x.shape[0],), x.dtype),
                                 bins=int(bins), r_max=float(r_max), weights=_count_weight)
    return 2.0 * np.asarray(h[..., 0])


def _normalise(counts, n: int, volume: float, edges, d: int, normalization: str) -> np.ndarray:
    if normalization not in NORMALIZATIONS:
        raise ConfigError([("normalization",
                            f"must be one of {', '.join(NORMALIZATIONS)}; got {normalization!r}")])
    others = n if normalization == "exact" else n - 1
    return counts / (n * (others / volume) * shell_volumes(edges, d))


def pair_correlation_replicas(positions, cell, bins: int, r_max: float, normalization: str = "exact"):
    """``(r, g [R, bins])``: g(r) of each replica (positions ``[R, N, d]``; r = bin centres).
    Mean and standard error over replicas: :func:`bbgky.statistics.ensemble.mean_stderr`."""
    x = _as_ensemble(positions)
    _, n, d = x.shape
    edges = np.linspace(0.0, float(r_max), int(bins) + 1)
    counts = pair_counts(x, cell, bins, r_max)
    volume = abs(float(np.linalg.det(np.asarray(cell, dtype=float))))
    return 0.5 * (edges[1:] + edges[:-1]), _normalise(counts, n, volume, edges, d, normalization)


def pair_correlation(positions, cell, bins: int, r_max: float, normalization: str = "exact"):
    """``(r, g)``: the pair correlation of one frame (positions ``[N, d]``, cell columns = lattice
    vectors), minimum image in the (possibly sheared) cell, bins of width r_max/bins from 0,
    r = bin centres; ``normalization`` = ``"exact"`` | ``"finite_size"`` (module docstring)."""
    x = jnp.asarray(positions)
    if x.ndim != 2:
        raise ValueError(f"positions must be [N, d] (one frame); got shape {x.shape}")
    r, g = pair_correlation_replicas(x[None], cell, bins, r_max, normalization)
    return r, g[0]


# ------------------------------------------------------------------------------ anisotropic g


def pair_correlation_plane(positions, cell, bins: int, r_max: float, slab: float | None = None):
    """``(x, y, g [R, bins, bins])``: $g(\\vec r)$ on a square grid of ``bins``² cells covering
    $[-r_{\\max}, r_{\\max}]^2$ in the flow plane (components 0, 1), "exact" normalisation:
    $g = n_{cell} / (N\\rho\\,\\Delta x\\Delta y\\,[\\text{slab}])$ over ordered pairs with
    $|\\vec r| < r_{\\max}$ (and, in 3D, $|z| < $ slab/2; default slab = r_max/bins).
    Cells whose centre lies beyond r_max are NaN (pairs there are not counted)."""
    x = _as_ensemble(positions)
    _, n, d = x.shape
    if d < 2:
        raise ValueError("the flow-plane pair correlation needs d ≥ 2")
    check_range(cell, r_max)
    h = 2.0 * r_max / bins
    thick = 1.0 if d == 2 else float(slab if slab is not None else h)
    if d == 3 and not 0 < thick <= 2 * r_max:
        raise ConfigError([("slab", f"must be in (0, {2 * r_max:g}]; got {thick:g}")])
    counts = _plane_counts(x, jnp.asarray(cell, x.dtype), bins=int(bins), r_max=float(r_max), slab=thick)
    volume = abs(float(np.linalg.det(np.asarray(cell, dtype=float))))
    g = np.asarray(counts) / (n * (n / volume) * h * h * thick)
    centres = -r_max + h * (np.arange(bins) + 0.5)
    outside = np.hypot(centres[:, None], centres[None, :]) > r_max
    g[:, outside] = np.nan
    return centres, centres.copy(), g


@partial(jax.jit, static_argnames=("bins", "r_max", "slab"))
def _plane_counts(positions, cell, *, bins: int, r_max: float, slab: float):
    n, d = positions.shape[1:]
    i, j = (jnp.asarray(a) for a in pair_indices(n))
    h = 2.0 * r_max / bins

    def one(x):
        dr = minimum_image(x[i] - x[j], cell)
        dr = jnp.concatenate([dr, -dr])  # ordered pairs: r_ij and r_ji = −r_ij
        r = jnp.sqrt(jnp.sum(dr * dr, axis=-1))
        keep = r < r_max
        if d == 3:
            keep &= jnp.abs(dr[:, 2]) < 0.5 * slab
        ix = jnp.clip(jnp.floor((dr[:, 0] + r_max) / h).astype(jnp.int32), 0, bins - 1)
        iy = jnp.clip(jnp.floor((dr[:, 1] + r_max) / h).astype(jnp.int32), 0, bins - 1)
        flat = jnp.where(keep, ix * bins + iy, bins * bins)
        return jnp.zeros(bins * bins, x.dtype).at[flat].add(1.0, mode="drop").reshape(bins, bins)

    return _replica_map(one, positions)


@cache
def _harmonic_weight(orders):
    def weights(dr, r, i, j, e):
        z = (dr[:, 0] + 1j * dr[:, 1]) / jnp.where(r > 0, r, 1.0)
        cols = []
        for lo in orders:
            if lo == 0:
                cols += [jnp.ones_like(r), jnp.zeros_like(r)]
            else:
                zl = z**lo  # even l: r_ji gives the same weight as r_ij
                cols += [zl.real, zl.imag]
        return jnp.stack(cols, axis=1)

    return weights


def pair_correlation_harmonics(positions, cell, bins: int, r_max: float, orders=(0, 2)):
    """``(r, g [R, len(orders), 2, bins])``: the angular harmonics $g_l^{c}$ (part 0) and
    $g_l^{s}$ (part 1) of $g(\\vec r)$ ("exact" normalisation; the sin part of l = 0 is 0).
    Even orders only (pairs are unordered: $Y_l(-\\hat r) = Y_l(\\hat r)$ for even l)."""
    orders = tuple(int(lo) for lo in orders)
    if not set(orders) <= {0, 2}:
        raise ValueError("harmonics l = 0 and 2 are implemented (odd l vanish: g(−r⃗) = g(r⃗))")
    x = _as_ensemble(positions)
    R, n, d = x.shape
    if d < 2 and any(orders):
        raise ValueError("angular harmonics need d ≥ 2")
    check_range(cell, r_max)
    h = _weighted_pair_histogram(x, jnp.asarray(cell, x.dtype), jnp.zeros((R,), x.dtype), bins=int(bins),
                                 r_max=float(r_max), weights=_harmonic_weight(orders))
    h = 2.0 * np.asarray(h).reshape(R, bins, len(orders), 2).transpose(0, 2, 3, 1)  # ordered pairs
    edges = np.linspace(0.0, float(r_max), int(bins) + 1)
    volume = abs(float(np.linalg.det(np.asarray(cell, dtype=float))))
    g = h / (n * (n / volume) * shell_volumes(edges, d))
    norms = np.array([1.0 if lo == 0 else _Y2_NORM[d] for lo in orders])
    return 0.5 * (edges[1:] + edges[:-1]), g / norms[None, :, None, None]


def virial_from_harmonics(r, g_harmonics, density: float, du, d: int, orders=(0, 2)) -> dict:
    r"""The virial (pair) part of the pressure tensor from $g(\vec r)$,

    $$ P^{vir} = -\frac{\rho^2}{2}\int \vec r\otimes\vec r\,\frac{U'(r)}{r}\,g(\vec r)\,d\vec r $$

    (Irving–Kirkwood; with the "exact" g this is $\frac1V\sum_{i<j} r_{ij}\otimes f_{ij}$ in
    expectation), written with the harmonics of :func:`pair_correlation_harmonics`, since
    $\hat r\otimes\hat r$ has trace 1, $(\hat x^2 - \hat y^2) = Y_2^c$ and $\hat x\hat y = Y_2^s/2$:

    $$ \operatorname{tr}P = -\tfrac{\rho^2}{2}\int S_d r^d U'(r) g_0\,dr, \quad
    P_{xx} - P_{yy} = -\tfrac{\rho^2}{2}\int S_d r^d U' \langle Y_2^2\rangle g_2^c\,dr, \quad
    P_{xy} = -\tfrac{\rho^2}{2}\int S_d r^d U' \tfrac12\langle Y_2^2\rangle g_2^s\,dr . $$

    ``r``: bin centres (uniform bins; midpoint rule, error O(Δr²)); ``g_harmonics [..., l, part,
    bins]``; ``du``: $U'(r)$ (callable on arrays). Returns ``{"trace", "xx_minus_yy", "xy"}``
    with the leading (replica) axes of ``g_harmonics``.
    """
    r = np.asarray(r, dtype=float)
    dr = r[1] - r[0]
    orders = tuple(orders)
    kernel = -0.5 * density**2 * sphere_area(d) * r**d * np.asarray(du(r), dtype=float) * dr
    g = np.asarray(g_harmonics)
    l0, l2 = orders.index(0), orders.index(2)
    norm2 = _Y2_NORM[d]
    return {
        "trace": np.sum(kernel * g[..., l0, 0, :], axis=-1),
        "xx_minus_yy": np.sum(kernel * norm2 * g[..., l2, 0, :], axis=-1),
        "xy": np.sum(kernel * 0.5 * norm2 * g[..., l2, 1, :], axis=-1),
    }


__all__ = [
    "NORMALIZATIONS", "check_range", "minimum_image", "pair_correlation", "pair_correlation_harmonics",
    "pair_correlation_plane", "pair_correlation_replicas", "pair_counts", "shell_volumes", "sphere_area",
    "virial_from_harmonics",
]
