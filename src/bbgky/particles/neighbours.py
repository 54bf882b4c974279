r"""Verlet (neighbour) lists in a deforming periodic cell, built inside the jitted scan.

See :mod:`.state` for the list format, the rebuild criterion and its proof, and :mod:`.lattice`
for the geometry. Summary of a build at time $t$ (all inside JAX, static shapes):

1. wrap the particles into the (reduced) cell $H(t)$, shifting velocities by the image velocity;
2. cell list in fractional coordinates: cell index $c_k = \min(\lfloor s_k g_k \rfloor, g_k - 1)$
   along each reduced axis (``system.grid``), a table ``[n_cells, C]`` of members (padded with N);
3. candidates of particle $i$: the members of the cells at offsets $\{-1, 0, 1\}^d$ around its
   own (``{0, 1}`` along an axis with 2 cells, ``{0}`` with 1, so no cell is visited twice), or
   all particles when ``system.grid == ()``;
4. keep the candidates $j \ne i$ with minimum-image distance $< r_\ell$, in candidate order, in
   the first K slots of row $i$; the true row length and the largest cell occupancy are recorded
   so that the host can grow K and C after an overflow (status bits) and redo the chunk.

Rows are processed in blocks (``lax.map``) so that memory stays O(block × candidates).
"""

from __future__ import annotations

import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np

from ..models import flows
from . import lattice
from .state import OVERFLOW_CELLS, OVERFLOW_NEIGHBOURS, Neighbours, System

#: (row, candidate) entries per block of a blocked row loop: small blocks stay in cache.
BUILD_BUDGET = 1 << 16
PAIR_BUDGET = 1 << 15


