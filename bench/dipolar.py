"""Benchmark of the dipolar solvent's electrostatics: cost per MD step against N, Ewald and SPME.

For N molecules (finite charges, q = 2, ℓ = 0.3, ρ = 0.5, random angles on a jittered lattice) at
accuracy δ = 1e-5 (target for the relative RMS error of the molecules' electrostatic forces;
``DipolarModel.ewald``) with the particle level's real-space cut-off r_c = 3, per N and
interleaved in one process:

* **long range**, for ``ewald_method = "ewald"`` and ``"pme"``: forces and torques of the
  long-range hook (reciprocal sum over 2N charges — Ewald or smooth particle mesh — self and
  intramolecular terms), ``jax.grad`` of :func:`bbgky.models.dipolar.long_range_energy`, jitted;
* **pairs**: forces and torques of the pair part on the particle level's Verlet list (Φ plus the
  real-space Ewald pairs, the same for both methods), and of Φ alone;
* **error**: the relative RMS difference of the long-range forces (and torques) of each method
  from an Ewald reciprocal sum with the same α and tails 1e-12, over the RMS total
  electrostatic force (torque) — the splitting's real-space part is common to all three;
* **NumPy reference**: the same Ewald reciprocal sum with analytic forces in vectorised NumPy
  (``f_a = -(q_a/ε0) Σ_k w_k k (S cos k·r_a − C sin k·r_a)``, wave vectors in chunks), checked
  against the JAX forces (N ≤ 3000).

Exponents are least-squares slopes of log(time) against log N. Compile time is excluded (one
warm-up call). Measured figures: docs/dipolar.md. Run:
``PYTHONPATH=src python bench/dipolar.py [--sizes 100 300 1000 3000 10000]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

import jax
import jax.numpy as jnp
import numpy as np
from _common import memory_line

from bbgky.models import dipolar as dp
from bbgky.models import electrostatics as es
from bbgky.particles import integrator, pairs
from bbgky.particles.simulation import Simulation
from bbgky.particles.state import System
from bbgky.precision import enable_float64


def _timed(fn, repeat):
    jax.block_until_ready(fn())
    t = time.perf_counter()
    for _ in range(repeat):
        jax.block_until_ready(fn())
    return (time.perf_counter() - t) / repeat


def numpy_reciprocal_forces(sites, charges, k, w, eps0, chunk=2000):
    """Energy and forces of the reciprocal sum, NumPy (the same sum as the JAX hook)."""
    energy, forces = 0.0, np.zeros_like(sites)
    for lo in range(0, len(k), chunk):
        kc, wc = k[lo:lo + chunk], w[lo:lo + chunk]
        phase = sites @ kc.T
        cos, sin = np.cos(phase), np.sin(phase)
        C, S = charges @ cos, charges @ sin
        energy += np.sum(wc * (C**2 + S**2)) / (2 * eps0)
        amp = wc * (S * cos - C * sin)  # [M, K]
        forces -= (charges[:, None] / eps0) * (amp @ kc)
    return energy, forces


def _rms_rel(a, b, scale):
    return float(jnp.sqrt(jnp.mean((a - b) ** 2) / jnp.mean(scale**2)))


def bench(n, repeat, numpy_max, ewald_max):
    rho, q = 0.5, 2.0
    side = (n / rho) ** 0.5
    cell = side * np.eye(2)
    rng = np.random.default_rng(1)
    m = int(np.ceil(np.sqrt(n)))
    grid = np.array([(i, j) for i in range(m) for j in range(m)][:n], float)
    x = jnp.asarray((grid + 0.5 + 0.2 * rng.uniform(-1, 1, (n, 2))) * side / m)
    th = jnp.asarray(rng.uniform(0, 2 * np.pi, n))
    H = jnp.asarray(cell)
    row = dict(n=n)

    def long_range(model, params):
        return jax.jit(jax.grad(lambda y, t: dp.long_range_energy(y, t, H, model, params),
                                argnums=(0, 1)))

    def pair_forces(pair):
        sysm = System.make(pair, np.zeros((2, 2)), cell, 0.005, method="verlet", inertia=0.0225)
        sim = Simulation(sysm)
        state = sim.prepare(integrator.new_state(x, 0 * x, sysm, orientation=th,
                                                 angular_velocity=0 * th))
        s2 = sim.system_for(state)
        return jax.jit(lambda y, t: pairs.forces_torques(s2, y, t, state.time, state.basis,
                                                         state.nbr))

    model = dp.DipolarModel(charge=q, bond_length=0.3, accuracy=1e-5)
    fns = {}
    for method in ("ewald", "pme"):
        mo = dataclasses.replace(model, ewald_method=method)
        params = mo.ewald(cell, particles=n)
        if method == "pme" or n <= ewald_max:
            fns[method] = long_range(mo, params)
        row[f"{method}_params"] = params
    exact = es.ewald_parameters(cell, 1e-12, alpha=params.alpha)
    fns["pairs"] = pair_forces(dp.oriented_pair(model, params))
    fns["phi"] = pair_forces(dp.oriented_pair(dp.DipolarModel(electrostatics="none"), None))
    # interleaved: one warm-up each, then rounds over all
    results = {key: fn(x, th) for key, fn in fns.items()}
    jax.block_until_ready(results)
    times = dict.fromkeys(fns, 0.0)
    for _ in range(repeat):
        for key, fn in fns.items():
            t = time.perf_counter()
            jax.block_until_ready(fn(x, th))
            times[key] += (time.perf_counter() - t) / repeat
    row.update(times)
    row["numpy"] = row["check"] = float("nan")
    for key in ("ewald", "pme"):
        row.setdefault(key, float("nan"))
        row[f"{key}_ferr"] = row[f"{key}_terr"] = float("nan")
    if n > ewald_max:  # the Ewald sum (and the reference for the errors) is too slow here
        return row
    ref_f, ref_t = long_range(model, exact)(x, th)
    pf, pt = results["pairs"]
    phf, pht = results["phi"]
    total_f, total_t = pf - phf - ref_f, pt - pht - ref_t  # electrostatic: pairs − Φ + long
    for method in ("ewald", "pme"):
        f, t = results[method]
        row[f"{method}_ferr"] = _rms_rel(f, ref_f, total_f)
        row[f"{method}_terr"] = _rms_rel(t, ref_t, total_t)
    if n <= numpy_max:
        params = row["ewald_params"]
        sites, charges = dp.charge_sites(x, th, q, 0.3)
        k, w = (np.asarray(a) for a in es.reciprocal_weights(H, params))
        keep = w > 0
        k, w = k[keep], w[keep]
        s_np, c_np = np.asarray(sites), np.asarray(charges)
        t0 = time.perf_counter()
        for _ in range(repeat):
            _, f_np = numpy_reciprocal_forces(s_np, c_np, k, w, 1.0)
        row["numpy"] = (time.perf_counter() - t0) / repeat
        g = jax.grad(lambda s: es.reciprocal_energy(s, charges, H, params))(sites)
        row["check"] = float(np.max(np.abs(f_np + np.asarray(g))) / np.max(np.abs(f_np)))
    return row


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000, 3000, 10000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--numpy-max", type=int, default=3000)
    ap.add_argument("--ewald-max", type=int, default=10000,
                    help="largest N timed with the Ewald sum (and checked against it)")
    args = ap.parse_args()
    enable_float64()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; JAX "
          f"{jax.__version__} {jax.default_backend()}", flush=True)
    print(f"{'N':>6} {'K ewald':>8} {'PME grid':>12} {'ewald s':>9} {'pme s':>9} {'pairs s':>9} "
          f"{'Φ s':>9} {'NumPy s':>9} {'NumPy/ewald':>11} {'ewald/pairs':>11} {'pme/pairs':>9} "
          f"{'pme/Φ':>7} {'f err ewald':>11} {'f err pme':>9} {'τ err pme':>9}", flush=True)
    rows = []
    for n in args.sizes:
        r = bench(n, args.repeat, args.numpy_max, args.ewald_max)
        rows.append(r)
        (g1, g2), order = r["pme_params"].mesh
        print(f"{r['n']:6d} {r['ewald_params'].n_modes:8d} {f'{g1}x{g2} p{order}':>12} "
              f"{r['ewald']:9.4f} {r['pme']:9.4f} {r['pairs']:9.4f} {r['phi']:9.4f} "
              f"{r['numpy']:9.4f} {r['numpy'] / r['ewald']:11.2f} {r['ewald'] / r['pairs']:11.2f} "
              f"{r['pme'] / r['pairs']:9.2f} {r['pme'] / r['phi']:7.2f} {r['ewald_ferr']:11.1e} "
              f"{r['pme_ferr']:9.1e} {r['pme_terr']:9.1e}  (NumPy check {r['check']:.1e}; load "
              f"{os.getloadavg()[0]:.1f})", flush=True)
    if len(rows) > 1:
        logn = np.log([r["n"] for r in rows])
        for key in ("ewald", "pme", "pairs", "phi", "numpy"):
            y = np.array([r[key] for r in rows])
            ok = np.isfinite(y)
            if ok.sum() > 1:
                slope = np.polyfit(logn[ok], np.log(y[ok]), 1)[0]
                print(f"exponent of {key}: {slope:.2f}")


if __name__ == "__main__":
    main()
    print(memory_line())
