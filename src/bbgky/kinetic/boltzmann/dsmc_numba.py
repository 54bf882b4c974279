r"""CPU fast path of :mod:`.dsmc`: the same DSMC scheme in Numba kernels, over the same state.

``make_advance(dsmc)(states, t_end) -> states`` is :meth:`.dsmc.Ensemble.advance_to` for replicas
stacked on a leading axis (a :class:`~.dsmc.DSMCState` of NumPy arrays, so the level's
checkpoints, observables and health checks are those of the JAX backend). The scheme is that of
:mod:`.dsmc` step for step, with its own random stream, so the two backends agree in law, not bit
for bit (Babovsky, Eur. J. Mech. B 5 (1986) 675; Bird (1994) §11.1):

* **Step control**, as :meth:`.dsmc.DSMC.step`: majorant $\Sigma_{\max} = \Sigma(g_b)$,
  $g_b = 2u_{\max}\max(\|F^{-1}(t)\|, \|F^{-1}(t+\Delta t)\|, \|F^{-1}(t_m)\|)$, step
  $\Delta t = \min(\Delta t_{cap}, p_{\max}/(\rho(t)\Sigma(2u_{\max}\|F^{-1}(t)\|)))$,
  $F(t) = I + tA$, $\rho = \rho_0/\det F(t_m)$ at the midpoint $t_m$.
* **Candidates**: K ~ Binomial(⌊n/2⌋, p_c), $p_c = \rho\Sigma_{\max}\Delta t\,(n/2)/\lfloor n/2\rfloor$
  (exact, O(1) expected work: BTPE, see ``_binomial``); the K disjoint pairs are the first 2K rows
  after a partial Fisher–Yates shuffle *of the rows of u itself* (row k swapped with a uniform
  row of [k, n)): a uniformly random ordered subset whatever the rows' current order, O(K) per
  step, and the pairs then sit in contiguous memory. Simulators are exchangeable, so the row
  order of u carries no physics (observables are symmetric in the rows).
* **Collision** at the midpoint: w = F(t_m)⁻¹u; accepted with probability Σ(|g|)/Σ_max
  ($(|g|/g_b)^{\gamma}$); $w' = V \pm |g|\sigma/2$ with cos θ = σ·ĝ from the kernel's inverse-CDF
  table (``cos_theta_table()``: a row [m], or rows [n_g, m] at speeds ``table_speeds``,
  interpolated linearly in log g between rows, clamped outside), azimuth from a uniform point of
  the unit disk; u' = F w'. Momentum and energy are conserved to round-off per collision. At the
  start of a call max |u| is recomputed exactly (where the JAX backend does it at the end of the
  previous one: the same majorants); non-finite velocities are flagged (status bit 4).

**Randomness**: a xoshiro256+ generator per replica (Blackman & Vigna, ACM TOMS 47 (2021) 36)
whose 256-bit state is drawn with ``jax.random.bits`` from a subkey of the replica's key; the
key is split at every call, so a run is a deterministic function of the state (``--resume`` is
bit-identical). Uniform integers below m are ⌊U m⌋ with 53-bit U (bias < m·2⁻⁵³).

**Threads**: replicas run in a ``prange`` (Numba's thread count, ``NUMBA_NUM_THREADS``); each
replica is sequential and its own generator, so results do not depend on the thread count.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numba
import numpy as np
from numba import njit, prange

BLOCK = 256  # candidate pairs whose rows are drawn at once


@njit(cache=True, error_model="numpy", inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True, error_model="numpy", inline="always")
def _uniform(s):
    """xoshiro256+: a double in [0, 1) from the top 53 bits; advances the state s[4]."""
    s0, s1, s2, s3 = s[0], s[1], s[2], s[3]
    out = s0 + s3
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s[0], s[1], s[2], s[3] = s0, s1, s2, _rotl(s3, 45)
    return np.float64(out >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, error_model="numpy")
def _binomial(trials, p, s):
    """Binomial(trials, p): NumPy's BINV/BTPE (Kachitvichyanukul & Schmeiser, CACM 31 (1988) 216) as
    compiled by Numba, on its thread-local Mersenne Twister seeded here from the stream s."""
    # (Numba's compiled legacy np.random: a per-thread generator, not NumPy's global one)
    np.random.seed(np.uint32(_uniform(s) * 4294967296.0))  # noqa: NPY002
    return np.random.binomial(trials, min(max(p, 0.0), 1.0))  # noqa: NPY002


@njit(cache=True, error_model="numpy")
def _finv_norm(A, t):
    return np.linalg.norm(np.linalg.inv(np.eye(3) + t * A), 2)


@njit(cache=True, error_model="numpy")
def _shuffle_rows(u, start, stop, target, s):
    """Partial Fisher–Yates: row k ↔ a uniform row of [k, n), for start ≤ k < stop. The targets are
    drawn first so that the swap loop (cache misses) has many loads in flight."""
    n = u.shape[0]
    for k in range(start, stop):
        target[k - start] = min(k + int(_uniform(s) * (n - k)), n - 1)
    for k in range(start, stop):
        j = target[k - start]
        for a in range(3):
            u[k, a], u[j, a] = u[j, a], u[k, a]


@njit(cache=True, error_model="numpy", inline="always")
def _cos_theta(gn, table, log_speeds, s):
    """cos θ from the inverse-CDF table rows, linear in log g between rows (clamped)."""
    m = table.shape[1]
    x = _uniform(s) * (m - 1)
    i = min(int(x), m - 2)
    f = x - i
    r, a = 0, 0.0
    if table.shape[0] > 1:
        lg = np.log(gn)
        if lg >= log_speeds[-1]:
            r = table.shape[0] - 1
        elif lg > log_speeds[0]:
            r = np.searchsorted(log_speeds, lg) - 1
            a = (lg - log_speeds[r]) / (log_speeds[r + 1] - log_speeds[r])
    ct = table[r, i] + f * (table[r, i + 1] - table[r, i])
    if a > 0.0:
        ct = (1.0 - a) * ct + a * (table[r + 1, i] + f * (table[r + 1, i + 1] - table[r + 1, i]))
    return ct


@njit(cache=True, error_model="numpy", inline="always")
def _matvec(M, x, y, z):
    return (M[0, 0] * x + M[0, 1] * y + M[0, 2] * z, M[1, 0] * x + M[1, 1] * y + M[1, 2] * z,
            M[2, 0] * x + M[2, 1] * y + M[2, 2] * z)


@njit(cache=True, error_model="numpy", inline="always")
def _azimuth(s):
    """(cos φ, sin φ), φ uniform: a uniform point of the unit disk (by rejection), normalised."""
    while True:
        x, y = 2 * _uniform(s) - 1, 2 * _uniform(s) - 1
        r2 = x * x + y * y
        if 0.0 < r2 <= 1.0:
            r = np.sqrt(r2)
            return x / r, y / r


@njit(cache=True, error_model="numpy", inline="always")
def _direction(gx, gy, gz, gn, isotropic, table, log_speeds, s):
    """Post-collision direction σ: cos θ = σ·ĝ from the table (uniform if isotropic), azimuth uniform."""
    ct = 2 * _uniform(s) - 1 if isotropic else _cos_theta(gn, table, log_speeds, s)
    st = np.sqrt(max(0.0, 1 - ct * ct))
    cp, sp = _azimuth(s)
    cp, sp = st * cp, st * sp
    if isotropic:
        return cp, sp, ct
    # σ = cos θ ĝ + sin θ (cos φ e1 + sin φ e2), (ĝ, e1, e2) orthonormal
    hx, hy, hz = gx / gn, gy / gn, gz / gn
    if abs(hx) < 0.9:  # e1 ∝ ĝ × x̂
        e1x, e1y, e1z = 0.0, hz, -hy
    else:  # e1 ∝ ĝ × ŷ
        e1x, e1y, e1z = -hz, 0.0, hx
    e1n = np.sqrt(e1x * e1x + e1y * e1y + e1z * e1z)
    e1x, e1y, e1z = e1x / e1n, e1y / e1n, e1z / e1n
    e2x, e2y, e2z = hy * e1z - hz * e1y, hz * e1x - hx * e1z, hx * e1y - hy * e1x
    return (ct * hx + cp * e1x + sp * e2x, ct * hy + cp * e1y + sp * e2y, ct * hz + cp * e1z + sp * e2z)


@njit(cache=True, error_model="numpy")
def _advance_one(u0, u, t, t_end, A, rho0, dt_max, p_max, gamma, sphere, isotropic, table, log_speeds, s):
    """One replica from u0 to t_end, into u (rows permuted); returns (t, bound of max |u|,
    collisions, steps, all velocities finite)."""
    n = u.shape[0]
    pairs = n // 2
    scale = (n / 2) / pairs
    eye = np.eye(3)
    target = np.empty(2 * BLOCK, np.int64)
    umax2, finite = 0.0, True
    for k in range(n):  # the copy, with the exact max |u| and a finiteness check
        r2 = 0.0
        for a in range(3):
            u[k, a] = u0[k, a]
            r2 += u0[k, a] ** 2
        finite &= r2 < np.inf
        umax2 = max(umax2, r2)
    umax = np.sqrt(umax2)
    collisions, steps = 0, 0
    if not finite:  # nothing to advance (the status reports it)
        return t, umax, collisions, steps, finite
    while t < t_end - 1e-12:
        norm0 = _finv_norm(A, t)
        rho_t = rho0 / np.linalg.det(eye + t * A)
        dt = min(dt_max, t_end - t, p_max / (rho_t * (2 * umax * norm0) ** gamma * sphere))
        F = eye + (t + 0.5 * dt) * A
        Finv = np.linalg.inv(F)
        rho = rho0 / np.linalg.det(F)
        gb = 2 * umax * max(norm0, _finv_norm(A, t + dt), np.linalg.norm(Finv, 2))
        K = _binomial(pairs, min(1.0, rho * gb**gamma * sphere * dt * scale), s)
        new_max2 = 0.0
        for c in range(K):
            if c % BLOCK == 0:  # the swaps of a block of pairs, then its collisions (rows still in L1)
                _shuffle_rows(u, 2 * c, 2 * min(K, c + BLOCK), target, s)
            i = 2 * c
            ax, ay, az = _matvec(Finv, u[i, 0], u[i, 1], u[i, 2])
            bx, by, bz = _matvec(Finv, u[i + 1, 0], u[i + 1, 1], u[i + 1, 2])
            gx, gy, gz = ax - bx, ay - by, az - bz
            gn = np.sqrt(gx * gx + gy * gy + gz * gz)
            ua = _uniform(s)
            if gamma == 1.0:
                if ua * gb >= gn:
                    continue
            elif gamma != 0.0 and ua >= (gn / gb) ** gamma:
                continue
            collisions += 1
            if gn == 0.0:
                continue
            sx, sy, sz = _direction(gx, gy, gz, gn, isotropic, table, log_speeds, s)
            h = 0.5 * gn
            vx, vy, vz = 0.5 * (ax + bx), 0.5 * (ay + by), 0.5 * (az + bz)
            ax, ay, az = _matvec(F, vx + h * sx, vy + h * sy, vz + h * sz)
            bx, by, bz = _matvec(F, vx - h * sx, vy - h * sy, vz - h * sz)
            u[i, 0], u[i, 1], u[i, 2] = ax, ay, az
            u[i + 1, 0], u[i + 1, 1], u[i + 1, 2] = bx, by, bz
            ra, rb = ax * ax + ay * ay + az * az, bx * bx + by * by + bz * bz
            finite &= ra + rb < np.inf
            new_max2 = max(new_max2, ra, rb)
        umax = max(umax, np.sqrt(new_max2))
        t += dt
        steps += 1
    return t, umax, collisions, steps, finite


def _replicas(u0, u, t, umax, t_end, A, rho0, dt_max, p_max, gamma, sphere, isotropic, table, log_speeds,
              rng, collisions, steps, finite):
    for r in prange(u.shape[0]):
        # the generator state in the thread's own memory: the rows of rng share a cache line, and
        # writing them from two threads per random draw (false sharing) halved the threaded speed
        state = rng[r].copy()
        t[r], umax[r], collisions[r], steps[r], finite[r] = _advance_one(
            u0[r], u[r], t[r], t_end, A, rho0, dt_max, p_max, gamma, sphere, isotropic, table,
            log_speeds, state)


_replicas_threaded = njit(cache=True, error_model="numpy", parallel=True)(_replicas)
_replicas_serial = njit(cache=True, error_model="numpy")(_replicas)


@jax.jit
def _split_and_seed(keys):
    """Per replica: (the next key, 256 random bits seeding the replica's generator)."""
    def one(key):
        new, sub = jax.random.split(key)
        return new, jax.random.bits(sub, (8,), jnp.uint32)

    return jax.vmap(one)(keys)


def angular_table(kernel) -> tuple[np.ndarray, np.ndarray]:
    """(table [n_g, m], log speeds [n_g]) of ``kernel.cos_theta_table()`` (one row: any speed)."""
    table = np.asarray(kernel.cos_theta_table(), float)
    if table.ndim == 1:
        return table[None, :].copy(), np.zeros(1)
    return np.ascontiguousarray(table), np.log(np.asarray(kernel.table_speeds, float))


def make_advance(dsmc):
    """``advance_to(states, t_end) -> states`` for a :class:`~.dsmc.DSMC`: every replica of
    ``states`` (a :class:`~.dsmc.DSMCState`, leading axis, NumPy arrays) to ``t_end``; a new state,
    the input untouched. (This module does not import :mod:`.dsmc`, which loads it lazily.)"""
    cfg, kern = dsmc.cfg, dsmc.kernel
    table, log_speeds = angular_table(kern)
    params = (np.asarray(cfg.A, float), float(cfg.rho0), float(cfg.dt_max), float(cfg.p_max),
              float(kern.gamma), float(kern.sphere_integral), bool(kern.isotropic), table, log_speeds)

    def advance_to(states, t_end):
        keys, bits = _split_and_seed(states.key)
        rng = np.array(bits, np.uint32).view(np.uint64)
        u0 = np.ascontiguousarray(states.u, dtype=np.float64)
        if not u0.flags.writeable:  # a read-only view (of a JAX array) is another Numba signature:
            u0 = u0.copy()  # a second compilation of _replicas, seconds on a first run
        u = np.empty_like(u0)
        t = np.array(states.t, dtype=np.float64)
        umax = np.empty_like(t)
        collisions, steps = np.zeros(t.shape, np.int64), np.zeros(t.shape, np.int64)
        finite = np.zeros(t.shape, np.bool_)
        run = _replicas_threaded if len(t) > 1 and numba.get_num_threads() > 1 else _replicas_serial
        run(u0, u, t, umax, float(t_end), *params, rng, collisions, steps, finite)
        return states._replace(t=t, key=keys, u=u, umax=umax,
                               collisions=np.asarray(states.collisions) + collisions,
                               steps=np.asarray(states.steps) + steps,
                               status=(np.asarray(states.status) | np.where(finite, 0, 4)).astype(np.int32))

    return advance_to