def block_size(n_rows: int, width: int, budget: int) -> int:
    """Rows per block so that a block holds at most ~budget (row, candidate) entries."""
    return min(n_rows, max(8, budget // max(width, 1)))


def blocked_rows(fn, n_rows: int, width: int, budget: int = PAIR_BUDGET, order=None):
    """``fn(rows)`` over blocks of rows; ``rows`` is int32 ``[B]``, padded with ``n_rows``.

    With ``order`` (a permutation) rows are visited in that order (e.g. sorted by cell, for
    locality) and the results are returned in natural row order. Results (a pytree of arrays
    with leading axis B) are concatenated and cut to ``n_rows``.
    """
    B = block_size(n_rows, width, budget)
    nb = -(-n_rows // B)
    r = jnp.arange(nb * B, dtype=jnp.int32)
    if order is None:
        rows = jnp.where(r < n_rows, r, n_rows)
    else:
        rows = jnp.where(r < n_rows, jnp.take(order, r, mode="clip"), n_rows)
    if nb == 1:
        out = fn(rows)
    else:
        out = jax.lax.map(fn, rows.reshape(nb, B))
        out = jax.tree_util.tree_map(lambda a: a.reshape((nb * B, *a.shape[2:])), out)
    out = jax.tree_util.tree_map(lambda a: a[:n_rows], out)
    if order is not None:
        inverse = jnp.zeros(n_rows, jnp.int32).at[order].set(jnp.arange(n_rows, dtype=jnp.int32))
        out = jax.tree_util.tree_map(lambda a: jnp.take(a, inverse, axis=0), out)
    return out


def soa_minimum_image(dx: list, H, Hinv) -> list:
    """:func:`lattice.minimum_image` on a list of d component arrays (structure of arrays)."""
    d = len(dx)
    ds = [sum(Hinv[k, a] * dx[a] for a in range(d)) for k in range(d)]
    ds = [c - jnp.round(c) for c in ds]
    return [sum(H[a, k] * ds[k] for k in range(d)) for a in range(d)]


def compact(keep, cand, K: int, fill: int):
    """The first K candidates of each row where ``keep`` holds, in candidate order, padded with
    ``fill``; and the number of kept candidates per row. ``keep``, ``cand``: ``[B, S, C]``
    (S chunks of C candidates, e.g. stencil cells × cell slots) or ``[B, W]``.

    Stream compaction without a per-candidate scatter (slow on CPUs): each chunk's mask is
    packed into 32-bit words; a word's population count gives, by a prefix sum, the first output
    slot it fills; a scatter of one entry per *word* and a running maximum give each slot its
    word; the rank within the word selects the bit by a 5-step binary search on population counts.
    """
    if keep.ndim == 2:
        keep, cand = keep[:, None, :], cand[:, None, :]
    B, S, C = keep.shape
    per = -(-C // 32)  # words per chunk
    shifts = jnp.arange(32, dtype=jnp.uint32)
    words = []
    for j in range(per):
        part = keep[:, :, 32 * j: 32 * j + 32].astype(jnp.uint32)
        words.append(jnp.sum(part << shifts[: part.shape[-1]], axis=-1, dtype=jnp.uint32))
    word = jnp.stack(words, axis=-1).reshape(B, S * per)  # word w = (chunk w // per, part w % per)
    nw = S * per
    pc = jax.lax.population_count(word).astype(jnp.int32)
    incl = jnp.cumsum(pc, axis=1, dtype=jnp.int32)
    excl = incl - pc
    total = incl[:, -1]
    target = jnp.where((pc > 0) & (excl < K), excl, K)
    rows = jnp.arange(B)[:, None]
    ids = jnp.broadcast_to(jnp.arange(nw, dtype=jnp.int32), (B, nw))
    mark = jnp.full((B, K + 1), -1, jnp.int32).at[rows, target].max(ids, mode="drop")[:, :K]
    wk = jnp.maximum(jax.lax.cummax(mark, axis=1), 0)  # the word holding each slot
    rank = jnp.arange(K, dtype=jnp.int32)[None, :] - jnp.take_along_axis(excl, wk, axis=1)
    wv = jnp.take_along_axis(word, wk, axis=1)
    lo = jnp.zeros_like(rank)  # the rank-th set bit: largest lo with popcount(bits below lo) <= rank
    for step in (16, 8, 4, 2, 1):
        mid = lo + step  # <= 31
        below = (jnp.uint32(1) << mid.astype(jnp.uint32)) - jnp.uint32(1)
        cnt = jax.lax.population_count(wv & below).astype(jnp.int32)
        lo = jnp.where(cnt <= rank, mid, lo)
    flat = (wk // per) * C + (wk % per) * 32 + lo
    out = jnp.take_along_axis(cand.reshape(B, S * C), jnp.minimum(flat, S * C - 1), axis=1)
    return jnp.where(jnp.arange(K)[None, :] < total[:, None], out, fill), total


def stencil(cells, grid: tuple[int, ...]):
    r"""Cells around the given cells and the lattice shift of each: ``cells`` ``[..., d]`` integer
    cell coordinates → ``([..., 3^d] ids, [..., 3^d, d] integer shifts)`` (JAX, computed where
    used: a table over all cells would be an O(N) constant of the compiled program, copied
    several times by XLA's compiler — gigabytes at 10⁵ particles).

    Offsets are $\{-1, 0, 1\}^d$; the neighbour cell of $c$ at offset $o$ is $(c + o) \bmod g$
    and its particles, seen from cell $c$, are the images $x_j + Hm$ with
    $m = \lfloor (c + o)/g \rfloor$. With explicit shifts no rounding is needed, and the stencil
    is valid for any grid with $g_k \ge 1$: when $g_k \le 2$ the same cell is visited with
    different shifts, but two images of a particle are at least $w_{\min} \ge 2r_\ell$ apart, so
    at most one of them is within $r_\ell$.
    """
    g = np.array(grid)
    d = len(grid)
    off = np.array(list(itertools.product((-1, 0, 1), repeat=d)), dtype=np.int32)
    raw = cells[..., None, :] + jnp.asarray(off)
    shift = jnp.floor_divide(raw, jnp.asarray(g, jnp.int32))
    strides = np.array([int(np.prod(g[k + 1:])) for k in range(d)], dtype=np.int32)
    ids = (raw - shift * jnp.asarray(g, jnp.int32)) @ jnp.asarray(strides)
    return ids, shift


def initial_capacity(n: int, d: int, volume: float, radius: float, grid: tuple[int, ...]) -> tuple[int, int]:
    """First guess of ``(K, C)`` (C = 0 without a grid); overflows are grown by the host, so this
    only saves redos."""
    rho = n / volume
    ball = math.pi ** (d / 2) / math.gamma(d / 2 + 1) * radius**d
    K = min(n - 1, int(1.2 * rho * ball) + 8)
    if grid:
        lam = n / float(np.prod(grid))
        C = min(n, int(lam + 2.5 * math.sqrt(lam) + 4))
    else:
        C = 0
    return max(K, 1), C


def cell_geometry(system: System, t, basis):
    """``(H, H^{-1}, A H0 U)`` at time t for the basis U (JAX), in the precision of t (that of
    the state: a float32 state stays float32)."""
    t = jnp.asarray(t)
    A = jnp.asarray(system.A, t.dtype)
    H0 = jnp.asarray(system.H0, t.dtype)
    U = basis.astype(A.dtype)
    H = flows.deformation(A, t, jnp) @ H0 @ U
    return H, jnp.linalg.inv(H), A @ H0 @ U


def needs_rebuild(system: System, x, t, nbr: Neighbours):
    r"""True when the list may miss a pair within the cut-off (criterion of :mod:`.state`)."""
    M = flows.relative_deformation(jnp.asarray(system.A, x.dtype), t, nbr.reference_time, jnp)
    delta = jnp.sqrt(jnp.sum((x - nbr.reference_position @ M.T) ** 2, axis=-1))
    if delta.shape[0] >= 2:
        top = jax.lax.top_k(delta, 2)[0]
        moved = top[0] + top[1]
    else:
        moved = 2 * delta[0]
    smin = jnp.linalg.svd(M, compute_uv=False)[-1]
    return (~nbr.valid) | (smin * system.list_radius - moved < system.cutoff)


#: cell-list candidates from this many particles on (below, all N particles are candidates of
#: a build: O(N²) at each build, but no grid-dependent compilation).
CELLS_FROM = 1024


def use_cells(grid: tuple[int, ...], n: int) -> bool:
    """Cell candidates pay off for many particles and clearly more cells than the 3^d stencil."""
    return bool(grid) and n >= CELLS_FROM and int(np.prod(grid)) > 2 * 3 ** len(grid)


def build(system: System, x, v, t, basis, nbr: Neighbours):
    """Wrap into the cell and rebuild the list at time t. Returns ``(x, v, nbr, status_bits)``.

    Candidates from the cell grid ``system.grid`` (the host sets it only when
    :func:`use_cells`), else from all particles.
    """
    n, d = x.shape
    K, C = system.capacity
    H, Hinv, image_velocity = cell_geometry(system, t, basis)
    x, v, s = lattice.wrap(x, v, H, Hinv, image_velocity)
    r2max = system.list_radius**2
    bits = jnp.zeros((), jnp.int32)
    xs = [x[:, a] for a in range(d)]

    if system.grid:
        g = np.array(system.grid)
        strides = np.array([int(np.prod(g[k + 1:])) for k in range(d)])
        ck = jnp.clip(jnp.floor(s * g).astype(jnp.int32), 0, jnp.asarray(g - 1, jnp.int32))
        cell = ck @ jnp.asarray(strides, jnp.int32)
        ncell = int(np.prod(g))
        counts = jnp.zeros(ncell, jnp.int32).at[cell].add(1)
        order = jnp.argsort(cell, stable=True).astype(jnp.int32)
        start = jnp.cumsum(counts) - counts
        sorted_cell = cell[order]
        slot = jnp.arange(n, dtype=jnp.int32) - start[sorted_cell]
        table = jnp.full((ncell, C), n, jnp.int32).at[sorted_cell, slot].set(order, mode="drop")
        occupancy = jnp.max(counts)
        bits = bits | jnp.where(occupancy > C, OVERFLOW_CELLS, 0)
        S = 3**d
        cpos = [jnp.take(xs[a], table, mode="clip") for a in range(d)]  # [ncell, C] each

        def rows_fn(rows):
            ri = jnp.minimum(rows, n - 1)
            nb, shifts = stencil(ck[ri], system.grid)  # [B, S], [B, S, d]
            sh = shifts.astype(x.dtype)
            cand = table[nb]  # [B, S, C]
            r2 = 0.0
            for a in range(d):
                hshift = sum(H[a, b] * sh[..., b] for b in range(d))  # [B, S]
                dra = xs[a][ri][:, None, None] - (cpos[a][nb] + hshift[:, :, None])
                r2 = r2 + dra * dra
            keep = (cand < n) & (cand != rows[:, None, None]) & (r2 < r2max) & (rows < n)[:, None, None]
            return compact(keep, cand, K, n)

        idx, count = blocked_rows(rows_fn, n, S * C, BUILD_BUDGET, order=order)
    else:
        occupancy = jnp.zeros((), jnp.int32)

        def rows_fn(rows):
            ri = jnp.minimum(rows, n - 1)
            dr = soa_minimum_image([xs[a][ri][:, None] - xs[a][None, :] for a in range(d)], H, Hinv)
            r2 = sum(c * c for c in dr)
            cand = jnp.broadcast_to(jnp.arange(n, dtype=jnp.int32), r2.shape)
            keep = (cand != rows[:, None]) & (r2 < r2max) & (rows < n)[:, None]
            return compact(keep, cand, K, n)

        idx, count = blocked_rows(rows_fn, n, n, BUILD_BUDGET)

    max_count = jnp.max(count)
    bits = bits | jnp.where(max_count > K, OVERFLOW_NEIGHBOURS, 0)
    nbr = Neighbours(
        idx=idx,
        reference_position=x,
        reference_time=jnp.asarray(t, x.dtype),
        valid=jnp.ones((), bool),
        max_count=jnp.maximum(nbr.max_count, max_count),
        max_occupancy=jnp.maximum(nbr.max_occupancy, occupancy),
        capacity=nbr.capacity,
        rebuilds=nbr.rebuilds + 1,
        grid=nbr.grid,
    )
    return x, v, nbr, bits


__all__ = ["block_size", "blocked_rows", "build", "cell_geometry", "compact", "initial_capacity",
           "needs_rebuild", "soa_minimum_image", "stencil", "use_cells"]
