"""Benchmarks of the Boltzmann level: DSMC collisions/s and one fast-spectral Q evaluation.

* **DSMC**, hard spheres, 10⁶ simulators, θ = 1, ρ = 1, collision_fraction 0.1: collisions per
  second of :mod:`bbgky.kinetic.boltzmann.dsmc` (jitted JAX, ``advance_to``) and of its Numba
  backend :mod:`bbgky.kinetic.boltzmann.dsmc_numba` (one replica of 10⁶ on one thread; two
  replicas of 5·10⁵ on two threads) against a straightforward vectorised NumPy implementation of
  the *same* scheme (binomial candidate count, distinct random subset by sort, majorant
  acceptance, disjoint-pair update), interleaved in one run. Compile time reported separately.
* **Spectral Q**, Maxwell molecules and hard spheres: time of one evaluation of
  :class:`~bbgky.kinetic.boltzmann.spectral.SpectralCollision` at N = 32 (N_ρ = 16, Lebedev degree
  11: M = 50 directions, 25 used) and N = 64 (N_ρ = 32, same M), against a NumPy/SciPy-FFT
  implementation of the same algorithm (``scipy.fft`` with all workers). Operation count: the
  FFTs dominate, N_ρ (M/2 + J) + 3 transforms (J spherical-harmonic modes of b: 1 isotropic, 6 for
  b ∝ 1 + cos²θ, the third kernel) of 5 N³ log₂ N³ flops each; the implied flop rate
  is printed beside the machine's nominal double-precision peak (``--peak-gflops``).

Run: ``.venv/bin/python bench/boltzmann.py`` (``--quick`` for a small smoke run, ``--dsmc-only``,
``--repeat k``).
"""

from __future__ import annotations

import argparse
import math
import os
import time

import jax
import jax.numpy as jnp
import numba
import numpy as np
import scipy.fft as sfft

jax.config.update("jax_enable_x64", True)

from bbgky.kinetic.boltzmann import dsmc as ds  # noqa: E402
from bbgky.kinetic.boltzmann import dsmc_numba as dn  # noqa: E402
from bbgky.kinetic.boltzmann import spectral as sp  # noqa: E402
from bbgky.models import kernels  # noqa: E402


# ----------------------------------------------------------------------------------------------
# DSMC: NumPy reference of the same scheme (A = 0)
# ----------------------------------------------------------------------------------------------
def numpy_dsmc(w, rho, sigma, t_end, cfg: ds.DSMCConfig, rng):
    n = len(w)
    pairs = n // 2
    cap, draws = cfg.capacity, cfg.draws
    umax = np.sqrt((w**2).sum(1).max())
    t, collisions = 0.0, 0
    area = math.pi * sigma**2
    while t < t_end - 1e-12:
        sig_max = area * 2 * umax
        dt = min(cfg.dt_max, t_end - t, cfg.p_max / (rho * sig_max))
        pc = min(1.0, rho * sig_max * dt)
        K = rng.binomial(pairs, pc)
        d = np.sort(rng.integers(0, n, draws))
        keep = np.ones(draws, bool)
        keep[1:] = d[1:] != d[:-1]
        u = d[keep]
        idx = u[rng.permutation(len(u))[: 2 * cap]]
        i, j = idx[:K], idx[cap:cap + K]
        wi, wj = w[i], w[j]
        g = wi - wj
        gn = np.sqrt((g**2).sum(1))
        acc = rng.random(K) * sig_max < area * gn
        i, j, wi, wj, gn = i[acc], j[acc], wi[acc], wj[acc], gn[acc]
        z = rng.normal(size=(len(i), 3))
        s = z / np.sqrt((z**2).sum(1))[:, None]
        V = 0.5 * (wi + wj)
        h = 0.5 * gn[:, None] * s
        w[i], w[j] = V + h, V - h
        if len(i):
            umax = max(umax, math.sqrt(max((w[i] ** 2).sum(1).max(), (w[j] ** 2).sum(1).max())))
        collisions += len(i)
        t += dt
    return collisions


