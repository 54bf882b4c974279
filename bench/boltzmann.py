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
``--repeat k``); ``--spectral-only --floor-ratio --repeat 4``: the Q/FFT-floor ratio at N = 32 and 64
alone (about 2 min on a quiet 2-core machine).
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

from _common import memory_line  # noqa: E402

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
# Spectral Q: the formulation before issue 14 (the "before" column), and its FFTs alone
# ----------------------------------------------------------------------------------------------
class BaselineQ:
    """The fast spectral Q⁺, Q⁻ as formulated before issue 14, kept verbatim for the before/after
    measurement: full-spectrum complex transforms, the phase e^{iπk·a/L} rebuilt from 1D exponentials
    inside the loop for every σ, complex S-transforms. Same results to round-off (printed)."""

    def __init__(self, col: sp.SpectralCollision):
        grid, kern = col.grid, col.kernel
        d, L = grid.dimension, grid.extent
        rho, wr = sp.radial_rule(col.nr, col.R)
        sig, ws = sp.sphere_half_rule(col.sphere_degree, d)
        kk = grid.wavenumbers
        kvec = np.stack(np.meshgrid(*[kk] * d, indexing="ij"))
        kabs = np.sqrt((kvec**2).sum(0))
        khat = (kvec / np.where(kabs > 0, kabs, 1.0)).reshape(d, -1).T
        y_sigma = [sp.harmonics(l, sig, d) for l in col.orders]
        self.lidx = jnp.asarray(np.concatenate([np.full(len(y), i) for i, y in enumerate(y_sigma)]))
        self.modes_sigma = jnp.asarray(ws * np.concatenate(y_sigma))
        self.modes_k = jnp.asarray(np.concatenate([sp.harmonics(l, khat, d) for l in col.orders])
                                   .reshape(-1, *grid.shape))
        r = rho.reshape(-1, *[1] * d)
        weight = (wr * rho ** (d - 1) * kern.radial(rho)).reshape(r.shape)
        z = np.pi * r * kabs[None] / (2 * L)
        self.gain = jnp.asarray(np.stack([weight * kern.funk_hecke(l) * (-1) ** (l // 2)
                                          * sp.plane_wave_coefficient(l, z, d) for l in col.orders], axis=1))
        self.loss = jnp.asarray((weight * kern.sphere_integral * sp.shell_average(2 * z, d)).sum(axis=0))
        self.k1, self.shift = jnp.asarray(kk), jnp.asarray(0.5 * rho[:, None, None] * sig[None, :, :])
        nyq = np.ones(grid.n)
        nyq[grid.n // 2] = 0.0
        self.nyq = jnp.asarray(sp._outer([nyq] * d))
        self.grid, self.nr = grid, col.nr

    def gain_loss(self, f):
        L, d = self.grid.extent, self.grid.dimension
        fh = jnp.fft.fftn(f) * self.nyq
        axes = tuple(range(1, d + 1))

        def radial(acc, q):
            def one(a):
                ph = sp._outer([jnp.exp(1j * jnp.pi * self.k1 * a[i] / L) for i in range(d)])
                z = jnp.fft.ifftn(fh * (ph + 1j * jnp.conj(ph)))
                return z.real * z.imag

            S = jnp.tensordot(self.modes_sigma, jax.vmap(one)(self.shift[q]), axes=1)
            Sh = jnp.fft.fftn(S, axes=axes)
            return acc + jnp.sum(self.gain[q][self.lidx] * self.modes_k * Sh, axis=0), None

        acc, _ = jax.lax.scan(radial, jnp.zeros_like(fh), jnp.arange(self.nr))
        return jnp.fft.ifftn(acc).real, f * jnp.fft.ifftn(fh * self.loss).real


def fft_floor(col: sp.SpectralCollision):
    """The transforms of one Q alone, in JAX (jitted) and in scipy.fft (``workers`` = CPU count):
    per radial node one batched complex inverse FFT of M/2 arrays and one batched real FFT of J
    arrays; one complex and one real forward FFT of f and two real inverse FFTs. The batch inputs
    depend on the loop carry so that XLA cannot hoist them out of the loop."""
    shape, nr, half = col.grid.shape, col.nr, col._shift.shape[1]
    J, axes = int(col._lidx.shape[0]), tuple(range(1, col.grid.dimension + 1))
    scale = jnp.arange(1.0, half + 1).reshape(-1, *[1] * len(shape))

    def jax_ffts(f):
        fh = jnp.fft.fftn(f)
        fr = jnp.fft.rfftn(f)

        def radial(acc, q):
            w = jnp.fft.ifftn((fh + 1e-300 * acc.ravel()[0]) * (scale + q), axes=axes)
            return acc + jnp.fft.rfftn(w[:J].real, axes=axes).sum(0), None

        acc, _ = jax.lax.scan(radial, jnp.zeros_like(fr), jnp.arange(nr, dtype=float))
        return jnp.fft.irfftn(acc, shape) + jnp.fft.irfftn(fr, shape)

    workers = os.cpu_count()
    batch = np.ones((half, *shape), complex)

    def scipy_ffts(f):
        fh, fr = sfft.fftn(f, workers=workers), sfft.rfftn(f, workers=workers)
        acc = np.zeros_like(fr)
        for _ in range(nr):
            w = sfft.ifftn(batch * fh, axes=axes, workers=workers)
            acc += sfft.rfftn(w[:J].real, axes=axes, workers=workers).sum(0)
        return sfft.irfftn(acc, shape, workers=workers) + sfft.irfftn(fr, shape, workers=workers)

    return jax.jit(jax_ffts), scipy_ffts


def spectral_flops(col: sp.SpectralCollision, n: int) -> tuple[float, float]:
    """(before, after) FFT flop counts of one Q at 5 N^d log₂ N^d per complex transform, a real one
    counted as half: before N_ρ(M/2 + J) + 3 complex; after N_ρ M/2 + 1 complex and N_ρ J + 3 real."""
    d = col.grid.dimension
    one = 5 * n**d * math.log2(n**d)
    half, J = col._shift.shape[1], int(col._lidx.shape[0])
    return (col.nr * (half + J) + 3) * one, (col.nr * half + 1 + (col.nr * J + 3) / 2) * one


def bench_spectral(n, nr, degree, repeats, peak, kerns, baseline=True):
    """One row per kernel: s/Q against the FFT floor, interleaved in this process. Ratios use CPU time
    (``time.process_time``, all threads of this process: robust to other processes sharing the
    cores); the flop rate uses wall time against the machine's peak (meaningful on a quiet machine).
    ``baseline``: also time the formulation before issue 14 (slow at N = 64)."""
    grid = sp.Grid(n, 8.0)
    x = grid.mesh()
    f = (2 * np.pi) ** -1.5 * np.exp(-(x**2).sum(0) / 2) * (1 + 0.1 * x[0] + 0.05 * x[1] * x[2])
    fj = jnp.asarray(f)
    for kern in kerns:
        col = sp.SpectralCollision(grid, kern, radial_points=nr, sphere_degree=degree, conserve=False)
        after = jax.jit(col.gain_loss)
        jfft, sfft_ = fft_floor(col)
        start = time.perf_counter()
        jax.block_until_ready(after(fj))
        compile_s = time.perf_counter() - start
        fns = [("after", after, fj), ("jax_fft", jfft, fj), ("scipy_fft", sfft_, f)]
        if baseline:
            fns.insert(0, ("before", jax.jit(BaselineQ(col).gain_loss), fj))
        for _, fn, arg in fns:
            jax.block_until_ready(fn(arg))
        wall = {key: [] for key, _, _ in fns}
        cpu = {key: [] for key, _, _ in fns}
        loads = [os.getloadavg()[0]]
        for _ in range(repeats):  # interleaved
            for key, fn, arg in fns:
                start, start_cpu = time.perf_counter(), time.process_time()
                jax.block_until_ready(fn(arg))
                wall[key].append(time.perf_counter() - start)
                cpu[key].append(time.process_time() - start_cpu)
            loads.append(os.getloadavg()[0])
        g1, l1 = after(fj)
        if baseline:
            g0, l0 = fns[0][1](fj)
            diff = f"{float(jnp.abs((g1 - l1) - (g0 - l0)).max() / jnp.abs(g0 - l0).max()):.1e}"
        t = {k: float(np.median(v)) for k, v in wall.items()}
        c = {k: float(np.median(v)) for k, v in cpu.items()}
        floor = min(c["jax_fft"], c["scipy_fft"])
        fl_before, fl_after = spectral_flops(col, n)
        rate = fl_after / t["after"] / 1e9
        rate_cpu = fl_after / c["after"] / 1e9  # per CPU-second: against one core's share of the peak
        label = kern.name if kern.isotropic else f"{kern.name} b ∝ {kern.angular}"
        before = (f"{c['before']:.3f} | {c['before'] / c['after']:.2f}" if baseline else "— | —")
        print(f"| {label} | {n} | {nr} | {col.sphere_points} | {before} | {c['after']:.3f} | "
              f"{c['jax_fft']:.3f} | {c['scipy_fft']:.3f} | **{c['after'] / floor:.2f}** | "
              f"{t['after']:.3f} | {t['after'] / min(t['jax_fft'], t['scipy_fft']):.2f} | "
              f"{fl_before / 1e9:.2f} / {fl_after / 1e9:.2f} | "
              f"{rate:.1f} ({100 * rate / peak:.1f} %) | "
              f"{rate_cpu:.1f} ({100 * rate_cpu * os.cpu_count() / peak:.1f} %) | {compile_s:.1f} | "
              f"{diff if baseline else '—'} | "
              f"{min(loads):.1f}–{max(loads):.1f} |", flush=True)


def spectral_memory(n, nr, degree):
    """XLA's compiled memory of one jitted Q (arguments + outputs + temporaries + constants, bytes)."""
    grid = sp.Grid(n, 8.0)
    col = sp.SpectralCollision(grid, kernels.maxwell(), radial_points=nr, sphere_degree=degree)
    mem = jax.jit(col).lower(jnp.zeros(grid.shape)).compile().memory_analysis()
    consts = sum(a.nbytes for a in (col._phases, col._last_plus, col._last_minus, col._gain, col._loss,
                                    col._modes_k))
    return mem.argument_size_in_bytes + mem.output_size_in_bytes + mem.temp_size_in_bytes + consts


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--peak-gflops", type=float, default=2 * 2.5 * 16,
                    help="nominal FP64 peak of the machine (default: 2 cores × 2.5 GHz × 16 flop/cycle)")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved repetitions (median reported)")
    ap.add_argument("--dsmc-only", action="store_true", help="skip the spectral benchmark")
    ap.add_argument("--spectral-only", action="store_true", help="skip the DSMC benchmark")
    ap.add_argument("--no-n64", action="store_true", help="spectral at N = 32 only")
    ap.add_argument("--floor-ratio", action="store_true",
                    help="spectral only: Maxwell Q against its FFT floor at N = 32 and 64, no before column")
    args = ap.parse_args()
    print(f"JAX {jax.__version__} on {jax.devices()[0].platform}, Numba {numba.__version__}, "
          f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.2f}\n")
    if not args.spectral_only:
        if args.quick:
            bench_dsmc(20_000, 0.05, 1)
        else:
            bench_dsmc(1_000_000, 0.05, args.repeat)
    if not args.dsmc_only:
        print("CPU s per Q: medians of the interleaved repeats (--repeat; N = 64: half as many; --quick: 1); "
              "floor = the faster of the FFTs alone (JAX, scipy.fft)")
        print("| kernel | N | N_ρ | M | before CPU s/Q | speed-up | after CPU s/Q | JAX FFTs CPU s "
              "| scipy FFTs CPU s | after / floor (CPU) | after wall s/Q | after / floor (wall) "
              "| GFLOP/Q before / after | after GFLOP/s wall (of peak) "
              "| after GFLOP per CPU s (of one core's peak) | compile s | max rel diff | load |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        maxwell_aniso = kernels.maxwell(angular=(1.0, 0.0, 1.0))
        if args.quick:
            bench_spectral(16, 8, 5, 1, args.peak_gflops, [kernels.maxwell()])
        elif args.floor_ratio:
            bench_spectral(32, 16, 11, args.repeat, args.peak_gflops, [kernels.maxwell()], baseline=False)
            bench_spectral(64, 32, 11, max(1, args.repeat // 2), args.peak_gflops, [kernels.maxwell()],
                           baseline=False)
        else:
            bench_spectral(32, 16, 11, args.repeat, args.peak_gflops,
                           [kernels.maxwell(), kernels.hard_sphere(), maxwell_aniso])
            if not args.no_n64:
                bench_spectral(64, 32, 11, max(1, args.repeat // 2), args.peak_gflops, [kernels.maxwell()])
        if not args.floor_ratio:
            sizes = [(16, 8), (32, 16)] if args.quick else [(32, 16), (48, 24), (64, 32)]
            print("\nspectral Q memory (XLA compiled: arguments, outputs, temporaries + the multipliers), "
                  "Maxwell, Lebedev 11:")
            for n, nr in sizes:
                print(f"  N = {n:3d}, N_ρ = {nr:2d}: {spectral_memory(n, nr, 11) / 2**20:8.1f} MiB")
    print(memory_line())


if __name__ == "__main__":
    main()
