"""The Numba kernels that call the pair potential: forces, pair sums and the time loop.

This file is the *template* of a generated module. :func:`bbgky.particles.numba_backend.kernels`
writes it, with the placeholder ``pair`` below replaced by the potential's own kernel
(:func:`bbgky.models.potentials.numba_pair_source`, from the symbolic U(r)) and ``external`` by the
external potential's (:func:`bbgky.models.external.numba_external_source`; none by default), as
``pair_kernels_<hash>.py`` in the user's cache folder (:mod:`bbgky.caches`) and imports that
module. Every kernel here is ``cache=True``: Numba keys its on-disk cache by the generated file,
whose name hashes the pair source, this template and ``numba_backend.py`` (whose helpers are
compiled into these kernels), so a second run with the same potential loads machine code instead of
compiling (~10 s per potential on a 2-core machine) and any change of the code gives a new file.
Imported as is, the module is never used (its ``pair`` raises).

* ``forces(x, S, start, nbr, code, rc2, f)``: f_i = Σ_j (−U'(r)/r)(x_i − x_j) over the half list;
  ``forces_threads`` the same over a list built by threads, each thread its rows into its own
  force array;
* ``pair_sums``: per-particle energy, virial, pair heat flux and forces;
* ``segment`` / ``segment_threads``: the kick–drift–kick loop, rebuilding its list itself;
* ``ensemble`` / ``ensemble_threads``: every replica of an ensemble in one call (replicas over
  threads in the second).
"""

import numpy as np
from numba import njit, prange

from bbgky.particles.numba_backend import (
    _kick_drift_threads,
    _kick_threads,
    _lattice,
    _list_radius,
    _needs_rebuild,
    _needs_rebuild_threads,
    _relist,
    _relist_threads,
    _shifts,
)

# -- pair: begin (replaced in the generated module)


@njit(inline="always")
def pair(r2):
    """(U(r), −U'(r)/r) at r² = r2: the placeholder of the template."""
    raise NotImplementedError("the template's pair placeholder; use numba_backend.kernels(potential)")


# -- pair: end

# -- external: begin (replaced in the generated module)


@njit(inline="always")
def external(x1):
    """(V(x₁), −V'(x₁)) of the external potential (:func:`bbgky.models.external.numba_external_source`):
    the template's placeholder, none."""
    return (0.0, 0.0)


# -- external: end


@njit(cache=True)
def forces_range(x, S, start, nbr, code, rc2, f, lo, hi, end):
    """Add the forces of the pairs listed under i in [lo, hi) to f (row i is
    ``start[i] … start[i+1]``, the last row ends at ``end``). Per i: gather the pairs inside r_c
    into a buffer without branching, evaluate the pair kernel over the buffer (a loop LLVM
    vectorises), then scatter."""
    mx = 0
    for i in range(lo, hi):
        mx = max(mx, (start[i + 1] if i + 1 < hi else end) - start[i])
    bj = np.empty(mx + 1, dtype=np.int64)
    bx = np.empty(mx + 1)
    by = np.empty(mx + 1)
    bz = np.empty(mx + 1)
    br = np.empty(mx + 1)
    bf = np.empty(mx + 1)
    for i in range(lo, hi):
        xi0, xi1, xi2 = x[i, 0], x[i, 1], x[i, 2]
        m = 0
        for p in range(start[i], start[i + 1] if i + 1 < hi else end):
            j = nbr[p]
            c = code[p]
            dx = x[j, 0] - xi0 + S[c, 0]
            dy = x[j, 1] - xi1 + S[c, 1]
            dz = x[j, 2] - xi2 + S[c, 2]
            r2 = dx * dx + dy * dy + dz * dz
            bj[m] = j
            bx[m] = dx
            by[m] = dy
            bz[m] = dz
            br[m] = r2
            m += 1 if r2 < rc2 else 0
        for k in range(m):
            bf[k] = pair(br[k])[1]
        fi0 = 0.0
        fi1 = 0.0
        fi2 = 0.0
        for k in range(m):
            j = bj[k]
            fr = bf[k]
            fx = fr * bx[k]
            fy = fr * by[k]
            fz = fr * bz[k]
            fi0 -= fx
            fi1 -= fy
            fi2 -= fz
            f[j, 0] += fx
            f[j, 1] += fy
            f[j, 2] += fz
        f[i, 0] += fi0 + external(xi0)[1]  # the body force along x₁ (0 without [external])
        f[i, 1] += fi1
        f[i, 2] += fi2