def bench_dsmc(n, t_end, repeats):
    rho, sigma = 1.0, 1.0
    cfg = ds.DSMCConfig(n=n, A=((0.0,) * 3,) * 3, rho0=rho, dt_max=1.0, p_max=0.1)
    sim = ds.DSMC(kernels.hard_sphere(sigma), cfg)
    half = ds.DSMC(sim.kernel, ds.DSMCConfig(n=n // 2, A=cfg.A, rho0=rho, dt_max=1.0, p_max=0.1))
    w0 = np.random.default_rng(0).normal(size=(n, 3))
    state = sim.init(jax.random.PRNGKey(0), w0)
    adv = jax.jit(sim.advance_to)
    start = time.perf_counter()
    jax.block_until_ready(adv(state, 1e-6))
    compile_s = time.perf_counter() - start

    def numba_states(r, parts):  # the same 10⁶ velocities, as `parts` replicas
        states = [(half if parts == 2 else sim).init(jax.random.PRNGKey(100 * r + k), w)
                  for k, w in enumerate(np.split(w0, parts))]
        return jax.tree_util.tree_map(lambda *x: np.stack([np.asarray(y) for y in x]), *states)

    start = time.perf_counter()
    advance = {1: dn.make_advance(sim), 2: dn.make_advance(half)}
    advance[1](numba_states(0, 1), 1e-6)
    advance[2](numba_states(0, 2), 1e-6)
    compile_numba = time.perf_counter() - start

    def numba_run(r, parts):
        numba.set_num_threads(parts)
        s0 = numba_states(r + 1, parts)
        start = time.perf_counter()
        s1 = advance[parts](s0, t_end)
        return int(s1.collisions.sum()) / (time.perf_counter() - start)

    rows = []
    for r in range(repeats):  # interleaved
        s0 = sim.init(jax.random.PRNGKey(r + 1), w0)
        start = time.perf_counter()
        s1 = jax.block_until_ready(adv(s0, t_end))
        tj = time.perf_counter() - start
        nb1 = numba_run(r, 1)
        w = w0.copy()
        start = time.perf_counter()
        cn = numpy_dsmc(w, rho, sigma, t_end, cfg, np.random.default_rng(r))
        tn = time.perf_counter() - start
        nb2 = numba_run(r, 2)
        rows.append((int(s1.collisions) / tj, nb1, nb2, cn / tn, int(s1.steps)))
    cj, c1, c2, cn = (float(np.median([row[k] for row in rows])) for k in range(4))
    print(f"DSMC hard spheres, n = {n:,}, t = {t_end} (≈ {rows[0][4]} steps; compile: JAX {compile_s:.1f} s, "
          f"Numba {compile_numba:.1f} s)")
    print(f"| code | collisions/s (median of {repeats}) | ratio to NumPy |")
    print("|---|---|---|")
    print(f"| bbgky JAX | {cj:.3e} | {cj / cn:.2f} |")
    print(f"| bbgky Numba, 1 replica × {n:,}, 1 thread | {c1:.3e} | {c1 / cn:.2f} |")
    print(f"| bbgky Numba, 2 replicas × {n // 2:,}, 2 threads | {c2:.3e} | {c2 / cn:.2f} |")
    print(f"| NumPy, same scheme | {cn:.3e} | 1 |\n")


# ----------------------------------------------------------------------------------------------
# Spectral Q: NumPy/SciPy reference of the same algorithm
# ----------------------------------------------------------------------------------------------
class NumpyQ:
    def __init__(self, col: sp.SpectralCollision):
        self.col = col
        self.gain = np.asarray(col._gain)              # [nr, n_l, N, N, N]
        self.loss = np.asarray(col._loss)
        self.shift = np.asarray(col._shift)            # [nr, M/2, 3]
        self.modes_sigma = np.asarray(col._modes_sigma)  # [J, M/2]: w_p Ỹ_j(σ_p)
        self.modes_k = np.asarray(col._modes_k)        # [J, N, N, N]: Ỹ_j(k̂)
        self.lidx = np.asarray(col._lidx)
        self.k = np.asarray(col._k1)
        self.nyq = np.asarray(col._nyq)
        self.L = col.grid.extent
        self.workers = os.cpu_count()

    def __call__(self, f):
        fh = sfft.fftn(f, workers=self.workers) * self.nyq
        acc = np.zeros_like(fh)
        for q in range(self.shift.shape[0]):
            S = np.zeros((len(self.lidx), *f.shape))
            for p in range(self.shift.shape[1]):
                a = self.shift[q, p]
                e = [np.exp(1j * np.pi * self.k * a[d] / self.L) for d in range(3)]
                ph = e[0][:, None, None] * e[1][None, :, None] * e[2][None, None, :]
                z = sfft.ifftn(fh * (ph + 1j * np.conj(ph)), workers=self.workers)
                S += self.modes_sigma[:, p, None, None, None] * (z.real * z.imag)
            Sh = sfft.fftn(S, axes=(1, 2, 3), workers=self.workers)
            acc += np.sum(self.gain[q][self.lidx] * self.modes_k * Sh, axis=0)
        gain = sfft.ifftn(acc, workers=self.workers).real
        loss = f * sfft.ifftn(fh * self.loss, workers=self.workers).real
        return gain - loss


def bench_spectral(n, nr, degree, repeats, peak):
    grid = sp.Grid(n, 8.0)
    x = grid.mesh()
    f = (2 * np.pi) ** -1.5 * np.exp(-(x**2).sum(0) / 2)
    for kern in [kernels.maxwell(), kernels.hard_sphere(), kernels.maxwell(angular=(1.0, 0.0, 1.0))]:
        col = sp.SpectralCollision(grid, kern, radial_points=nr, sphere_degree=degree, conserve=False)
        jq = jax.jit(lambda g, c=col: c.gain_loss(g))
        fj = jnp.asarray(f)
        start = time.perf_counter()
        jax.block_until_ready(jq(fj))
        compile_s = time.perf_counter() - start
        nq = NumpyQ(col)
        tj, tn = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            g, lo = jax.block_until_ready(jq(fj))
            tj.append(time.perf_counter() - start)
            start = time.perf_counter()
            ref = nq(f)
            tn.append(time.perf_counter() - start)
        diff = float(np.abs(np.asarray(g - lo) - ref).max())
        m_half = col._shift.shape[1]
        ffts = nr * (m_half + len(col._lidx)) + 3
        flops = ffts * 5 * n**3 * math.log2(n**3)
        t_j, t_n = float(np.median(tj)), float(np.median(tn))
        rate = flops / t_j / 1e9
        label = kern.name if kern.isotropic else f"{kern.name} b ∝ {kern.angular}"
        print(f"| {label} | {n} | {nr} | {col.sphere_points} | {t_j:.3f} | {t_n:.3f} | {t_n / t_j:.2f} | "
              f"{flops / 1e9:.2f} | {rate:.1f} ({100 * rate / peak:.0f} % of {peak:g}) "
              f"| {compile_s:.1f} | {diff:.1e} |", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--peak-gflops", type=float, default=2 * 2.5 * 16,
                    help="nominal FP64 peak of the machine (default: 2 cores × 2.5 GHz × 16 flop/cycle)")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved DSMC repetitions (median reported)")
    ap.add_argument("--dsmc-only", action="store_true", help="skip the spectral benchmark")
    args = ap.parse_args()
    print(f"JAX {jax.__version__} on {jax.devices()[0].platform}, Numba {numba.__version__}, "
          f"{os.cpu_count()} CPU(s)\n")
    if args.quick:
        bench_dsmc(20_000, 0.05, 1)
    else:
        bench_dsmc(1_000_000, 0.05, args.repeat)
    if args.dsmc_only:
        return
    print("| kernel | N | N_ρ | M | JAX s/Q | NumPy s/Q | ratio | GFLOP/Q | JAX GFLOP/s | compile s "
          "| max diff |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    if args.quick:
        bench_spectral(16, 8, 5, 1, args.peak_gflops)
    else:
        bench_spectral(32, 16, 11, 3, args.peak_gflops)
        bench_spectral(64, 32, 11, 1, args.peak_gflops)


if __name__ == "__main__":
    main()
