"""Vlasov level speed: phase-space cell updates per second, bbgky (JAX) against a NumPy/SciPy
implementation of the same scheme, side by side in one invocation; and particle-mesh pushes/s.

Scheme (both codes): Vlasov–Poisson, Landau initial data (k = 0.5, α = 0.01), Strang splitting
with adjacent half streams fused (one x sweep and one v sweep per step), every sweep a translation
by the periodic cubic B-spline interpolant, Poisson field by FFT. bbgky applies each translation
as a Fourier multiplier (two real FFTs per sweep, jitted ``lax.scan``); the reference prefilters
with ``scipy.ndimage.spline_filter1d(mode="grid-wrap")`` and evaluates the 4-point B-spline at
the foot points with vectorised NumPy gathers — the textbook semi-Lagrangian implementation (A);
a second reference (B) applies bbgky's own algorithm, the Fourier multiplier, with SciPy FFTs. All
produce the same numbers (max differences printed). Reference FFTs use ``scipy.fft`` with all
cores (``workers``), JAX its default CPU thread pool; both float64.

A cell update = one phase-space point advanced by one full time step. Compile time = first call
minus a warm call of the same chunk. Run:

    .venv/bin/python bench/vlasov.py [--quick] [--steps N]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import scipy.fft as sfft
from _common import memory_line
from scipy import ndimage

WORKERS = os.cpu_count() or 1


# -- the NumPy/SciPy reference ------------------------------------------------------------------

def _weights(a):
    b = 1.0 - a
    return (b ** 3 / 6, (4 - 6 * a * a + 3 * a ** 3) / 6, (4 - 6 * b * b + 3 * b ** 3) / 6, a ** 3 / 6)


def np_symbol(n, ndim, delta, axis):
    """Fourier multiplier of the cubic-spline translation by δ (bbgky's algorithm, in NumPy)."""
    shape = [1] * ndim
    shape[axis] = n // 2 + 1
    theta = (2 * np.pi * np.arange(n // 2 + 1) / n).reshape(shape)
    m = np.floor(delta)
    w = _weights(delta - m)
    e = np.exp(-1j * theta)
    sym = np.exp(-1j * theta * m) * (w[0] / e + w[1] + w[2] * e + w[3] * e * e)
    return sym / ((4 + 2 * np.cos(theta)) / 6)


def np_translate_fft(f, delta, axis, symbol=None):
    """The translation as a Fourier multiplier with SciPy FFTs (``symbol`` precomputed or built)."""
    n = f.shape[axis]
    sym = np_symbol(n, f.ndim, delta, axis) if symbol is None else symbol
    return sfft.irfft(sfft.rfft(f, axis=axis, workers=WORKERS) * sym, n=n, axis=axis, workers=WORKERS)


def np_translate(f, delta, axis):
    """f(z − δ) along ``axis`` with the periodic cubic spline (δ broadcasts against f, size 1 on axis)."""
    n = f.shape[axis]
    c = ndimage.spline_filter1d(f, order=3, axis=axis, mode="grid-wrap")
    shape = [1] * f.ndim
    shape[axis] = n
    p = np.arange(n).reshape(shape) - delta  # foot points in grid units
    base = np.floor(p)
    w = _weights(p - base)
    base = base.astype(np.int64)
    out = np.zeros(np.broadcast_shapes(f.shape, p.shape))
    for j, wj in zip((-1, 0, 1, 2), w, strict=True):
        idx = np.mod(base + j, n)
        out += wj * np.take_along_axis(c, np.broadcast_to(idx, out.shape), axis=axis)
    return out


class NumpyVlasovPoisson:
    """Same splitting and interpolant as bbgky's VlasovSolver (Strang, cubic spline, Coulomb)."""

    def __init__(self, grid, dt, method="spline"):
        self.g, self.dt, self.d = grid, dt, grid.dimension
        self.translate = np_translate if method == "spline" else np_translate_fft
        self.symbols: dict = {}
        ks = [2 * np.pi * (np.fft.rfftfreq(n, d=L / n) if i == self.d - 1 else np.fft.fftfreq(n, d=L / n))
              for i, (n, L) in enumerate(zip(grid.n_x, grid.lengths, strict=True))]
        K = np.meshgrid(*ks, indexing="ij")
        k2 = sum(k * k for k in K)
        self.uk = np.where(k2 > 0, 1.0 / np.where(k2 > 0, k2, 1.0), 0.0)
        self.kd = [np.where(np.isclose(np.abs(k), np.pi * n / L), 0.0, k)
                   for k, n, L in zip(K, grid.n_x, grid.lengths, strict=True)]
        _, self.vs = grid.phase_mesh()

    def stream(self, f, c):
        for i in range(self.d):
            delta = self.vs[i] * c * self.dt / self.g.dx[i]
            if self.translate is np_translate:
                f = np_translate(f, delta, i)
            else:  # the streaming multipliers are constants: cached, as bbgky does
                key = (i, c)
                if key not in self.symbols:
                    self.symbols[key] = np_symbol(f.shape[i], f.ndim, delta, i)
                f = np_translate_fft(f, delta, i, self.symbols[key])
        return f

    def kick(self, f, tau):
        d = self.d
        n = f.sum(axis=tuple(range(d, 2 * d))) * self.g.cell_v
        phi = self.uk * sfft.rfftn(n, workers=WORKERS)
        for i in range(d):
            a = sfft.irfftn(-1j * self.kd[i] * phi, s=self.g.n_x, workers=WORKERS)
            delta = a.reshape(a.shape + (1,) * d) * (tau / self.g.dv[i])
            f = self.translate(f, delta, d + i)
        return f

    def advance(self, f, n):
        f = self.stream(f, 0.5)
        for k in range(n):
            f = self.kick(f, self.dt)
            f = self.stream(f, 1.0 if k < n - 1 else 0.5)
        return f


# -- the benchmark -----------------------------------------------------------------------------

def bench_grid(shape, steps, np_steps, repeat, np_repeat):
    """Best-of timings, the codes interleaved (the machine is shared: noise hits all alike)."""
    import jax

    from bbgky.kinetic.vlasov.grid import PhaseGrid
    from bbgky.kinetic.vlasov.initial import InitialLaw
    from bbgky.kinetic.vlasov.kernels import coulomb
    from bbgky.kinetic.vlasov.solver import VlasovModel, VlasovSolver

    k = 0.5
    grid = PhaseGrid.from_shape(shape, 2 * np.pi / k, 6.0)
    d = grid.dimension
    dt = 0.1
    f0 = InitialLaw("landau", d, amplitude=0.01, wavenumber=k).on_grid(grid)
    solver = VlasovSolver(VlasovModel(grid, coulomb(d, grid.lengths), "cubic_spline", "strang"), dt)
    st0 = solver.init(f0)
    t = time.perf_counter()
    jax.block_until_ready(solver.advance(st0, steps))
    first = time.perf_counter() - t
    refs = {m: NumpyVlasovPoisson(grid, dt, m) for m in ("spline", "fft")}
    best = {"jax": np.inf, "spline": np.inf, "fft": np.inf}
    results = {}
    for r in range(repeat):
        t = time.perf_counter()
        jax.block_until_ready(solver.advance(st0, steps))
        best["jax"] = min(best["jax"], time.perf_counter() - t)
        if r < np_repeat:
            for m, ref in refs.items():
                t = time.perf_counter()
                results[m] = ref.advance(np.asarray(f0), np_steps)
                best[m] = min(best[m], time.perf_counter() - t)
    check = np.asarray(solver.advance(st0, np_steps).f)
    res = {"grid": "×".join(map(str, shape)), "jax": grid.cells * steps / best["jax"],
           "compile_s": first - best["jax"]}
    for m in refs:
        res[m] = grid.cells * np_steps / best[m]
        res[f"diff_{m}"] = np.abs(check - results[m]).max() / np.abs(results[m]).max()
    return res


def bench_pm(n_particles, steps, repeat, mesh=256):
    import jax

    from bbgky.kinetic.vlasov.initial import InitialLaw
    from bbgky.kinetic.vlasov.kernels import coulomb
    from bbgky.kinetic.vlasov.particles import MeanFieldParticles

    k = 0.5
    L = (2 * np.pi / k,)
    p = MeanFieldParticles(coulomb(1, L), n_particles, 1.0, 0.1, method="mesh", mesh=(mesh,))
    st = p.init(jax.random.key(0), InitialLaw("landau", 1, amplitude=0.5, wavenumber=k))
    t = time.perf_counter()
    jax.block_until_ready(p.advance(st, steps))
    first = time.perf_counter() - t
    # NumPy reference of the same leapfrog: bincount deposit, FFT field, CIC gather
    h = L[0] / mesh
    kk = 2 * np.pi * np.fft.rfftfreq(mesh, d=h)
    uk = np.where(kk > 0, 1 / np.where(kk > 0, kk * kk, 1), 0) * np.where(np.isclose(kk, np.pi / h), 0, kk)
    w = 1.0 * L[0] / n_particles / h

    def acc(x):
        s = x / h
        i0 = np.floor(s).astype(np.int64)
        fr = s - i0
        i0 %= mesh
        i1 = (i0 + 1) % mesh
        n = np.bincount(i0, 1 - fr, mesh) + np.bincount(i1, fr, mesh)
        a = sfft.irfft(-1j * uk * sfft.rfft(n * w), n=mesh)
        return a[i0] * (1 - fr) + a[i1] * fr

    def numpy_run():
        x, v = np.asarray(st.x)[:, 0].copy(), np.asarray(st.v)[:, 0].copy()
        a = acc(x)
        for _ in range(steps):
            v += 0.05 * a
            x = np.mod(x + 0.1 * v, L[0])
            a = acc(x)
            v += 0.05 * a
        return x

    warm = t_np = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        xj = jax.block_until_ready(p.advance(st, steps)).x
        warm = min(warm, time.perf_counter() - t)
        t = time.perf_counter()
        xn = numpy_run()
        t_np = min(t_np, time.perf_counter() - t)
    dx = np.abs(np.asarray(xj)[:, 0] - xn)
    return {"jax": n_particles * steps / warm, "numpy": n_particles * steps / t_np,
            "compile_s": first - warm, "diff": float(np.minimum(dx, L[0] - dx).max())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="512² and 1024² only, fewer steps")
    ap.add_argument("--steps", type=int, default=20, help="JAX steps per timed chunk")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from bbgky.precision import enable_float64

    enable_float64()
    import jax

    print(f"bbgky Vlasov benchmark — JAX {jax.__version__} on {jax.devices()[0].platform}, "
          f"{WORKERS} CPU cores, float64")
    print("reference A: SciPy spline_filter1d + NumPy 4-point gathers; reference B: NumPy/SciPy FFT "
          "multipliers (bbgky's own algorithm)")
    print(f"{'grid':>14} {'bbgky cells/s':>14} {'A cells/s':>11} {'ratio A':>8} {'B cells/s':>11} "
          f"{'ratio B':>8} {'compile s':>10} {'max rel diff A, B':>18}")
    cases = [([512, 512], args.steps, 4, args.repeat), ([1024, 1024], args.steps, 2, args.repeat)]
    if not args.quick:
        cases.append(([64, 64, 64, 64], max(2, args.steps // 5), 1, 1))
    for shape, steps, np_steps, np_repeat in cases:
        r = bench_grid(shape, steps, np_steps, args.repeat, np_repeat)
        print(f"{r['grid']:>14} {r['jax']:14.3e} {r['spline']:11.3e} {r['jax'] / r['spline']:7.2f}× "
              f"{r['fft']:11.3e} {r['jax'] / r['fft']:7.2f}× {r['compile_s']:10.2f} "
              f"{r['diff_spline']:9.1e},{r['diff_fft']:8.1e}")
    n = 100_000 if args.quick else 1_000_000
    r = bench_pm(n, 10, args.repeat)
    print(f"\nparticle-mesh (1D, CIC, 256 cells), N = {n:.0e}: bbgky {r['jax']:.3e} pushes/s, "
          f"NumPy {r['numpy']:.3e} pushes/s, ratio {r['jax'] / r['numpy']:.2f}×, "
          f"compile {r['compile_s']:.2f} s, max |Δx| {r['diff']:.1e}")


if __name__ == "__main__":
    main()
    print(memory_line())