@njit(cache=True)
def forces(x, S, start, nbr, code, rc2, f):
    """The forces of a one-thread list (``numba_backend._relist``) into f."""
    f[:] = 0.0
    forces_range(x, S, start, nbr, code, rc2, f, 0, x.shape[0], start[x.shape[0]])


@njit(cache=True, parallel=True)
def forces_threads(x, S, start, nbr, code, rc2, f, fbuf, pbounds, ends):
    """The forces of a list built by threads (``numba_backend._relist_threads``): thread t adds
    those of its rows into its own array ``fbuf[t]``; the arrays are then summed into f, over the
    threads too."""
    nt = fbuf.shape[0]
    for t in prange(nt):
        fbuf[t, :, :] = 0.0
        forces_range(x, S, start, nbr, code, rc2, fbuf[t], pbounds[t], pbounds[t + 1], ends[t])
    for i in prange(x.shape[0]):
        for a in range(3):
            acc = 0.0
            for t in range(nt):
                acc += fbuf[t, i, a]
            f[i, a] = acc


@njit(cache=True)
def pair_sums(x, w, S, start, nbr, code, rc2):
    """Per-particle energy u_i = ½Σ_j U, virial Σ_{i<j} r_ij ⊗ f_ij, pair heat flux
    ½Σ_{i≠j} r_ij (f_ij · w_i) and forces (r_ij = x_i − x_j, f_ij the force on i from j)."""
    n = x.shape[0]
    u = np.zeros(n)
    W = np.zeros((3, 3))
    q = np.zeros(3)
    f = np.zeros((n, 3))
    d = np.empty(3)
    for i in range(n):
        for p in range(start[i], start[i + 1]):
            j = nbr[p]
            c = code[p]
            for a in range(3):
                d[a] = x[j, a] - x[i, a] + S[c, a]
            r2 = d[0] * d[0] + d[1] * d[1] + d[2] * d[2]
            if r2 < rc2:
                e, fr = pair(r2)
                u[i] += 0.5 * e
                u[j] += 0.5 * e
                # r_ij = −d, f_ij = −fr d: r_ij ⊗ f_ij = fr d ⊗ d; both orders of the pair
                # give ½ fr d (d · (w_i + w_j)) to the heat flux
                dw = 0.0
                for a in range(3):
                    dw += d[a] * (w[i, a] + w[j, a])
                for a in range(3):
                    for b in range(3):
                        W[a, b] += fr * d[a] * d[b]
                    q[a] += 0.5 * fr * d[a] * dw
                    f[i, a] -= fr * d[a]
                    f[j, a] += fr * d[a]
    for i in range(n):  # the body force (its energy is not a pair energy: the host adds it)
        f[i, 0] += external(x[i, 0])[1]
    return u, W, q, f


def _segment(threaded):
    """The time loop, on one thread or over threads (the threaded variant is compiled only when
    asked for: parallel compilation is slow). Numba caches the two closures apart: its cache key
    includes the closure's cell contents (``threaded``)."""

    @njit(cache=True)
    def segment(x, v, f, perm, step0, k0, k1, mid, dt, A, B, Hdot, rc, skin, d, rlist, start, nbr,
                code, xref, Hb_inv, fbuf, pbounds, ends):
        """Run steps k0 … k1−1 (step k goes from t = (step0 + k) dt to (step0 + k + 1) dt). The
        loop rebuilds its list itself (``_relist`` / ``_relist_threads``) whenever the cell is
        wide enough for r_c + skin; it stops after a drift when the host must build (a thinner
        cell: basis reduction or a shorter radius). ``mid``: the host has just built after a
        drift (finish that step first). Returns (steps done, stopped for a build, nbr, code,
        builds done here, list radius)."""
        n = x.shape[0]
        nt = fbuf.shape[0]
        H = np.empty((3, 3))
        S = np.empty((27, 3))
        rc2 = rc * rc
        half = 0.5 * dt
        builds = 0
        k = k0
        while k < k1:
            if not mid:
                if threaded:
                    _kick_drift_threads(x, v, f, half, dt)
                else:
                    for i in range(n):
                        for a in range(3):
                            v[i, a] += half * f[i, a]
                            x[i, a] += dt * v[i, a]
                _lattice((step0 + k + 1) * dt, A, B, H)
                if threaded:
                    stale = _needs_rebuild_threads(x, xref, H, Hb_inv, rc, rlist, nt)
                else:
                    stale = _needs_rebuild(x, xref, H, Hb_inv, rc, rlist)
                if stale:
                    rl = _list_radius(H, rc, skin, d)
                    if rl < 0.0:
                        return k, True, nbr, code, builds, rlist
                    rlist = rl
                    if threaded:
                        nbr, code = _relist_threads(x, v, f, perm, H, Hdot, rlist, d, nbr, code,
                                                    start, ends, pbounds, xref, Hb_inv)
                    else:
                        nbr, code = _relist(x, v, f, perm, H, Hdot, rlist, d, nbr, code, start,
                                            xref, Hb_inv)
                    builds += 1
            else:
                _lattice((step0 + k + 1) * dt, A, B, H)
                mid = False
            _shifts(H, S)
            if threaded:
                forces_threads(x, S, start, nbr, code, rc2, f, fbuf, pbounds, ends)
                _kick_threads(v, f, half)
            else:
                forces(x, S, start, nbr, code, rc2, f)
                for i in range(n):
                    for a in range(3):
                        v[i, a] += half * f[i, a]
            k += 1
        return k, False, nbr, code, builds, rlist

    return segment


