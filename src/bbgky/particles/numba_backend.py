"""CPU fast path of the particle level: Numba kernels for objective MD with pair potentials.

``advance(state, n, system) -> state`` has the signature of the JAX ``integrator.advance`` and
reproduces the step of :mod:`.state` to round-off (tests compare trajectories over 50 steps to
1e-10); ``observe(system, state)`` gives the observables of :mod:`.observables` (same names and
definitions) and ``pair_sums`` the pair parts they need (per-particle energy, virial, pair heat
flux, forces).

* **Lattice.** The images of the cell sit at ``H(t) m``, ``H(t) = (I + tA) H0 U`` (columns the
  reduced lattice vectors, ``m`` integer). Moving a particle by ``H(t) m`` changes its velocity
  by ``Ḣ m = A H0 U m`` (James–Qi–Wang eqs. 10–11: images share the peculiar velocity w = v − L x).
* **Step** (unit mass, ``t_n = n·dt`` computed from the step counter): ``v += dt/2 f``;
  ``x += dt v``; if the list needs it, wrap into the cell (with the image velocity) and rebuild;
  ``f = F(x, t_{n+1})``; ``v += dt/2 f``. Separations are minimum images (exact while the
  cut-off is at most half the smallest cell width); this backend wraps at *its* rebuilds (and
  at the start of every call), the JAX one at its own, so positions agree modulo the lattice.
  ``state.force`` is used for the first half-kick, as in the JAX step.
* **Neighbour list.** A half Verlet list (``i < j`` in a cell-sorted order, each pair stored once
  with the code of its lattice image, ``m ∈ {−1, 0, 1}³``) of radius ``r_ℓ = r_c + skin``, built
  from a cell list in fractional coordinates (bins at least ``r_ℓ`` thick along every reduced
  axis, half stencil of 13 + 1 bins, or ``r_ℓ/2`` thick with a 5×5×5 stencil in dense systems,
  :data:`FINE_BINS_FROM`; an axis too thin for 3 bins gets one bin and finds images by
  rounding). Particles are re-ordered by bin at every build for memory locality; the state handed
  back keeps the caller's order. The time loop rebuilds the list itself (no return to Python);
  only a cell thinner than ``2 r_ℓ`` hands the build to the host. Arrays grow as needed: no
  pair is ever dropped. When the cell becomes thinner than ``2 r_ℓ`` the basis is re-reduced
  (:func:`.lattice.reduce_basis`; the returned ``state.basis`` says so), the list radius
  shrinks towards ``r_c`` if it must, and a cell thinner than ``2 r_c`` even after reduction
  raises :class:`~bbgky.errors.NumericalFailure`.
* **Rebuild criterion** — that of :mod:`.state`, checked every step: with ``M = H(t) H_b⁻¹``
  the affine map of the flow since the build and ``δ_i = |x_i − M x_i^b|``, every separation
  obeys ``|r_ij(t)| ≥ σ_min(M)|r_ij(t_b)| − δ_i − δ_j``, so the list is rebuilt when
  ``σ_min(M) r_ℓ − (δ₍₁₎ + δ₍₂₎) < r_c``, with ``σ_min(M) ≥ 1 − ‖M − I‖_F`` (for a fixed cell:
  the two largest displacements exceed the skin).
* **Forces** ``f_i = Σ_j (−U'(r)/r)(x_i − x_j)`` from the potential's symbolic pair kernel
  (:func:`bbgky.models.potentials.numba_pair_source`, never typed by hand), plus the body force
  −V'(x_{i,1}) of ``[external]`` (:func:`bbgky.models.external.numba_external_source`), ``fastmath`` off,
  float64. The kernels that call it (:mod:`.pair_kernels`) are generated per potential into the
  user's cache folder and compiled with ``cache=True`` (:func:`kernels`): a second run loads them.
  Per particle the listed pairs inside ``r_c`` are gathered into a buffer without
  branching, the pair kernel runs over the buffer (a loop LLVM vectorises), then forces are
  scattered — about twice as fast as the branchy loop.
* **Threads.** ``threads=2``: the list is built by two ranges of bins (balanced by particle
  count) at once, each thread into its own segment; each thread's force loop runs over its
  segment into its own force array (summed over threads after); kick, drift and the rebuild
  check run over threads too. Results differ from one thread by round-off only. An ensemble
  (:func:`advance_ensemble`) runs all replicas in one compiled call, over threads when there
  are at least as many replicas (the same numbers as one thread).

Systems in d < 3 run in the same 3-D kernels, padded with an empty, wide third (second) axis.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numba
import numpy as np
from numba import njit, prange

from ..models import flows

# --------------------------------------------------------------------------------------------
# Kernels. Positions are (N, 3) float64, C-contiguous; a list is (start[N+1], nbr[P], code[P]).
# An image code c = 9 (m0+1) + 3 (m1+1) + (m2+1) names the lattice vector H m, m in {-1,0,1}^3.
# --------------------------------------------------------------------------------------------

_IMAGES = np.array([[a, b, c] for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1)],
                   dtype=np.float64)


#: list-wide bins (a 3×3×3 stencil) hold this many particles or more: bins r_ℓ/2 wide instead
#: (5×5×5 stencil, 0.54× the candidates for more, shorter runs). Measured on the LJ benchmark
#: (18.5 per list-wide bin): 12 % less time per step; a dilute gas (0.3 per bin) would mostly
#: visit empty bins.
FINE_BINS_FROM = 8.0


@njit(cache=True)
def _half_rows(reach):
    """Bin rows (δ0, δ1) of the half stencil: δ0 > 0, or δ0 = 0 and δ1 > 0, |δ_a| ≤ reach[a].
    Each row spans δ2 ∈ [−reach[2], reach[2]]; the row (0, 0) — own bin (j > i) and δ2 > 0 — is
    handled separately."""
    out = np.empty(((2 * reach[0] + 1) * (2 * reach[1] + 1), 2), dtype=np.int64)
    k = 0
    for a in range(-reach[0], reach[0] + 1):
        for b in range(-reach[1], reach[1] + 1):
            if a > 0 or (a == 0 and b > 0):
                out[k, 0] = a
                out[k, 1] = b
                k += 1
    return out[:k]


@njit(cache=True)
def _det3(H):
    return (H[0, 0] * (H[1, 1] * H[2, 2] - H[1, 2] * H[2, 1])
            - H[0, 1] * (H[1, 0] * H[2, 2] - H[1, 2] * H[2, 0])
            + H[0, 2] * (H[1, 0] * H[2, 1] - H[1, 1] * H[2, 0]))


@njit(cache=True)
def _inv3(H):
    a, b, c = H[0, 0], H[0, 1], H[0, 2]
    d, e, f = H[1, 0], H[1, 1], H[1, 2]
    g, h, k = H[2, 0], H[2, 1], H[2, 2]
    det = _det3(H)
    out = np.empty((3, 3))
    out[0, 0] = (e * k - f * h) / det
    out[0, 1] = (c * h - b * k) / det
    out[0, 2] = (b * f - c * e) / det
    out[1, 0] = (f * g - d * k) / det
    out[1, 1] = (a * k - c * g) / det
    out[1, 2] = (c * d - a * f) / det
    out[2, 0] = (d * h - e * g) / det
    out[2, 1] = (b * g - a * h) / det
    out[2, 2] = (a * e - b * d) / det
    return out


@njit(cache=True)
def _wrap(x, v, H, Hdot):
    """Move every particle into the cell (fractional coordinates in [0, 1)), shifting its velocity
    by the image velocity ``Ḣ m``; returns the fractional coordinates."""
    n = x.shape[0]
    Hi = _inv3(H)
    s = np.empty((n, 3))
    for i in range(n):
        for a in range(3):
            s[i, a] = Hi[a, 0] * x[i, 0] + Hi[a, 1] * x[i, 1] + Hi[a, 2] * x[i, 2]
        m0 = math.floor(s[i, 0])
        m1 = math.floor(s[i, 1])
        m2 = math.floor(s[i, 2])
        if m0 != 0.0 or m1 != 0.0 or m2 != 0.0:
            for a in range(3):
                x[i, a] -= H[a, 0] * m0 + H[a, 1] * m1 + H[a, 2] * m2
                v[i, a] -= Hdot[a, 0] * m0 + Hdot[a, 1] * m1 + Hdot[a, 2] * m2
            s[i, 0] -= m0
            s[i, 1] -= m1
            s[i, 2] -= m2
        for a in range(3):  # round-off can leave s = 1.0 exactly; the cell index clamps it
            if s[i, a] < 0.0:
                s[i, a] = 0.0
    return s


@njit(cache=True)
def _sort_by_cell(x, v, f, s, perm, ncell):
    """Counting sort of the particles (positions, velocities, forces, fractional coordinates and
    the caller's indices) by cell index, in place; returns the cell starts."""
    n = x.shape[0]
    n0, n1, n2 = ncell[0], ncell[1], ncell[2]
    nc = n0 * n1 * n2
    cell = np.empty(n, dtype=np.int64)
    count = np.zeros(nc + 1, dtype=np.int64)
    for i in range(n):
        c0 = min(int(s[i, 0] * n0), n0 - 1)
        c1 = min(int(s[i, 1] * n1), n1 - 1)
        c2 = min(int(s[i, 2] * n2), n2 - 1)
        c = (c0 * n1 + c1) * n2 + c2
        cell[i] = c
        count[c + 1] += 1
    for c in range(nc):
        count[c + 1] += count[c]
    fill = count[:nc].copy()
    order = np.empty(n, dtype=np.int64)
    for i in range(n):
        c = cell[i]
        order[fill[c]] = i
        fill[c] += 1
    # the rows moved by explicit loops: fancy-indexed assignment (x[:] = x[order]) costs
    # seconds of Numba compilation on a first run, and ~10x the run time here
    tmp = np.empty((n, 3))
    for a3 in (x, v, f, s):
        for i in range(n):
            for a in range(3):
                tmp[i, a] = a3[order[i], a]
        for i in range(n):
            for a in range(3):
                a3[i, a] = tmp[i, a]
    old = perm.copy()
    for i in range(n):
        perm[i] = old[order[i]]
    return count


@njit(cache=True)
def _build_cells(x, s, H, cstart, ncell, rows, reach2, rnd_axes, rlist2, c_lo, c_hi, nbr, code,
                 start):
    """The half-list rows of the particles in bins [c_lo, c_hi) (bin-sorted order): row i is
    ``nbr[start[i]:start[i+1]]`` with offsets counted from 0 for this range. Candidates come in
    contiguous runs of bins along axis 2 (the fastest bin index), at most three runs per stencil
    row (no wrap, wrapped below, wrapped above). Axes with one bin find the image by rounding the
    fractional separation. Returns ``(pairs, ok)``; ok is False when ``nbr``/``code`` ran out of
    room (the caller grows them and builds again). The arrays are never re-bound here: Numba
    would then count references to them at every candidate run (measured: 85 % of the time)."""
    n0, n1, n2 = ncell[0], ncell[1], ncell[2]
    rnd = rnd_axes[0] or rnd_axes[1] or rnd_axes[2]
    p = 0
    nr = rows.shape[0]
    base = np.empty(nr, dtype=np.int64)  # first bin of each stencil row (at δ2 = 0, c2 = 0)
    wr = np.empty((nr, 2), dtype=np.int64)
    # runs (jlo, jhi, image) per stencil row for the current bin, plus the centre row
    run_lo = np.empty(3 * nr + 2, dtype=np.int64)
    run_hi = np.empty(3 * nr + 2, dtype=np.int64)
    run_w0 = np.empty(3 * nr + 2, dtype=np.int64)
    run_w1 = np.empty(3 * nr + 2, dtype=np.int64)
    run_w2 = np.empty(3 * nr + 2, dtype=np.int64)
    last_row = -1
    for c in range(c_lo, c_hi):
        if cstart[c] == cstart[c + 1]:
            continue  # empty bin (most of them in a dilute gas): no runs to set up
        c0 = c // (n1 * n2)
        c1 = (c // n2) % n1
        c2 = c % n2
        if c // n2 != last_row:
            last_row = c // n2
            for k in range(nr):
                d0 = c0 + rows[k, 0]
                d1 = c1 + rows[k, 1]
                w0 = 0
                w1 = 0
                if d0 < 0:
                    d0 += n0
                    w0 = -1
                elif d0 >= n0:
                    d0 -= n0
                    w0 = 1
                if d1 < 0:
                    d1 += n1
                    w1 = -1
                elif d1 >= n1:
                    d1 -= n1
                    w1 = 1
                base[k] = (d0 * n1 + d1) * n2
                wr[k, 0] = w0
                wr[k, 1] = w1
        # candidate runs; run 0 is the centre row: the own bin after i and the bins above it
        lo2 = c2 - reach2
        hi2 = c2 + reach2
        bc = c - c2
        run_hi[0] = cstart[bc + min(hi2, n2 - 1) + 1]
        run_w0[0] = 0
        run_w1[0] = 0
        run_w2[0] = 0
        nrun = 1
        if hi2 >= n2:  # the centre row's part above the wrap
            run_lo[nrun] = cstart[bc]
            run_hi[nrun] = cstart[bc + hi2 - n2 + 1]
            run_w0[nrun] = 0
            run_w1[nrun] = 0
            run_w2[nrun] = 1
            nrun += 1
        for k in range(nr):
            b = base[k]
            run_lo[nrun] = cstart[b + max(lo2, 0)]
            run_hi[nrun] = cstart[b + min(hi2, n2 - 1) + 1]
            run_w0[nrun] = wr[k, 0]
            run_w1[nrun] = wr[k, 1]
            run_w2[nrun] = 0
            nrun += 1
            if lo2 < 0:
                run_lo[nrun] = cstart[b + n2 + lo2]
                run_hi[nrun] = cstart[b + n2]
                run_w0[nrun] = wr[k, 0]
                run_w1[nrun] = wr[k, 1]
                run_w2[nrun] = -1
                nrun += 1
            if hi2 >= n2:
                run_lo[nrun] = cstart[b]
                run_hi[nrun] = cstart[b + hi2 - n2 + 1]
                run_w0[nrun] = wr[k, 0]
                run_w1[nrun] = wr[k, 1]
                run_w2[nrun] = 1
                nrun += 1
        # the scan is written out here, not called: an (inlined) helper taking the arrays makes
        # Numba count references to them at every run (measured: 85 % of the build time)
        for i in range(cstart[c], cstart[c + 1]):
            start[i] = p
            run_lo[0] = i + 1
            need = 0
            for r in range(nrun):
                need += run_hi[r] - run_lo[r]
            if p + need > nbr.shape[0]:
                return p, False
            xi0, xi1, xi2 = x[i, 0], x[i, 1], x[i, 2]
            for r in range(nrun):
                w0, w1, w2 = run_w0[r], run_w1[r], run_w2[r]
                if not rnd:
                    y0 = H[0, 0] * w0 + H[0, 1] * w1 + H[0, 2] * w2 - xi0
                    y1 = H[1, 0] * w0 + H[1, 1] * w1 + H[1, 2] * w2 - xi1
                    y2 = H[2, 0] * w0 + H[2, 1] * w1 + H[2, 2] * w2 - xi2
                    cod = 9 * (w0 + 1) + 3 * (w1 + 1) + (w2 + 1)
                    for j in range(run_lo[r], run_hi[r]):  # branchless compaction
                        dx = x[j, 0] + y0
                        dy = x[j, 1] + y1
                        dz = x[j, 2] + y2
                        nbr[p] = j
                        code[p] = cod
                        p += 1 if dx * dx + dy * dy + dz * dz < rlist2 else 0
                    continue
                for j in range(run_lo[r], run_hi[r]):  # images by rounding along rnd_axes
                    m0 = -round(s[j, 0] - s[i, 0]) if rnd_axes[0] else w0
                    m1 = -round(s[j, 1] - s[i, 1]) if rnd_axes[1] else w1
                    m2 = -round(s[j, 2] - s[i, 2]) if rnd_axes[2] else w2
                    dx = x[j, 0] - xi0 + H[0, 0] * m0 + H[0, 1] * m1 + H[0, 2] * m2
                    dy = x[j, 1] - xi1 + H[1, 0] * m0 + H[1, 1] * m1 + H[1, 2] * m2
                    dz = x[j, 2] - xi2 + H[2, 0] * m0 + H[2, 1] * m1 + H[2, 2] * m2
                    if dx * dx + dy * dy + dz * dz < rlist2:
                        nbr[p] = j
                        code[p] = 9 * (m0 + 1) + 3 * (m1 + 1) + (m2 + 1)
                        p += 1
    return p, True


@njit(cache=True)
def _shifts(H, out):
    for c in range(27):
        for a in range(3):
            out[c, a] = H[a, 0] * _IMAGES[c, 0] + H[a, 1] * _IMAGES[c, 1] + H[a, 2] * _IMAGES[c, 2]


@njit(cache=True)
def _lattice(t, A, B, H):
    """H(t) = (I + tA) B into ``H``."""
    for a in range(3):
        for b in range(3):
            acc = B[a, b]
            for k in range(3):
                acc += t * A[a, k] * B[k, b]
            H[a, b] = acc


@njit(cache=True)
def _strain_bound(H, Hb_inv):
    """(M, lower bound of σ_min(M)) for the affine map M = H(t) H_b⁻¹ since the build:
    σ_min(M) ≥ 1 − ‖M − I‖_F."""
    M = H @ Hb_inv
    off = 0.0
    for a in range(3):
        for b in range(3):
            dm = M[a, b] - (1.0 if a == b else 0.0)
            off += dm * dm
    return M, 1.0 - math.sqrt(off)


@njit(cache=True)
def _two_largest(x, xref, M, lo, hi):
    """The two largest squared displacements δ_i² = |x_i − M x_i^b|² over i in [lo, hi)."""
    d1 = 0.0
    d2 = 0.0
    for i in range(lo, hi):
        e0 = x[i, 0] - (M[0, 0] * xref[i, 0] + M[0, 1] * xref[i, 1] + M[0, 2] * xref[i, 2])
        e1 = x[i, 1] - (M[1, 0] * xref[i, 0] + M[1, 1] * xref[i, 1] + M[1, 2] * xref[i, 2])
        e2 = x[i, 2] - (M[2, 0] * xref[i, 0] + M[2, 1] * xref[i, 1] + M[2, 2] * xref[i, 2])
        dd = e0 * e0 + e1 * e1 + e2 * e2
        if dd > d2:
            if dd > d1:
                d2 = d1
                d1 = dd
            else:
                d2 = dd
    return d1, d2


@njit(cache=True)
def _needs_rebuild(x, xref, H, Hb_inv, rc, rlist):
    """The criterion of :mod:`.state`: rebuild unless σ_min(M) r_ℓ − (δ₍₁₎ + δ₍₂₎) ≥ r_c, with
    M = H(t) H_b⁻¹, δ_i = |x_i − M x_i^b|; σ_min(M) is bounded below by 1 − ‖M − I‖_F."""
    M, smin = _strain_bound(H, Hb_inv)
    if smin <= 0.0:
        return True
    d1, d2 = _two_largest(x, xref, M, 0, x.shape[0])
    return smin * rlist - (math.sqrt(d1) + math.sqrt(d2)) < rc


@njit(cache=True, parallel=True)
def _needs_rebuild_threads(x, xref, H, Hb_inv, rc, rlist, nt):
    """:func:`_needs_rebuild` with the displacements over ``nt`` threads (the same answer)."""
    M, smin = _strain_bound(H, Hb_inv)
    if smin <= 0.0:
        return True
    n = x.shape[0]
    top = np.zeros(2 * nt)
    for t in prange(nt):
        d1, d2 = _two_largest(x, xref, M, t * n // nt, (t + 1) * n // nt)
        top[2 * t] = d1
        top[2 * t + 1] = d2
    top.sort()
    return smin * rlist - (math.sqrt(top[-1]) + math.sqrt(top[-2])) < rc


@njit(cache=True, parallel=True)
def _kick_drift_threads(x, v, f, half, dt):
    """v += half f; x += dt v (over threads)."""
    for i in prange(x.shape[0]):
        for a in range(3):
            v[i, a] += half * f[i, a]
            x[i, a] += dt * v[i, a]


@njit(cache=True, parallel=True)
def _kick_threads(v, f, half):
    """v += half f (over threads)."""
    for i in prange(v.shape[0]):
        for a in range(3):
            v[i, a] += half * f[i, a]


@njit(cache=True)
def _cell_grid(H, rlist, nsub):
    """Bins per axis and the stencil reach: bins of width ≥ rlist/nsub (reach nsub) where the axis
    holds at least 2 nsub + 1 of them, else list-wide bins (reach 1, at least 3 of them), else a
    single bin (reach 0: images along that axis found by rounding)."""
    Hi = _inv3(H)
    ncell = np.empty(3, dtype=np.int64)
    reach = np.empty(3, dtype=np.int64)
    for a in range(3):
        w = 1.0 / math.sqrt(Hi[a, 0] ** 2 + Hi[a, 1] ** 2 + Hi[a, 2] ** 2)
        n = math.floor(nsub * w / rlist)
        n1 = math.floor(w / rlist)
        if n >= 2 * nsub + 1:
            ncell[a] = n
            reach[a] = nsub
        elif n1 >= 3:
            ncell[a] = n1
            reach[a] = 1
        else:
            ncell[a] = 1
            reach[a] = 0
    return ncell, reach


@njit(cache=True)
def _list_radius(H, rc, skin, d):
    """``r_c + skin`` when the cell H is at least twice that wide along its d axes; else −1: the
    host decides (basis reduction, a shorter list radius, or failure — :meth:`_Engine.build`)."""
    Hi = _inv3(H)
    rl = rc + skin
    for a in range(d):
        if 1.0 / math.sqrt(Hi[a, 0] ** 2 + Hi[a, 1] ** 2 + Hi[a, 2] ** 2) < 2.0 * rl:
            return -1.0
    return rl


@njit(cache=True)
def _bins(x, v, f, perm, H, Hdot, rlist, d):
    """Wrap into the cell and sort the particles by bin (in place). Returns the fractional
    coordinates, bin starts, bins per axis, half-stencil rows, reach along axis 2 and the axes
    whose images are found by rounding (a single bin; padded axes need none)."""
    s = _wrap(x, v, H, Hdot)
    volume = abs(_det3(H))  # of the d axes: the padded ones are diagonal
    for a in range(d, 3):
        volume /= H[a, a]
    ncell, reach = _cell_grid(H, rlist, 2 if x.shape[0] * rlist**d >= FINE_BINS_FROM * volume else 1)
    rnd = np.zeros(3, dtype=np.bool_)
    for a in range(3):
        if a >= d:
            ncell[a] = 1
            reach[a] = 0
        rnd[a] = a < d and ncell[a] == 1
    cstart = _sort_by_cell(x, v, f, s, perm, ncell)
    return s, cstart, ncell, _half_rows(reach), reach[2], rnd


@njit(cache=True)
def _relist(x, v, f, perm, H, Hdot, rlist, d, nbr, code, start, xref, Hb_inv):
    """The whole (one-thread) build at lattice H: wrap, sort by bin, half list into ``start`` and
    ``nbr``/``code`` (returned, grown if needed); the build positions and H⁻¹ for the rebuild
    criterion into ``xref``, ``Hb_inv``."""
    s, cstart, ncell, rows, reach2, rnd = _bins(x, v, f, perm, H, Hdot, rlist, d)
    nc = ncell[0] * ncell[1] * ncell[2]
    p, ok = _build_cells(x, s, H, cstart, ncell, rows, reach2, rnd, rlist * rlist, 0, nc, nbr, code,
                         start)
    while not ok:  # no pair is ever dropped: twice the room, and again
        nbr = np.empty(2 * nbr.shape[0], dtype=nbr.dtype)
        code = np.empty(nbr.shape[0], dtype=code.dtype)
        p, ok = _build_cells(x, s, H, cstart, ncell, rows, reach2, rnd, rlist * rlist, 0, nc, nbr,
                             code, start)
    start[x.shape[0]] = p
    xref[:] = x
    Hb_inv[:] = _inv3(H)
    return nbr, code


@njit(cache=True, parallel=True)
def _build_segments(x, s, H, cstart, ncell, rows, reach2, rnd, rlist2, cell_bounds, nbr, code,
                    start, ends):
    """The list of cell range t (of ``nt``) built by thread t into segment t of ``nbr``/``code``
    (``nt`` equal segments); ``start`` in global offsets, ``ends[t]`` the end of segment t's
    list. Returns False when a segment ran out of room."""
    nt = ends.shape[0]
    cap = nbr.shape[0] // nt
    ok = np.ones(nt, dtype=np.bool_)
    for t in prange(nt):
        lo, hi = t * cap, (t + 1) * cap
        p, good = _build_cells(x, s, H, cstart, ncell, rows, reach2, rnd, rlist2,
                               cell_bounds[t], cell_bounds[t + 1], nbr[lo:hi], code[lo:hi], start)
        ok[t] = good
        for i in range(cstart[cell_bounds[t]], cstart[cell_bounds[t + 1]]):
            start[i] += lo
        ends[t] = lo + p
    return ok.all()


@njit(cache=True)
def _relist_threads(x, v, f, perm, H, Hdot, rlist, d, nbr, code, start, ends, pbounds, xref,
                    Hb_inv):
    """:func:`_relist` by ``nt = len(ends)`` threads, each listing the particles of a range of bins
    (balanced by particle count) into its own segment of ``nbr``/``code`` (grown, all segments
    alike, until every one fits). Thread t's rows are the particles ``pbounds[t] … pbounds[t+1]``,
    the last ending at ``ends[t]``. Returns ``(nbr, code)``."""
    s, cstart, ncell, rows, reach2, rnd = _bins(x, v, f, perm, H, Hdot, rlist, d)
    n = x.shape[0]
    nt = ends.shape[0]
    nc = ncell[0] * ncell[1] * ncell[2]
    cell_bounds = np.empty(nt + 1, dtype=np.int64)
    cell_bounds[0] = 0
    cell_bounds[nt] = nc
    for t in range(1, nt):
        cell_bounds[t] = max(cell_bounds[t - 1], min(np.searchsorted(cstart, t * n // nt), nc))
    for t in range(nt + 1):
        pbounds[t] = cstart[cell_bounds[t]]
    while not _build_segments(x, s, H, cstart, ncell, rows, reach2, rnd, rlist * rlist, cell_bounds,
                              nbr, code, start, ends):
        nbr = np.empty(2 * nbr.shape[0], dtype=nbr.dtype)
        code = np.empty(nbr.shape[0], dtype=code.dtype)
    xref[:] = x
    Hb_inv[:] = _inv3(H)
    return nbr, code


@dataclass
class Stats:
    """What the fast path did (benchmarks, tests): steps, list builds, listed pairs at the last
    build, wall seconds."""

    steps: int = 0
    builds: int = 0
    pairs: int = 0
    seconds: float = 0.0


class Kernels:
    """The compiled kernels of one pair potential: the module :mod:`.pair_kernels` generated for its
    pair function (``forces``, ``forces_threads``, ``pair_sums``, the time loops, the ensemble)."""

    def __init__(self, module):
        self.forces, self.forces_threads = module.forces, module.forces_threads
        self.pair_sums = module.pair_sums
        self._segments = {False: module.segment, True: module.segment_threads}
        self._ensembles = {False: module.ensemble, True: module.ensemble_threads}

    def segment_for(self, threaded: bool):
        return self._segments[threaded]

    def ensemble_for(self, threaded: bool):
        return self._ensembles[threaded]


_KERNELS: dict[tuple, Kernels] = {}  # (symbolic U(r), external potential or None) -> Kernels


def kernels(potential, external=None) -> Kernels:
    """Numba kernels for a registered potential: the template :mod:`.pair_kernels` with the
    potential's pair function (:func:`bbgky.models.potentials.numba_pair_source`), written once as
    a module in the user's cache folder and imported, so that Numba's ``cache=True`` keeps the
    machine code across runs (kept per pair source within a run)."""
    from ..models.external import numba_external_source
    from ..models.potentials import numba_pair_source

    if potential.numba_pair is None or potential.expression is None:
        raise ValueError(f"potential {potential.name!r} has no Numba pair kernel: user-defined "
                         "potentials run on the JAX backend only")
    # keyed by the expression and the external potential (hashable): the sources (a SymPy
    # simplify, ~0.1 s) are derived once per pair, not once per call
    key = (potential.expression, external)
    if key not in _KERNELS:
        _KERNELS[key] = Kernels(_generated_module(numba_pair_source(potential.expression),
                                                  numba_external_source(external)))
    return _KERNELS[key]


def _generated_module(pair_source: str, external_source: str = ""):
    """Import ``pair_kernels_<hash>.py``: :mod:`.pair_kernels` with its ``pair`` placeholder
    replaced by ``pair_source`` (``@njit(inline="always")``). The hash covers the pair source, the
    template and this file (whose helpers are compiled into the kernels: Numba checks only the
    generated file's time stamp), so a changed bbgky never loads stale machine code. Written
    atomically, and only when absent: rewriting it would invalidate Numba's cache. The folder is
    ``<cache>/kernels`` (:func:`bbgky.caches.cache_dir`), or a temporary one when that is not
    writable or ``BBGKY_NO_CACHE`` is set."""
    import hashlib
    import importlib.util
    import os
    import sys
    import tempfile
    from pathlib import Path

    from .. import caches

    here = Path(__file__).resolve().parent
    template = (here / "pair_kernels.py").read_text()
    begin, end = "# -- pair: begin", "# -- pair: end"
    head, rest = template.split(begin)
    text = (head + "import math\n\n\n@njit(inline=\"always\")\n" + pair_source
            + rest[rest.index(end) + len(end):])
    if external_source:  # the external potential's kernel in place of the template's none
        head, rest = text.split("# -- external: begin")
        tail = rest[rest.index("# -- external: end") + len("# -- external: end"):]
        text = head + "@njit(inline=\"always\")\n" + external_source + tail
    digest = hashlib.sha256((text + (here / "numba_backend.py").read_text()).encode()).hexdigest()[:20]
    name = f"pair_kernels_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    folder = None if os.environ.get("BBGKY_NO_CACHE") else caches.cache_dir() / "kernels"
    path = None
    if folder is not None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{name}.py"
            if not path.is_file():
                tmp = folder / f".{name}.{os.getpid()}.tmp"
                tmp.write_text(text)
                os.replace(tmp, path)
        except OSError:  # no writable cache folder: compile from a temporary copy, uncached
            path = None
    if path is None:
        path = Path(tempfile.mkdtemp(prefix="bbgky-kernels-")) / f"{name}.py"
        path.write_text(text)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _pad3(a) -> np.ndarray:
    """(N, d) -> (N, 3) float64, C-contiguous, zeros in the padded columns."""
    a = np.asarray(a, dtype=np.float64)
    out = np.zeros((a.shape[0], 3))
    out[:, : a.shape[1]] = a
    return out


def _pad_matrix(M, diag: float) -> np.ndarray:
    """d×d -> 3×3 with ``diag`` on the padded diagonal (a cell edge too long to matter, or 0)."""
    M = np.asarray(M, dtype=np.float64)
    d = M.shape[0]
    out = np.zeros((3, 3))
    out[:d, :d] = M
    for a in range(d, 3):
        out[a, a] = diag
    return out


class _Engine:
    """The neighbour list and work arrays of one system (cell-sorted order; ``perm`` maps it to
    the caller's). The time loop rebuilds its list itself; this class builds where that loop
    cannot (the first build, a cell thinner than 2(r_c + skin))."""

    def __init__(self, x, v, f, *, d: int, A, H0, U, potential, dt: float, skin: float,
                 threads: int, stats: Stats, external=None):
        self.n = x.shape[0]
        self.d = d
        self.rc = float(potential.cutoff)
        self.skin = float(skin)
        self.pad = 1.0 + 4.0 * (self.rc + self.skin)
        self.A = np.asarray(A, dtype=np.float64)
        self.H0 = np.asarray(H0, dtype=np.float64)
        self.U = np.asarray(U, dtype=np.int64)
        self.A3 = _pad_matrix(self.A, 0.0)
        self._set_basis(self.U)
        self.dt = float(dt)
        self.ker = kernels(potential, external)
        self.X, self.V, self.F = _pad3(x), _pad3(v), _pad3(f)
        self.perm = np.arange(self.n, dtype=np.int64)
        self.nbr = np.empty(max(64 * self.n, 1024), dtype=np.int32)
        self.code = np.empty(self.nbr.shape[0], dtype=np.uint8)
        self.start = np.zeros(self.n + 1, dtype=np.int64)
        self.xref = np.empty((self.n, 3))
        self.Hb_inv = np.empty((3, 3))
        self.rlist = self.rc + self.skin
        self.threads = max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS))
        self.fbuf = np.zeros((self.threads, self.n, 3)) if self.threads > 1 else np.zeros((1, 1, 3))
        self.pbounds = np.zeros(self.threads + 1, dtype=np.int64)  # threads' rows, and
        self.ends = np.zeros(self.threads, dtype=np.int64)  # where their lists end
        self.stats = stats

    def _set_basis(self, U) -> None:
        self.U = np.asarray(U, dtype=np.int64)
        self.B3 = _pad_matrix(self.H0 @ self.U, self.pad)
        self.Hdot = self.A3 @ self.B3

    def H(self, t: float) -> np.ndarray:
        """H(t) = (I + tA) B, computed as the compiled loops do (the same bits)."""
        H = np.empty((3, 3))
        _lattice(float(t), self.A3, self.B3, H)
        return H

    def build(self, t: float) -> None:
        """Wrap, (if needed) reduce the basis, sort by cell and build the half list at time t."""
        from . import lattice

        d = self.d
        H = self.H(t)
        w = lattice.widths(H[:d, :d]).min()
        if w < 2.0 * (self.rc + self.skin) and d >= 2:
            Ud = self.U @ lattice.reduce_basis(H[:d, :d])
            if lattice.widths(lattice.cell_at(self.H0, self.A, Ud, t)).min() > w:
                self._set_basis(Ud)
                H = self.H(t)
                w = lattice.widths(H[:d, :d]).min()
        lattice.require_width(w, self.rc, t=t, what="cut-off")
        # the list radius: r_c + skin, or what the cell allows (then the list is rebuilt often)
        self.rlist = max(self.rc, min(self.rc + self.skin, 0.5 * w))
        if self.threads > 1:
            numba.set_num_threads(self.threads)
            self.nbr, self.code = _relist_threads(self.X, self.V, self.F, self.perm, H, self.Hdot,
                                                  self.rlist, d, self.nbr, self.code, self.start,
                                                  self.ends, self.pbounds, self.xref, self.Hb_inv)
        else:
            self.nbr, self.code = _relist(self.X, self.V, self.F, self.perm, H, self.Hdot,
                                          self.rlist, d, self.nbr, self.code, self.start,
                                          self.xref, self.Hb_inv)
        self._listed(1)

    def _listed(self, builds: int) -> None:
        """Statistics after ``builds`` builds."""
        self.stats.builds += builds
        if self.threads > 1:
            cap = self.nbr.shape[0] // self.threads
            self.stats.pairs = int(np.sum(self.ends - cap * np.arange(self.threads)))
        else:
            self.stats.pairs = int(self.start[-1])

    def forces(self, t: float) -> np.ndarray:
        """Forces at the current positions and time t into self.F (list must be valid)."""
        S = np.empty((27, 3))
        _shifts(self.H(t), S)
        rc2 = self.rc * self.rc
        if self.threads > 1:
            numba.set_num_threads(self.threads)
            self.ker.forces_threads(self.X, S, self.start, self.nbr, self.code, rc2, self.F,
                                    self.fbuf, self.pbounds, self.ends)
        else:
            self.ker.forces(self.X, S, self.start, self.nbr, self.code, rc2, self.F)
        return self.F

    def run(self, step0: int, n_steps: int, *, every: int | None = None, callback=None,
            k0: int = 0, mid: bool = False) -> None:
        """Steps k0 … n_steps − 1 from step0 (the list must be valid for step0 + k0, or — ``mid``
        — just rebuilt after the drift of step k0)."""
        if self.threads > 1:
            numba.set_num_threads(self.threads)
        segment = self.ker.segment_for(self.threads > 1)
        t_wall = time.perf_counter()
        k = k0
        while k < n_steps or mid:
            k1 = n_steps if every is None else min(n_steps, (k // every + 1) * every)
            k, mid, self.nbr, self.code, builds, self.rlist = segment(
                self.X, self.V, self.F, self.perm, step0, k, k1, mid, self.dt, self.A3, self.B3,
                self.Hdot, self.rc, self.skin, self.d, self.rlist, self.start, self.nbr, self.code,
                self.xref, self.Hb_inv, self.fbuf, self.pbounds, self.ends)
            self._listed(builds)
            if mid:
                self.build((step0 + k + 1) * self.dt)
            elif callback is not None and k < n_steps:
                callback(step0 + k, self)
        self.stats.steps += n_steps - k0
        self.stats.seconds += time.perf_counter() - t_wall

    def arrays(self):
        """(x, v, f) in the caller's particle order, d columns."""
        inv = np.empty(self.n, dtype=np.int64)
        inv[self.perm] = np.arange(self.n)
        d = self.d
        return (np.ascontiguousarray(self.X[inv, :d]), np.ascontiguousarray(self.V[inv, :d]),
                np.ascontiguousarray(self.F[inv, :d]))


def _isokinetic_rescale(eng: _Engine, step: int, theta0: float) -> None:
    """The isokinetic rescaling of the JAX step (:func:`.integrator._rescale`, after the second
    half-kick): peculiar velocities w = v − L(t)x scaled to the temperature θ0, θ = Σw²/(d(N−1))."""
    d, n = eng.d, eng.n
    x, v = eng.X[:, :d], eng.V[:, :d]
    stream = x @ flows.flow_gradient(eng.A, step * eng.dt, np).T
    w = v - stream
    theta = float(np.sum(w * w)) / (d * (n - 1))
    eng.V[:, :d] = stream + w * math.sqrt(theta0 / theta)


def run_arrays(x, v, f, *, step: int, n_steps: int, dt: float, A, H0, U, potential,
               skin: float = 0.3, threads: int = 1, stats: Stats | None = None,
               every: int | None = None, callback=None, external=None, isokinetic: float = 0.0):
    """The fast path on plain arrays: ``n_steps`` kick–drift–kick steps from ``t = step·dt``.

    ``x, v, f``: ``[N, d]`` positions, lab velocities and the forces at ``(x, t)`` (used by the
    first half-kick, as in the JAX step). Returns ``(x, v, f, U)`` after the steps, in the
    caller's particle order; ``U`` changes only if the cell became too thin for the list
    radius (lattice reduction, :mod:`.lattice`). ``callback(step, engine)`` is called every
    ``every`` steps (tests: the list against all pairs). ``isokinetic`` > 0: the peculiar
    velocities are rescaled to that temperature after every step, as in the JAX step (one step
    per kernel call: the initial equilibration, a few hundred steps).
    """
    x = np.asarray(x, dtype=np.float64)
    eng = _Engine(x, v, f, d=x.shape[1], A=A, H0=H0, U=U, potential=potential, dt=dt, skin=skin,
                  threads=threads, stats=stats if stats is not None else Stats(), external=external)
    eng.build(step * dt)
    if isokinetic > 0:
        if callback is not None:
            raise ValueError("run_arrays: a callback and the isokinetic rescaling cannot be combined")
        every = 1
        callback = lambda k, e: _isokinetic_rescale(e, k, isokinetic)  # noqa: E731
    eng.run(step, n_steps, every=every, callback=callback)
    if isokinetic > 0 and n_steps > 0:  # the callback is not called after the last step
        _isokinetic_rescale(eng, step + n_steps, isokinetic)
    xo, vo, fo = eng.arrays()
    return xo, vo, fo, eng.U


def initial_forces(x, *, t: float, A, H0, U, potential, skin: float = 0.3, external=None) -> np.ndarray:
    """Forces ``[N, d]`` at positions x and time t (lattice H(t) = (I + tA) H0 U)."""
    x = np.asarray(x, dtype=np.float64)
    eng = _Engine(x, np.zeros_like(x), np.zeros_like(x), d=x.shape[1], A=A, H0=H0, U=U,
                  potential=potential, dt=1.0, skin=skin, threads=1, stats=Stats(), external=external)
    eng.build(t)
    eng.forces(t)
    return eng.arrays()[2]


# --------------------------------------------------------------------------- the State contract


def _system_arrays(system):
    return (np.asarray(system.A, dtype=np.float64), np.asarray(system.H0, dtype=np.float64))


def prepare(state, system):
    """The state with ``force`` at its positions and time (every replica of an ensemble), status
    0: what ``integrator.prepare`` gives this backend, which keeps its own list (positions are
    wrapped at the next call's build; they agree with the JAX backend's modulo the lattice)."""
    import jax.numpy as jnp

    A, H0 = _system_arrays(system)
    X, basis = np.asarray(state.position, dtype=np.float64), np.asarray(state.basis)
    t = float(np.asarray(state.time).ravel()[0])
    if X.ndim == 2:
        F = initial_forces(X, t=t, A=A, H0=H0, U=basis, potential=system.potential, skin=system.skin,
                           external=system.external)
    else:
        F = np.stack([initial_forces(X[r], t=t, A=A, H0=H0, U=basis[r], potential=system.potential,
                                     skin=system.skin, external=system.external) for r in range(X.shape[0])])
    return state._replace(force=jnp.asarray(F.astype(state.position.dtype)),
                          status=jnp.asarray(np.zeros_like(np.asarray(state.status))))


def advance(state, n_steps: int, system, *, threads: int = 1, stats: Stats | None = None):
    """``n_steps`` steps of the step of :mod:`.state`, on the CPU (same signature as the JAX
    ``integrator.advance``). ``state.force`` must be the forces at the state's time (as after
    ``integrator.prepare``). The returned state has ``nbr.valid = False`` (this backend keeps its
    own half list), its ``rebuilds`` counter advanced, and status 0 or ``NONFINITE``."""
    import jax.numpy as jnp

    from .state import NONFINITE

    A, H0 = _system_arrays(system)
    dtype = state.position.dtype
    step = int(state.step)
    st = stats if stats is not None else Stats()
    builds0 = st.builds
    x, v, f, U = run_arrays(np.asarray(state.position), np.asarray(state.velocity),
                            np.asarray(state.force), step=step, n_steps=int(n_steps), dt=system.dt,
                            A=A, H0=H0, U=np.asarray(state.basis), potential=system.potential,
                            skin=system.skin, threads=threads, stats=st, external=system.external,
                            isokinetic=system.isokinetic)
    finite = bool(np.all(np.isfinite(x)) and np.all(np.isfinite(v)))
    n1 = step + int(n_steps)
    nbr = state.nbr._replace(valid=jnp.zeros((), bool),
                             rebuilds=state.nbr.rebuilds + (st.builds - builds0))
    return state._replace(
        time=jnp.asarray(n1 * system.dt, state.time.dtype),
        step=jnp.asarray(n1, state.step.dtype),
        position=jnp.asarray(x, dtype), velocity=jnp.asarray(v, dtype), force=jnp.asarray(f, dtype),
        basis=jnp.asarray(U, state.basis.dtype), nbr=nbr,
        status=jnp.asarray(0 if finite else NONFINITE, state.status.dtype))


def advance_ensemble(states, n_steps: int, system, *, threads: int = 1, stats: Stats | None = None):
    """:func:`advance` of every replica of an ensemble (leading replica axis on every leaf), each
    with its own list and rebuild criterion: the same numbers as stacking :func:`advance` of each
    replica. All replicas run in one compiled call (``pair_kernels.ensemble``: no per-replica or
    per-rebuild Python, which dominated ensembles of small systems), over ``threads`` threads
    when there are at least as many replicas (else one after another, each with the threaded
    force loop); a replica whose cell is too thin for r_c + skin at a build finishes on the host
    path (:class:`_Engine`: basis reduction, shorter list radius, or failure)."""
    import jax.numpy as jnp

    from .state import NONFINITE

    A, H0 = _system_arrays(system)
    dtype = states.position.dtype
    R, n, d = states.position.shape
    X, V, F = (np.zeros((R, n, 3)) for _ in range(3))
    for out, leaf in ((X, states.position), (V, states.velocity), (F, states.force)):
        out[..., :d] = np.asarray(leaf, dtype=np.float64)
    basis = np.array(states.basis)
    steps = np.asarray(states.step).astype(np.int64)
    st = stats if stats is not None else Stats()
    ker = kernels(system.potential, system.external)
    rc, skin, n_steps = float(system.potential.cutoff), float(system.skin), int(n_steps)
    threads = max(1, min(int(threads), numba.config.NUMBA_NUM_THREADS))
    over_replicas = threads > 1 and R >= threads
    if over_replicas:
        numba.set_num_threads(threads)
    perm = np.empty((R, n), dtype=np.int64)
    done, state, builds = (np.zeros(R, dtype=np.int64) for _ in range(3))
    t_wall = time.perf_counter()
    pad = 1.0 + 4.0 * (rc + skin)  # as _Engine: a padded axis far wider than the list radius
    A3 = _pad_matrix(A, 0.0)
    # each replica on the host path: threaded forces, or the isokinetic equilibration (a host
    # rescaling after every step)
    host_only = (threads > 1 and not over_replicas) or system.isokinetic > 0
    # replicas that share a basis run together (all of them, unless the host reduced some)
    for U in np.unique(basis, axis=0):
        rows = np.flatnonzero(np.all(basis == U, axis=(1, 2)))
        if host_only:
            state[rows] = 1
            continue
        B3 = _pad_matrix(H0 @ U, pad)
        sub = [np.ascontiguousarray(a[rows]) for a in (X, V, F, perm)]
        out = [np.zeros(len(rows), dtype=np.int64) for _ in range(3)]
        ker.ensemble_for(over_replicas)(*sub, steps[rows], n_steps, float(system.dt), A3, B3, A3 @ B3,
                                        rc, skin, d, *out)
        for a, b in zip((X, V, F, perm), sub, strict=True):
            a[rows] = b
        done[rows], state[rows], builds[rows] = out
    for r in np.flatnonzero(state == 1):  # the whole run on the host path
        st_r = Stats()
        X[r, :, :d], V[r, :, :d], F[r, :, :d], basis[r] = run_arrays(
            X[r, :, :d], V[r, :, :d], F[r, :, :d], step=int(steps[r]), n_steps=n_steps, dt=system.dt,
            A=A, H0=H0, U=basis[r], potential=system.potential, skin=skin,
            threads=1 if over_replicas else threads, stats=st_r, external=system.external,
            isokinetic=system.isokinetic)
        builds[r] = st_r.builds
    for r in np.flatnonzero(state == 2):  # the host path from where the compiled loop stopped
        eng = _Engine(X[r, :, :d], V[r, :, :d], F[r, :, :d], d=d, A=A, H0=H0, U=basis[r],
                      potential=system.potential, dt=system.dt, skin=skin,
                      threads=1 if over_replicas else threads, stats=Stats(),
                      external=system.external)
        eng.perm = perm[r].copy()
        eng.build((steps[r] + done[r] + 1) * system.dt)
        eng.run(int(steps[r]), n_steps, k0=int(done[r]), mid=True)
        X[r, :, :d], V[r, :, :d], F[r, :, :d] = eng.arrays()
        basis[r] = eng.U
        builds[r] += eng.stats.builds
    st.builds += int(np.sum(builds))
    st.steps += R * n_steps
    st.seconds += time.perf_counter() - t_wall
    finite = np.all(np.isfinite(X), axis=(1, 2)) & np.all(np.isfinite(V), axis=(1, 2))
    n1 = steps + n_steps
    nbr = states.nbr._replace(valid=jnp.zeros_like(states.nbr.valid),
                              rebuilds=states.nbr.rebuilds + jnp.asarray(builds, states.nbr.rebuilds.dtype))
    return states._replace(
        time=jnp.asarray(n1 * system.dt, states.time.dtype), step=jnp.asarray(n1, states.step.dtype),
        position=jnp.asarray(X[..., :d], dtype), velocity=jnp.asarray(V[..., :d], dtype),
        force=jnp.asarray(F[..., :d], dtype), basis=jnp.asarray(basis, states.basis.dtype), nbr=nbr,
        status=jnp.asarray(np.where(finite, 0, NONFINITE), states.status.dtype))


def pair_sums(system, x, w, t: float, basis):
    """``(u [N], virial [d, d], heat_pair [d], force [N, d])`` — the pair sums of
    ``pairs.pair_observables`` (same definitions), from a fresh half list."""
    A, H0 = _system_arrays(system)
    x = np.asarray(x, dtype=np.float64)
    d = x.shape[1]
    eng = _Engine(x, np.zeros_like(x), np.zeros_like(x), d=d, A=A, H0=H0, U=np.asarray(basis),
                  potential=system.potential, dt=system.dt, skin=system.skin, threads=1,
                  stats=Stats(), external=system.external)
    eng.build(float(t))
    inv = np.empty(eng.n, dtype=np.int64)
    inv[eng.perm] = np.arange(eng.n)
    W3 = _pad3(np.asarray(w, dtype=np.float64))[eng.perm]
    S = np.empty((27, 3))
    _shifts(eng.H(float(t)), S)
    u, W, q, f = eng.ker.pair_sums(eng.X, W3, S, eng.start, eng.nbr, eng.code, eng.rc**2)
    return u[inv], W[:d, :d], q[:d], f[inv, :d]


def observe(system, state) -> dict:
    """The observables of :func:`bbgky.particles.observables.observe` (same names and
    definitions), with the pair sums from the Numba kernels."""
    from . import lattice
    from .observables import from_pair_sums

    A, H0 = _system_arrays(system)
    x = np.asarray(state.position, dtype=np.float64)
    v = np.asarray(state.velocity, dtype=np.float64)
    t = float(state.time)
    L = flows.flow_gradient(A, t, np)
    w = v - x @ L.T
    H = lattice.cell_at(H0, A, np.asarray(state.basis), t)
    V = abs(np.linalg.det(H))
    u, vir, heat_pair, _ = pair_sums(system, x, w, t, state.basis)
    e_ext = 0.0  # the one-body energy Σ V(x_i): potential energy only, as on JAX (no virial)
    if system.external is not None:
        from ..models.external import total_energy

        e_ext = float(total_energy(system.external, x))
    return from_pair_sums(np, w, u, vir, heat_pair, V, L, long_range=e_ext)


__all__ = ["Stats", "advance", "initial_forces", "kernels", "observe", "pair_sums", "prepare", "run_arrays"]
