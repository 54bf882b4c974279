r"""Direct simulation Monte Carlo of the homo-energetic Boltzmann equation (James–Qi–Wang eq. 6), in
d = 2 or 3 velocity dimensions (the dimension of A; the kernel must match).

**Scheme** (Babovsky's disjoint-pair form of Nanbu's method with a majorant, i.e. Bird's
no-time-counter selection made vectorisable; H. Babovsky, Eur. J. Mech. B 5 (1986) 675;
G. A. Bird, Molecular gas dynamics (1994) §11.1). Each replica holds ``n`` simulators of the
same law g(t, ·)/ρ(t). In a collision step of length Δt at density ρ(t) = ρ0/det(I + tA), the
simulators are split into disjoint random pairs; each pair is a *candidate* with probability
$p_c = \rho\,\Sigma_{\max}\Delta t$ and a candidate collides with probability
$\Sigma(|g|)/\Sigma_{\max}$, so that a particle collides with probability
$\rho\,\Delta t\,\langle\Sigma(|w - w_*|)\rangle_{w_*}$ — the Boltzmann rate. The majorant
$\Sigma_{\max} = \Sigma(2\|F^{-1}\|\,u_{\max})$ bounds every pair's rate (|g| ≤ 2 max|w|), so the
acceptance ratio never exceeds 1 (hard spheres/VHS are handled without clipping). Only the
candidate pairs are drawn: their number is Binomial(n/2, p_c) and their 2K distinct members a
uniformly random subset (iid draws, de-duplicated by a sort), so a step costs O(K log K), not
O(n log n).

**Deformation, exactly.** Between collisions $\dot w = -L(t)w$, solved by
$w(t_2) = (I + t_2A)^{-1}(I + t_1A)w(t_1)$. The state stores $u = (I + tA)\,w$, constant in free
flight; a collision at the step's midpoint maps its two simulators to w, collides them
(momentum and energy conserved to round-off: $w' = V \pm |g|\sigma/2$) and maps back. The
direction σ ∈ S^{d−1} makes the angle θ with ĝ drawn from b(cos θ) (:meth:`Kernel.cos_theta_table`);
its azimuth is uniform on the circle around ĝ (3D) or a random sign (2D: σ = cos θ ĝ ± sin θ ĝ^⊥).

**Time-step error** (first order): a simulator collides at most once a step, with probability
ρΣΔt, so for Maxwell molecules one step multiplies the stress deviator by 1 − νΔt instead of
$e^{-\nu\Delta t}$: the relaxation rate is biased by $-\ln(1-\nu\Delta t)/(\nu\Delta t) - 1 \approx
\nu\Delta t/2$ (measured on P_xx − p, 32 × 20 000 simulators: +2.2 ± 0.3 % at νΔt = 0.04,
+0.4 ± 0.4 % at 0.01; the step law itself is tested at νΔt = 0.2 in
tests/kinetic/test_boltzmann_verification.py). ``time.step`` and ``collision_fraction`` bound νΔt.

**Distribution outputs**: per replica, with θ its temperature and c = √θ (ξ = w/c is the
self-similar variable of James–Qi–Wang eq. 46), histograms of ξ_i and |ξ| on fixed bins
(:data:`HISTOGRAM_RANGE`) reported as the axis marginals $g_i(c\xi) = \rho\,h_i(\xi)/c$ and the
speed distribution $\rho\,h_{|\xi|}(\xi)/c$ (the ``velocity_marginal``/``speed_distribution`` of the
grid methods, as bin averages): $\sum_b g_i\,c\,\Delta\xi = \rho$ (up to the mass beyond the range)
and $\sum_b \xi_b^2 g_i\,c\,\Delta\xi = P_{ii}/\theta + \rho\Delta\xi^2/12$ (Sheppard's binning term).

**Error bars**: ``replicas`` independent copies (separate keys, ``vmap``; sharded over the devices
when there are several — the numbers do not depend on the device count); each observable is the
replica mean with standard error std/√R.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from ...models import flows
from ...models.kernels import Kernel
from ...parallel import replica_mesh, shard_replicas


class DSMCState(NamedTuple):
    t: jax.Array          # time
    key: jax.Array        # PRNG key (per replica)
    u: jax.Array          # [n, d] u = (I + tA) w
    umax: jax.Array       # upper bound of max |u|
    collisions: jax.Array  # collisions performed
    steps: jax.Array      # collision steps taken
    status: jax.Array     # bit 1: candidate capacity exceeded; bit 2: too few distinct indices; bit 4: NaN


STATUS_MESSAGES = {
    1: "more candidate pairs than the fixed capacity (lower levels.boltzmann.collision_fraction)",
    2: "the distinct-index sampler ran short (raise n or lower collision_fraction)",
    4: "non-finite velocities",
}


@dataclass(frozen=True)
class DSMCConfig:
    n: int                  # simulators per replica
    A: tuple                # velocity gradient (d×d, nested tuples; d = 2 or 3)
    rho0: float
    dt_max: float           # largest collision step
    p_max: float = 0.1      # largest candidate probability per pair per step
    density_bound: float = 1.0  # max over the run of det(I + tA)^{-1} (ρ ≤ ρ0 × this)

    @property
    def pairs(self) -> int:
        return self.n // 2

    @property
    def capacity(self) -> int:
        m = self.pairs * min(1.0, 1.1 * self.p_max)
        return int(min(self.pairs, math.ceil(m + 8 * math.sqrt(m) + 16)))

    @property
    def use_permutation(self) -> bool:
        """Candidates from a full random permutation when they are nearly all simulators."""
        return 2 * self.capacity > 0.9 * self.n

    @property
    def draws(self) -> int:
        """iid index draws that hold 2·capacity distinct ones with overwhelming probability
        (expected distinct count n(1 − e^{−D/n}), plus a margin of many standard deviations)."""
        if self.use_permutation:
            return self.n
        m = 2 * self.capacity
        return min(4 * self.n, math.ceil(-self.n * math.log1p(-m / self.n) * 1.05 + 10 * math.sqrt(m) + 32))


class DSMC:
    """Spatially homogeneous DSMC with the exact deformation (see module docstring)."""

    def __init__(self, kernel: Kernel, cfg: DSMCConfig):
        if cfg.n < 2:
            raise ValueError("DSMC needs at least 2 simulators")
        if kernel.gamma == 0:
            # Maxwell molecules: Σ is a constant, so p_c ≤ ρ_max Σ Δt_max sizes the capacity
            rate = kernel.sphere_integral * cfg.rho0 * cfg.density_bound * cfg.dt_max
            cfg = dataclasses.replace(cfg, p_max=min(cfg.p_max, rate))
        self.kernel, self.cfg = kernel, cfg
        self.A = jnp.asarray(np.asarray(cfg.A, float))
        self.d = self.A.shape[0]
        if kernel.dimension != self.d:
            raise ValueError(f"kernel {kernel.name!r} is {kernel.dimension}D but A is {self.d}×{self.d}")
        self._cos_table = jnp.asarray(kernel.cos_theta_table())
        if self._cos_table.ndim == 2:
            self._log_speeds = jnp.log(jnp.asarray(kernel.table_speeds))
        self._sphere = kernel.sphere_integral

    # ---- state ---------------------------------------------------------------------------------
    def init(self, key, w0, t0: float = 0.0, second_moment=None) -> DSMCState:
        """From peculiar velocities w0 [n, d] at time t0. The sample mean is removed exactly; with
        ``second_moment`` (a d×d tensor ⟨w wᵀ⟩, or a number: ⟨|w|²⟩) the sample is mapped linearly
        so that its second moments are exact (variance reduction: the energy is then exact).

        Precision: that of w0 when it is a float array (float32 stays float32 — the accelerator
        precision — even with JAX's float64 enabled), else JAX's default float; the state's time,
        velocities and majorant and every step then run in it."""
        w0 = jnp.asarray(w0)
        w0 = w0 if jnp.issubdtype(w0.dtype, jnp.floating) else w0.astype(float)
        dtype = w0.dtype
        w0 = w0 - w0.mean(0)
        if second_moment is not None:
            target = np.asarray(second_moment, float)
            if target.ndim == 0:
                w0 = w0 * jnp.sqrt(target / jnp.mean(jnp.sum(w0 * w0, axis=1)))
            else:
                S = (w0.T @ w0) / w0.shape[0]
                M = jnp.asarray(np.linalg.cholesky(target)) @ jnp.linalg.inv(jnp.linalg.cholesky(S))
                w0 = w0 @ M.T
        u = w0 @ flows.deformation(self.A.astype(dtype), jnp.asarray(t0, dtype), jnp).T
        return DSMCState(jnp.asarray(t0, dtype), key, u, jnp.max(jnp.linalg.norm(u, axis=1)),
                         jnp.asarray(0, jnp.int64), jnp.asarray(0, jnp.int64), jnp.asarray(0, jnp.int32))

    def velocities(self, state: DSMCState):
        """Peculiar velocities w = (I + tA)^{-1} u, [n, d]."""
        return jnp.linalg.solve(flows.deformation(self.A.astype(state.u.dtype), state.t, jnp), state.u.T).T

    # ---- one collision step --------------------------------------------------------------------
    def _distinct(self, key, m):
        """m distinct indices in [0, n), a uniformly random subset in random order; flag if short.

        iid uniform draws, keeping the first occurrence of each value (found by a scatter-min of
        the draw positions): the first-occurrence subsequence of an iid sequence is a sample
        without replacement, already in random order. O(draws + n), no sort."""
        n = self.cfg.n
        if self.cfg.use_permutation:
            return jax.random.permutation(key, n)[:m], jnp.asarray(False)
        D = self.cfg.draws
        d = jax.random.randint(key, (D,), 0, n)
        pos = jnp.arange(D)
        first = jnp.full((n,), D, dtype=pos.dtype).at[d].min(pos)
        keep = first[d] == pos
        slot = jnp.cumsum(keep) - 1
        out = jnp.zeros((m + 1,), dtype=d.dtype).at[jnp.where(keep & (slot < m), slot, m)].set(d)
        return out[:m], slot[-1] + 1 < m

    def _sigma(self, key, g, ghat, shape):
        """Post-collision directions σ with cos θ = σ·ĝ drawn from b(cos θ) — from B(|g|, ·) when the
        table has one row per speed (``kernel.table_speeds``; linear in log |g|, clamped outside)."""
        k1, k2 = jax.random.split(key)
        dtype = ghat.dtype
        if self.kernel.isotropic:  # uniform on S^{d−1} from uniforms (cheaper than normals on CPU)
            phi = 2 * jnp.pi * jax.random.uniform(k2, shape, dtype)
            if self.d == 2:
                return jnp.stack([jnp.cos(phi), jnp.sin(phi)], axis=-1)
            ct = 2 * jax.random.uniform(k1, shape, dtype) - 1
            st = jnp.sqrt(jnp.clip(1 - ct**2, 0.0))
            return jnp.stack([st * jnp.cos(phi), st * jnp.sin(phi), ct], axis=-1)
        table = self._cos_table.astype(dtype)
        u = jax.random.uniform(k1, shape, dtype) * (table.shape[-1] - 1)
        i = jnp.clip(jnp.floor(u).astype(int), 0, table.shape[-1] - 2)
        if table.ndim == 1:
            ct = table[i] + (u - i) * (table[i + 1] - table[i])
        else:
            s = jnp.interp(jnp.log(g), self._log_speeds.astype(dtype),
                           jnp.arange(table.shape[0], dtype=dtype))
            k = jnp.clip(jnp.floor(s).astype(int), 0, table.shape[0] - 2)
            rows = [table[r, i] + (u - i) * (table[r, i + 1] - table[r, i]) for r in (k, k + 1)]
            ct = rows[0] + (s - k) * (rows[1] - rows[0])
        st = jnp.sqrt(jnp.clip(1 - ct**2, 0.0))
        if self.d == 2:
            side = jnp.where(jax.random.uniform(k2, shape, dtype) < 0.5, -1.0, 1.0).astype(dtype)
            perp = side[..., None] * jnp.stack([-ghat[..., 1], ghat[..., 0]], axis=-1)
            return ct[..., None] * ghat + st[..., None] * perp
        phi = 2 * jnp.pi * jax.random.uniform(k2, shape, dtype)
        a = jnp.where(jnp.abs(ghat[..., :1]) < 0.9, jnp.array([1.0, 0, 0], dtype),
                      jnp.array([0, 1.0, 0], dtype))
        e1 = jnp.cross(ghat, a)
        e1 = e1 / jnp.linalg.norm(e1, axis=-1, keepdims=True)
        e2 = jnp.cross(ghat, e1)
        perp = jnp.cos(phi)[..., None] * e1 + jnp.sin(phi)[..., None] * e2
        return ct[..., None] * ghat + st[..., None] * perp

    def _rate(self, g):
        return self.kernel.radial(g) * self._sphere

    def step(self, state: DSMCState, dt_cap) -> DSMCState:
        cfg = self.cfg
        t = state.t
        A = self.A.astype(t.dtype)  # the state's precision throughout
        dt_cap = jnp.asarray(dt_cap, t.dtype)
        # majorant at the step's midpoint, bounding |F^{-1}| over the step by its value at both ends
        def finv_norm(tt):
            return jnp.linalg.norm(jnp.linalg.inv(flows.deformation(A, tt, jnp)), ord=2)

        sig_max0 = self._rate(2 * state.umax * finv_norm(t))
        rho_t = flows.density(cfg.rho0, A, t, jnp)
        dt = jnp.minimum(dt_cap, cfg.p_max / (rho_t * sig_max0))
        tm = t + 0.5 * dt
        F = flows.deformation(A, tm, jnp)
        Finv = jnp.linalg.inv(F)
        rho = cfg.rho0 / jnp.linalg.det(F)
        gbound = 2 * state.umax * jnp.maximum(jnp.maximum(finv_norm(t), finv_norm(t + dt)),
                                               jnp.linalg.norm(Finv, ord=2))
        sig_max = self._rate(gbound)
        pc = jnp.minimum(1.0, rho * sig_max * dt * (cfg.n / 2) / cfg.pairs)
        key, k_bin, k_idx, k_acc, k_sig = jax.random.split(state.key, 5)
        K = jax.random.binomial(k_bin, float(cfg.pairs), pc).astype(jnp.int64)
        cap = cfg.capacity
        # random draws are materialised behind optimisation barriers: otherwise XLA fuses the
        # generators into every consumer and recomputes them (a 50× slow-down on CPU)
        idx, short = jax.lax.optimization_barrier(self._distinct(k_idx, 2 * cap))
        uacc = jax.lax.optimization_barrier(jax.random.uniform(k_acc, (cap,), t.dtype))
        uij = state.u[idx]  # one gather for both members
        wi = uij[:cap] @ Finv.T
        wj = uij[cap:] @ Finv.T
        g = wi - wj
        gn = jnp.linalg.norm(g, axis=-1)
        accept = (jnp.arange(cap) < K) & (uacc * sig_max < self._rate(gn))
        ghat = g / jnp.where(gn > 0, gn, 1.0)[:, None]
        sigma = jax.lax.optimization_barrier(self._sigma(k_sig, gn, ghat, (cap,)))
        V = 0.5 * (wi + wj)
        half = 0.5 * gn[:, None] * sigma
        ui_new, uj_new = (V + half) @ F.T, (V - half) @ F.T
        a = accept[:, None]
        new = jnp.concatenate([jnp.where(a, ui_new, uij[:cap]), jnp.where(a, uj_new, uij[cap:])])
        u = state.u.at[idx].set(new, unique_indices=True)  # one scatter (indices are distinct)
        # keep XLA from fusing the scatters into the reductions below (O(n × capacity) on CPU)
        u, ui_new, uj_new = jax.lax.optimization_barrier((u, ui_new, uj_new))
        # (written with squared norms: XLA on CPU turned the norm-of-a-masked-2D form into an
        # O(n × capacity) loop)
        new_max = jnp.sqrt(jnp.max(jnp.where(accept, jnp.maximum(jnp.sum(ui_new**2, 1),
                                                                  jnp.sum(uj_new**2, 1)), 0.0)))
        status = state.status | jnp.where(K > cap, 1, 0) | jnp.where(short & (K > 0), 2, 0)
        return DSMCState(t + dt, key, u, jnp.maximum(state.umax, new_max),
                         state.collisions + accept.sum(), state.steps + 1, status.astype(jnp.int32))

    def advance_to(self, state: DSMCState, t_end) -> DSMCState:
        """Collision steps (adaptive Δt ≤ dt_max, majorant-limited) until t_end, then the exact
        max |u| is recomputed."""
        t_end = jnp.asarray(t_end, state.t.dtype)

        def cond(s):
            return s.t < t_end - 1e-12

        def body(s):
            return self.step(s, jnp.minimum(self.cfg.dt_max, t_end - s.t))

        s = jax.lax.while_loop(cond, body, state)
        bad = ~jnp.all(jnp.isfinite(s.u))
        return s._replace(umax=jnp.max(jnp.linalg.norm(s.u, axis=1)),
                          status=s.status | jnp.where(bad, 4, 0).astype(jnp.int32))


#: distribution outputs: scaled velocity ξ = w/√θ on [−R, R] (marginals) and [0, R] (speed)
HISTOGRAM_RANGE = 8.0
HISTOGRAM_BINS = 64


def histogram_edges() -> tuple[np.ndarray, np.ndarray]:
    """Bin edges of the scaled velocity components and of the scaled speed."""
    R, m = HISTOGRAM_RANGE, HISTOGRAM_BINS
    return np.linspace(-R, R, m + 1), np.linspace(0.0, R, m + 1)


def _density_histogram(x, lo, width):
    """Rows of x [k, n] binned on HISTOGRAM_BINS bins from lo; counts/(n·width) (out of range
    dropped)."""
    m = HISTOGRAM_BINS
    b = jnp.floor((x - lo) / width).astype(jnp.int32)
    inside = (b >= 0) & (b < m)
    flat = jnp.where(inside, b + m * jnp.arange(x.shape[0])[:, None], x.shape[0] * m)
    counts = jnp.zeros(x.shape[0] * m + 1).at[flat.ravel()].add(1.0)[:-1]
    return counts.reshape(x.shape[0], m) / (x.shape[1] * width)


def replica_observables(w, rho):
    """Observables of one replica's peculiar velocities w [n, d] at density ρ."""
    d = w.shape[1]
    r2 = jnp.sum(w * w, axis=1)
    P = rho * (w.T @ w) / w.shape[0]
    theta = jnp.trace(P) / (d * rho)
    width = 2 * HISTOGRAM_RANGE / HISTOGRAM_BINS
    c = jnp.sqrt(theta)
    return {
        "pressure_tensor": P,
        "temperature": theta,
        "heat_flux": 0.5 * rho * (w * r2[:, None]).mean(0),
        "speed_moment": jnp.stack([jnp.mean(r2 ** (k // 2)) for k in (2, 4, 6, 8)]),
        "momentum": rho * w.mean(0),
        "energy": 0.5 * rho * r2.mean(),
        "velocity_scale": c,
        "velocity_marginal": rho / c * _density_histogram(w.T / c, -HISTOGRAM_RANGE, width),
        "speed_distribution": rho / c * _density_histogram(jnp.sqrt(r2)[None] / c, 0.0, width / 2)[0],
    }


class Ensemble:
    """``replicas`` independent DSMC runs; observables as mean ± standard error.

    ``backend``: ``"jax"`` (vmapped, replicas sharded over the devices when there are several) or
    ``"numba"`` (:mod:`.dsmc_numba`, the same scheme on the CPU; the state's arrays are NumPy)."""

    def __init__(self, dsmc: DSMC, backend: str = "jax"):
        self.dsmc, self.backend = dsmc, backend
        if backend == "numba":
            if dsmc.d != 3:
                raise ValueError("the numba DSMC backend is 3D; use backend = 'jax' in 2D")
            from . import dsmc_numba

            self._advance = dsmc_numba.make_advance(dsmc)
        else:
            self._advance = jax.jit(jax.vmap(dsmc.advance_to, in_axes=(0, None)))
        self._obs = jax.jit(jax.vmap(lambda s: replica_observables(dsmc.velocities(s), self.density(s.t))))

    def density(self, t):
        cfg = self.dsmc.cfg
        return flows.density(cfg.rho0, self.dsmc.A, t, jnp)

    def init(self, key, sampler, replicas: int, t0: float = 0.0) -> DSMCState:
        """``sampler(key, n)`` -> [n, d] initial peculiar velocities."""
        keys = jax.random.split(key, replicas)
        target = getattr(sampler, "second_moment", None)
        states = [self.dsmc.init(jax.random.fold_in(k, 1), sampler(k, self.dsmc.cfg.n), t0, target)
                  for k in keys]
        stacked = jax.tree_util.tree_map(lambda *x: jnp.stack(x), *states)
        if self.backend == "numba":  # NumPy arrays, the key excepted (it may be a typed key)
            return stacked._replace(**{k: np.asarray(v) for k, v in stacked._asdict().items() if k != "key"})
        return stacked

    def advance_to(self, states: DSMCState, t_end: float) -> DSMCState:
        if self.backend == "jax" and jax.device_count() > 1:  # replicas spread over the devices
            R = states.t.shape[0]
            d = max(k for k in range(1, jax.device_count() + 1) if R % k == 0)
            states = shard_replicas(states, replica_mesh(jax.devices()[:d]))
        return self._advance(states, jnp.asarray(t_end, float))

    def velocity_sample(self, states: DSMCState, replicas: int, n: int) -> np.ndarray:
        """Peculiar velocities of the first n simulators of the first replicas, [replicas, n, d]."""
        return np.asarray(jax.vmap(self.dsmc.velocities)(states)[:replicas, :n])

    def observe(self, states: DSMCState) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """name -> (replica mean, standard error of the mean)."""
        obs = self._obs(states)
        R = states.t.shape[0]
        out = {}
        for k, v in obs.items():
            v = np.asarray(v)
            err = v.std(0, ddof=1) / math.sqrt(R) if R > 1 else np.full(v.shape[1:], np.nan)
            out[k] = (v.mean(0), err)
        return out


# ----------------------------------------------------------------------------------------------
# initial samplers
# ----------------------------------------------------------------------------------------------

def maxwellian_sampler(temperature_tensor):
    """Centred Gaussian with covariance ``temperature_tensor`` (d×d)."""
    T = np.asarray(temperature_tensor, float)
    C = jnp.asarray(np.linalg.cholesky(T))

    def sample(key, n):
        return jax.random.normal(key, (n, T.shape[0])) @ C.T

    sample.second_moment = T
    return sample


#: τ of the BKW solution's K(t) = 1 − e^{−t/τ} for isotropic Maxwell molecules, b = 1/|S^{d−1}|, at
#: unit density: τ = 4/Λ (the fourth-moment rate is ρΛ/2), i.e. 6 in 3D and 8 in 2D (docs/references.md)
BKW_TIME_SCALE = {3: 6.0, 2: 8.0}


def bkw_K(start: float, dimension: int = 3) -> float:
    """K at BKW time ``start``; the BKW function is ≥ 0 only for K ≥ d/(d + 2)."""
    d = dimension
    K = 1 - math.exp(-start / BKW_TIME_SCALE[d])
    if K < d / (d + 2):
        raise ValueError(f"BKW start {start} gives K = {K:.4f} < {d}/{d + 2}: the BKW function is "
                         f"negative there (start ≥ {-BKW_TIME_SCALE[d] * math.log(2 / (d + 2)):.4f})")
    return K


def bkw_weight(K: float, r2, dimension: int = 3):
    r"""The BKW function over the Maxwellian of variance K: $f/G_K = \frac{(d+2)K - d}{2K} +
    \frac{(1-K)|v|^2}{2K^2}$ (mass 1, ⟨|v|²⟩ = d; docs/references.md for d = 3 and d = 2)."""
    d = dimension
    return ((d + 2) * K - d) / (2 * K) + (1 - K) * r2 / (2 * K**2)


def bkw_sampler(start: float, dimension: int = 3):
    r"""BKW law at time ``start``: $G_K\,f/G_K$ (:func:`bkw_weight`) is the mixture of the
    Maxwellian of variance K (weight ((d+2)K − d)/(2K)) and $|v|^2 G_K/(dK)$ (weight d(1−K)/(2K));
    the latter has $|v|^2/K \sim \chi^2_{d+2}$."""
    d = dimension
    K = bkw_K(start, d)
    alpha = ((d + 2) * K - d) / (2 * K)

    def sample(key, n):
        k1, k2, k3 = jax.random.split(key, 3)
        z = jax.random.normal(k1, (n, d))
        r = jnp.sqrt(jnp.sum(jax.random.normal(k2, (n, d + 2)) ** 2, axis=1))
        direction = z / jnp.linalg.norm(z, axis=1, keepdims=True)
        pick = jax.random.uniform(k3, (n,)) < alpha
        return math.sqrt(K) * jnp.where(pick[:, None], z, r[:, None] * direction)

    sample.second_moment = float(d)
    return sample
