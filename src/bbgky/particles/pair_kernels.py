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
  ``forces_threads`` the same over ranges of the list balanced by pair count, one force array per
  thread;
* ``pair_sums``: per-particle energy, virial, pair heat flux and forces;
* ``segment`` / ``segment_threads``: the kick–drift–kick loop between two list builds.
"""

import numpy as np
from numba import njit, prange

from bbgky.particles.numba_backend import _lattice, _needs_rebuild, _shifts

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
def forces_range(x, S, start, nbr, code, rc2, f, lo, hi):
    """Add the forces of the pairs listed under i in [lo, hi) to f. Per i: gather the pairs
    inside r_c into a buffer without branching, evaluate the pair kernel over the buffer (a
    loop LLVM vectorises), then scatter."""
    mx = 0
    for i in range(lo, hi):
        mx = max(mx, start[i + 1] - start[i])
    bj = np.empty(mx + 1, dtype=np.int64)
    bx = np.empty(mx + 1)
    by = np.empty(mx + 1)
    bz = np.empty(mx + 1)
    br = np.empty(mx + 1)
    bf = np.empty(mx + 1)
    for i in range(lo, hi):
        xi0, xi1, xi2 = x[i, 0], x[i, 1], x[i, 2]
        m = 0
        for p in range(start[i], start[i + 1]):
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
    f[:] = 0.0
    forces_range(x, S, start, nbr, code, rc2, f, 0, x.shape[0])

@njit(cache=True, parallel=True)
def forces_threads(x, S, start, nbr, code, rc2, f, fbuf, bounds):
    nt = fbuf.shape[0]
    for t in prange(nt):
        fbuf[t, :, :] = 0.0
        forces_range(x, S, start, nbr, code, rc2, fbuf[t], bounds[t], bounds[t + 1])
    n = x.shape[0]
    for i in range(n):
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
    """The time loop between two neighbour-list builds, with the threaded force loop or not (the
    threaded variant is compiled only when asked for: parallel compilation is slow). Numba caches
    the two closures apart: its cache key includes the closure's cell contents (``threaded``)."""

    @njit(cache=True)
    def segment(x, v, f, step0, k0, k1, mid, dt, A, B, rc, rlist, start, nbr, code,
                xref, Hb_inv, fbuf, bounds):
        """Run steps k0 … k1−1 (step k goes from t = (step0 + k) dt to (step0 + k + 1) dt);
        return (steps done, True if it stopped for a rebuild after a drift). ``mid``: the list
        was just rebuilt after a drift (finish that step first)."""
        n = x.shape[0]
        H = np.empty((3, 3))
        S = np.empty((27, 3))
        rc2 = rc * rc
        half = 0.5 * dt
        k = k0
        while k < k1:
            if not mid:
                for i in range(n):
                    for a in range(3):
                        v[i, a] += half * f[i, a]
                        x[i, a] += dt * v[i, a]
                _lattice((step0 + k + 1) * dt, A, B, H)
                if _needs_rebuild(x, xref, H, Hb_inv, rc, rlist):
                    return k, True
            else:
                _lattice((step0 + k + 1) * dt, A, B, H)
                mid = False
            _shifts(H, S)
            if threaded:
                forces_threads(x, S, start, nbr, code, rc2, f, fbuf, bounds)
            else:
                forces(x, S, start, nbr, code, rc2, f)
            for i in range(n):
                for a in range(3):
                    v[i, a] += half * f[i, a]
            k += 1
        return k, False

    return segment


segment = _segment(False)
segment_threads = _segment(True)
