"""Benchmark: Ω^(2,2)*(T*) of Lennard-Jones 12-6 at many temperatures, bbgky (vectorised JAX
quadrature) against a straightforward SciPy implementation of the same triple integral.

    python bench/transport.py                   # 100 temperatures in [0.5, 50]; SciPy on every 20th
    python bench/transport.py --scipy-every 1   # SciPy on all 100 (hours)
    python bench/transport.py --tables          # the verification tables only (no SciPy)

Both paths compute the same integrals (deflection angle in r, transport cross-section in b,
thermal average in E; see :mod:`bbgky.models.collision_integrals`); the SciPy path is nested
``scipy.integrate.quad`` with ``brentq`` turning points (``omega_star_reference``), one
temperature at a time. The JAX time is the whole set of temperatures after a warm-up call (the
compile time is printed separately); the SciPy time is measured on the subset and the ratio is
per temperature, both measured in this run on this machine. Accuracy: the maximum relative
difference between the two on the subset, and the JAX result against a run with doubled node
counts; plus the deviation from the Neufeld–Janzen–Aziz fit.
"""

from __future__ import annotations

import argparse
import time
import warnings

import jax

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402
from _common import memory_line  # noqa: E402

from bbgky.models.collision_integrals import neufeld_omega22, omega_star, omega_star_reference  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--temperatures", type=int, default=100)
    ap.add_argument("--tmin", type=float, default=0.5)
    ap.add_argument("--tmax", type=float, default=50.0)
    ap.add_argument("--scipy-every", type=int, default=20, help="SciPy on every k-th temperature")
    ap.add_argument("--epsrel", type=float, default=1e-6, help="SciPy quad relative tolerance")
    ap.add_argument("--tables", action="store_true", help="print the verification tables and stop")
    args = ap.parse_args()
    if args.tables:
        tables()
        return

    T = np.geomspace(args.tmin, args.tmax, args.temperatures)
    print(f"Ω^(2,2)* of LJ 12-6 at {T.size} temperatures in [{args.tmin}, {args.tmax}], "
          f"JAX {jax.__version__} on {jax.devices()[0].platform}")

    start = time.perf_counter()
    omega_star("lj", T[:1])
    compile_s = time.perf_counter() - start
    start = time.perf_counter()
    fast = omega_star("lj", T)[:, 0]
    jax_s = time.perf_counter() - start
    fine = omega_star("lj", T, n_r=96, n_psi=64, n_low=56, n_high=96)[:, 0]
    print(f"bbgky JAX : {jax_s:8.3f} s for {T.size} temperatures ({jax_s / T.size * 1e3:.2f} ms each); "
          f"first call incl. compile {compile_s:.2f} s")
    print(f"            max |rel. change| with doubled node counts: {np.max(np.abs(fast / fine - 1)):.2e}")

    idx = np.arange(0, T.size, max(args.scipy_every, 1))
    ref = np.empty(idx.size)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # quad's IntegrationWarnings near orbiting
        for k, i in enumerate(idx):
            ref[k] = omega_star_reference("lj", float(T[i]), epsrel=args.epsrel)
    scipy_s = time.perf_counter() - start
    per_scipy = scipy_s / idx.size
    per_jax = jax_s / T.size
    diff = np.abs(fast[idx] / ref - 1)
    print(f"SciPy quad: {scipy_s:8.3f} s for {idx.size} temperatures ({per_scipy:.2f} s each; "
          f"{per_scipy * T.size:.0f} s for all {T.size} at that rate), epsrel {args.epsrel:g}")
    print(f"speed-up per temperature (SciPy / JAX): {per_scipy / per_jax:.0f}x")
    print(f"max |rel. difference| JAX vs SciPy on the {idx.size} shared temperatures: {diff.max():.2e}")
    dev = fast / neufeld_omega22(T) - 1
    worst = np.max(np.abs(dev)) * 100
    print(f"max |deviation| from the Neufeld fit over [{args.tmin}, {args.tmax}]: {worst:.3f} %")
    print("\n   T*      Ω22* (JAX)    Ω22* (SciPy)   Neufeld   dev. from Neufeld")
    for k, i in enumerate(idx):
        print(f"{T[i]:8.4f}  {fast[i]:.7f}   {ref[k]:.7f}    {neufeld_omega22(T[i]):.5f}   "
              f"{dev[i] * 100:+.3f} %")


def tables() -> None:
    """Ω^(2,2)* of LJ against Neufeld, hard-sphere Sonine factors by order, IPL exponents."""
    from bbgky.models.transport import transport_coefficients

    T = np.concatenate([[0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9], np.geomspace(1.0, 50.0, 19)])
    res = transport_coefficients("lj", T, sonine_order=3)
    print("LJ 12-6, Sonine order 3 (reduced units)")
    print("   T*      Ω22*      Neufeld   deviation    f_μ(3)     f_λ(3)      μ*         λ*")
    for k, t in enumerate(T):
        nf = float(neufeld_omega22(t))
        print(f"{t:8.4f}  {res['omega22'][k]:.6f}  {nf:.6f}  {(res['omega22'][k] / nf - 1) * 100:+.3f} %  "
              f"{res['viscosity_factor'][k]:.6f}  {res['conductivity_factor'][k]:.6f}  "
              f"{res['viscosity'][k]:.6f}  {res['thermal_conductivity'][k]:.6f}")
    print("\nHard spheres: Sonine factors f^(N) (converged: 1.016034, 1.025218)")
    for order in range(1, 11):
        r = transport_coefficients("hard_sphere", [1.0], sonine_order=order)
        fm, fl = r["viscosity_factor"][0], r["conductivity_factor"][0]
        print(f"  N = {order:2d}: f_μ = {fm:.9f}   f_λ = {fl:.9f}")
    print("\nInverse power law ε(σ/r)^n: fitted exponent of μ(T*) over T* ∈ [0.2, 20] (theory 1/2 + 2/n)")
    Ti = np.geomspace(0.2, 20.0, 8)
    for n in (4.0, 6.0, 8.0, 12.0):
        r = transport_coefficients("ipl", Ti, sonine_order=3, exponent=n)
        slope = np.polyfit(np.log(Ti), np.log(r["viscosity"]), 1)[0]
        fm = r["viscosity_factor"][0]
        print(f"  n = {n:4.1f}: {slope:.10f}  (theory {0.5 + 2 / n:.10f}), f_μ(3) = {fm:.6f}")


if __name__ == "__main__":
    main()
    print(memory_line())