segment = _segment(False)
segment_threads = _segment(True)


@njit(cache=True)
def _replica(x, v, f, p, step0, n_steps, dt, A, B, Hdot, rc, skin, d, done, builds, r):
    """One replica of :func:`ensemble` (its return value is the replica's ``state``)."""
    n = x.shape[0]
    for i in range(n):
        p[i] = i
    H = np.empty((3, 3))
    _lattice(step0 * dt, A, B, H)
    rlist = _list_radius(H, rc, skin, d)
    if rlist < 0.0:
        return 1
    start = np.empty(n + 1, dtype=np.int64)
    nbr = np.empty(max(64 * n, 1024), dtype=np.int32)
    code = np.empty(nbr.shape[0], dtype=np.uint8)
    xref = np.empty((n, 3))
    Hb_inv = np.empty((3, 3))
    nbr, code = _relist(x, v, f, p, H, Hdot, rlist, d, nbr, code, start, xref, Hb_inv)
    k, stop, nbr, code, nb, rlist = segment(x, v, f, p, step0, 0, n_steps, False, dt, A, B, Hdot, rc,
                                            skin, d, rlist, start, nbr, code, xref, Hb_inv,
                                            np.zeros((1, 1, 3)), np.zeros(2, dtype=np.int64),
                                            np.zeros(1, dtype=np.int64))
    done[r] = k
    builds[r] = nb + 1
    if stop:
        return 2
    for y in (x, v, f):  # back to the caller's order
        z = y.copy()
        for i in range(n):
            y[p[i]] = z[i]
    return 0


@njit(cache=True)
def ensemble(X, V, F, perm, step0, n_steps, dt, A, B, Hdot, rc, skin, d, done, state, builds):
    """Advance replica r (rows of X, V, F: positions, lab velocities, forces, [R, N, 3]) by n_steps
    from step step0[r], each exactly as :func:`segment` runs it alone (its own list, rebuilds and
    cell-sorted order). Per replica on return: ``state`` 0 — done, arrays back in the caller's
    order; 1 — untouched (the cell is too thin for r_c + skin at the start: the host runs it); 2 —
    stopped after the drift of step ``done`` for a build the host must do (arrays in the bin order
    ``perm``). ``builds``: list builds done."""
    for r in range(X.shape[0]):
        state[r] = _replica(X[r], V[r], F[r], perm[r], step0[r], n_steps, dt, A, B, Hdot, rc, skin,
                            d, done, builds, r)


@njit(cache=True, parallel=True)
def ensemble_threads(X, V, F, perm, step0, n_steps, dt, A, B, Hdot, rc, skin, d, done, state,
                     builds):
    """:func:`ensemble` with the replicas over threads (a separate function, not a closure over a
    flag: Numba's cache would give both the same key)."""
    for r in prange(X.shape[0]):
        state[r] = _replica(X[r], V[r], F[r], perm[r], step0[r], n_steps, dt, A, B, Hdot, rc, skin,
                            d, done, builds, r)
