"""Benchmark of the dipolar solvent's electrostatics: cost per MD step against N.

For N molecules (finite charges, q = 2, ℓ = 0.3, ρ = 0.5, random angles on a jittered lattice) at
Ewald accuracy δ = 1e-5 (relative force error below δ, docs/dipolar.md) with the particle level's
real-space cut-off r_c = 3:

* **long range**: forces and torques of the long-range hook (reciprocal sum over 2N charges,
  self and intramolecular terms), ``jax.grad`` of :func:`bbgky.models.dipolar.long_range_energy`,
  jitted;
* **short range**: forces and torques of the pair part on the particle level's Verlet list
  (Φ plus the real-space Ewald pairs; :func:`bbgky.particles.pairs.forces_torques` without the
  hook), and, for the ratio the issue asks, of Φ alone;
* **NumPy reference**: the same reciprocal sum with analytic forces in vectorised NumPy
  (``f_a = -(q_a/ε0) Σ_k w_k k (S cos k·r_a − C sin k·r_a)``), checked against the JAX forces.

Measured (load average 13 on 2 cores), docs/dipolar.md: NumPy/JAX 3.3, 5.4, 10.6, 18.7 at
N = 100, 300, 1000, 3000; long/pairs 6–19 (≈ 11 at N ≥ 1000); exponents long 1.20, pairs 1.08,
NumPy 1.71.

Exponents are least-squares slopes of log(time) against log N. Compile time is excluded (one
warm-up call). Run: ``PYTHONPATH=src python bench/dipolar.py [--sizes 100 300 1000 3000]``.
"""

from __future__ import annotations

import argparse
import os
import time

import jax
import jax.numpy as jnp
import numpy as np

from bbgky.models import dipolar as dp
from bbgky.models import electrostatics as es
from bbgky.particles import integrator, pairs
from bbgky.particles.state import System
from bbgky.precision import enable_float64


def _timed(fn, repeat):
    jax.block_until_ready(fn())
    t = time.perf_counter()
    for _ in range(repeat):
        jax.block_until_ready(fn())
    return (time.perf_counter() - t) / repeat


def numpy_reciprocal_forces(sites, charges, k, w, eps0):
    """Energy and forces of the reciprocal sum, NumPy (the same sum as the JAX hook)."""
    phase = sites @ k.T
    cos, sin = np.cos(phase), np.sin(phase)
    C, S = charges @ cos, charges @ sin
    energy = np.sum(w * (C**2 + S**2)) / (2 * eps0)
    amp = w * (S * cos - C * sin)  # [M, K]
    forces = -(charges[:, None] / eps0) * (amp @ k)
    return energy, forces


def bench(n, repeat):
    rho, q = 0.5, 2.0
    side = (n / rho) ** 0.5
    cell = side * np.eye(2)
    rng = np.random.default_rng(1)
    m = int(np.ceil(np.sqrt(n)))
    grid = np.array([(i, j) for i in range(m) for j in range(m)][:n], float)
    x = jnp.asarray((grid + 0.5 + 0.2 * rng.uniform(-1, 1, (n, 2))) * side / m)
    th = jnp.asarray(rng.uniform(0, 2 * np.pi, n))
    model = dp.DipolarModel(charge=q, bond_length=0.3, accuracy=1e-5)
    params = model.ewald(cell)
    H = jnp.asarray(cell)
    lr = jax.jit(jax.grad(lambda y, t: dp.long_range_energy(y, t, H, model, params),
                          argnums=(0, 1)))
    t_long = _timed(lambda: lr(x, th), repeat)

    def pair_time(pair):
        sysm = System.make(pair, np.zeros((2, 2)), cell, 0.005, method="verlet", inertia=0.0225)
        from bbgky.particles.simulation import Simulation

        sim = Simulation(sysm)
        state = sim.prepare(integrator.new_state(x, 0 * x, sysm, orientation=th,
                                                 angular_velocity=0 * th))
        s2 = sim.system_for(state)
        f = jax.jit(lambda y, t: pairs.forces_torques(s2, y, t, state.time, state.basis,
                                                      state.nbr))
        return _timed(lambda: f(x, th), repeat)

    t_pairs = pair_time(dp.oriented_pair(model, params))
    t_phi = pair_time(dp.oriented_pair(dp.DipolarModel(electrostatics="none"), None))
    sites, charges = dp.charge_sites(x, th, q, 0.3)
    k, w = (np.asarray(a) for a in es.reciprocal_weights(H, params))
    keep = w > 0
    k, w = k[keep], w[keep]
    s_np, c_np = np.asarray(sites), np.asarray(charges)
    t0 = time.perf_counter()
    for _ in range(repeat):
        _, f_np = numpy_reciprocal_forces(s_np, c_np, k, w, 1.0)
    t_np = (time.perf_counter() - t0) / repeat
    g = jax.grad(lambda s: es.reciprocal_energy(s, charges, H, params))(sites)
    err = float(np.max(np.abs(f_np + np.asarray(g))) / np.max(np.abs(f_np)))
    return dict(n=n, modes=int(keep.sum()), long=t_long, pairs=t_pairs, phi=t_phi, numpy=t_np,
                check=err)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000, 3000])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    enable_float64()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; JAX "
          f"{jax.__version__} {jax.default_backend()}")
    print(f"{'N':>6} {'K':>7} {'long s':>9} {'pairs s':>9} {'Φ only s':>9} {'NumPy s':>9} "
          f"{'NumPy/JAX':>9} {'long/pairs':>10} {'long/Φ':>8} {'|Δf|':>8}")
    rows = [bench(n, args.repeat) for n in args.sizes]
    for r in rows:
        print(f"{r['n']:6d} {r['modes']:7d} {r['long']:9.4f} {r['pairs']:9.4f} {r['phi']:9.4f} "
              f"{r['numpy']:9.4f} {r['numpy'] / r['long']:9.2f} {r['long'] / r['pairs']:10.2f} "
              f"{r['long'] / r['phi']:8.2f} {r['check']:8.1e}")
    if len(rows) > 1:
        logn = np.log([r["n"] for r in rows])
        for key in ("long", "pairs", "numpy"):
            slope = np.polyfit(logn, np.log([r[key] for r in rows]), 1)[0]
            print(f"exponent of {key}: {slope:.2f}")


if __name__ == "__main__":
    main()
