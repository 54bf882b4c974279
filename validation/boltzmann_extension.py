"""Planar and uniaxial extension of Maxwell molecules: DSMC, spectral and BGK against the moment ODE.

For Maxwell molecules the second moments obey the closed ODE
``dP/dt + LP + PLᵀ + tr(L)P = −ν(P − pI)``, ν = (3/4)ρ(t)Λ (:mod:`bbgky.kinetic.boltzmann.moments`),
L = A(I + tA)⁻¹, ρ = ρ0/det(I + tA). Every solver of the homo-energetic Boltzmann equation must
reproduce it; BGK does so exactly because its frequency ν = ρθ/μ(θ) with the Maxwell-molecule
viscosity μ = 4θ/(3Λ) *is* (3/4)ρΛ (:mod:`bbgky.kinetic.boltzmann.bgk`).

Set-up: isotropic Maxwell molecules (b = 1/(4π), ν = ρ/2), ρ0 = θ0 = 1, Maxwellian start,
A = rate·diag(1, −1, 0) (planar) or rate·diag(1, −1/2, −1/2) (uniaxial), rate = a*·ν0.
Printed: the relative error of θ(t) and the errors of P_xx/p, P_yy/p at a few times; DSMC with the
standard error over replicas (ratios per replica, then mean ± s.e.).

Measured (2 cores; a* = 1, t = 0.4 / 0.8 / 1.2; errors of θ relative, of P_xx/p, P_yy/p absolute):

* DSMC 8 × 50 000, Δt = 0.02: every entry within 2.3 standard errors (|θ| error ≤ 7e-4 ± 6e-4,
  ratios ≤ 1.8e-3 ± 0.8e-3); 11 s (planar), 5 s (uniaxial).
* BGK, L = 8, planar: max error 5e-6 / 1.9e-3 / 0.20 at N = 32, 8e-10 / 1.9e-5 / 1.7e-2 at
  N = 40, 1.5e-9 / 7e-8 / 1.1e-3 at N = 48 (uniaxial at N = 48: 1.3e-9 / 3.1e-9 / 7e-6).
* Spectral, degree 11, L = 8, N = 32: 1e-5 / 1.7e-3 / 0.15 (planar), 5e-6 / 4e-4 / 1.1e-2
  (uniaxial); 200 s a flow. With L = 6 the error stalls at 5e-4 at t = 0.4 for N = 24 and 32:
  the relative-speed cut-off R = L drops the pairs with |g| > 6√θ.

The grid follows θ, not the anisotropy: extension compresses one velocity axis (P_xx/p = 0.33 at
t = 1.2 in planar extension), whose width falls towards the mesh size, so a fixed N loses accuracy
with time (the grid methods converge spectrally in N at every time). The level's boundary-mass
check stops a run whose distribution leaves the box, but not an under-resolved compressed axis.

Run: ``.venv/bin/python validation/boltzmann_extension.py`` (defaults: DSMC 8 × 50 000, spectral
and BGK N = 32, L = 8; about 8 min on 2 cores); ``--method bgk --grid 32 40 48`` for the
convergence of the grid, ``--extent 6 --grid 24 32`` for the truncation plateau.
"""

from __future__ import annotations

import argparse
import math
import time

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

from bbgky.kinetic.boltzmann import bgk  # noqa: E402
from bbgky.kinetic.boltzmann import dsmc as ds  # noqa: E402
from bbgky.kinetic.boltzmann import moments as mo  # noqa: E402
from bbgky.kinetic.boltzmann import spectral as sp  # noqa: E402
from bbgky.models import flows, kernels  # noqa: E402

KERNEL = kernels.maxwell()
NU0 = KERNEL.stress_relaxation_rate(1.0)


def summary(P):
    """(θ, P_xx/p, P_yy/p) of pressure tensors [..., 3, 3] at unit reference density (θ ∝ tr P)."""
    p = np.trace(P, axis1=-2, axis2=-1) / 3
    return np.stack([p, P[..., 0, 0] / p, P[..., 1, 1] / p], axis=-1)


def reference(A, times):
    """Moment-ODE (θ, P_xx/p, P_yy/p) at ``times`` (θ = p/ρ)."""
    sol = mo.solve_second_moments(np.eye(3), A, 1.0, np.concatenate([[0.0], times]), mo.maxwell_rate(KERNEL))
    out = summary(sol.pressure_tensor[1:])
    out[:, 0] = sol.temperature[1:]
    return out


def run_dsmc(A, times, samples, replicas, dt=0.02, seed=3, backend="numba"):
    """Mean and standard error over replicas of (θ, P_xx/p, P_yy/p) at ``times``."""
    cfg = ds.DSMCConfig(n=samples, A=tuple(map(tuple, A)), rho0=1.0, dt_max=dt,
                        density_bound=max(1 / np.linalg.det(np.eye(3) + t * A) for t in times))
    ens = ds.Ensemble(ds.DSMC(KERNEL, cfg), backend)
    states = ens.init(jax.random.PRNGKey(seed), ds.maxwellian_sampler(np.eye(3)), replicas)
    mean, err = [], []
    for t in times:
        states = ens.advance_to(states, t)
        obs = ens._obs(states)  # per replica
        per = summary(np.asarray(obs["pressure_tensor"]))
        per[:, 0] = np.asarray(obs["temperature"])
        mean.append(per.mean(0))
        err.append(per.std(0, ddof=1) / math.sqrt(replicas))
    assert np.all(np.asarray(states.status) == 0)
    return np.array(mean), np.array(err)


def run_grid(A, times, n, extent, method="spectral", dt=0.02, degree=11):
    """(θ, P_xx/p, P_yy/p) at ``times`` from the spectral or the BGK solver on an n³ grid."""
    grid = sp.Grid(n, extent)
    col = (bgk.BGKCollision(grid, KERNEL) if method == "bgk"
           else sp.SpectralCollision(grid, KERNEL, radial_points=max(8, n // 2), sphere_degree=degree))
    solver = sp.HomoEnergeticSolver(grid, col, A, 1.0, KERNEL.gamma)
    x = grid.mesh()
    state = solver.init((2 * math.pi) ** -1.5 * np.exp(-(x**2).sum(0) / 2))
    out = []
    for t in times:
        state = solver.advance(state, round((t - float(state.t)) / dt), dt)
        P = np.asarray(sp.grid_moments(state.G, grid)[2]) * math.exp(2 * float(state.log_c))
        out.append(summary(P))  # θ = c² tr(P_G)/3: ∫G = 1, so ρ drops out
    return np.array(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--method", nargs="+", default=["dsmc", "spectral", "bgk"],
                    choices=["dsmc", "spectral", "bgk"])
    ap.add_argument("--flow", nargs="+", default=["planar_extension", "uniaxial_extension"],
                    choices=["planar_extension", "uniaxial_extension"])
    ap.add_argument("--a-star", type=float, default=1.0, help="rate / ν0")
    ap.add_argument("--times", nargs="+", type=float, default=[0.4, 0.8, 1.2])
    ap.add_argument("--samples", type=int, default=50_000)
    ap.add_argument("--replicas", type=int, default=8)
    ap.add_argument("--grid", nargs="+", type=int, default=[32], help="spectral/bgk: N (rows for each)")
    ap.add_argument("--extent", type=float, default=8.0, help="spectral/bgk: box half-width L in units of c")
    ap.add_argument("--sphere-degree", type=int, default=11)
    ap.add_argument("--dt", type=float, default=0.02)
    args = ap.parse_args()
    times = np.array(args.times)
    print("| flow | method | t | θ/θ0 (ODE) | rel. err. θ | P_xx/p (ODE) | err. P_xx/p | P_yy/p (ODE) | "
          "err. P_yy/p |")
    print("|---|---|---|---|---|---|---|---|---|")
    for flow in args.flow:
        A = flows.velocity_gradient(flow, 3, args.a_star * NU0)
        ref = reference(A, times)
        runs = [(m, None) for m in args.method if m == "dsmc"]
        runs += [(m, n) for m in args.method if m != "dsmc" for n in args.grid]
        for method, n in runs:
            start = time.perf_counter()
            if method == "dsmc":
                val, se = run_dsmc(A, times, args.samples, args.replicas, args.dt)
                label = f"dsmc {args.replicas}×{args.samples}"
            else:
                val, se = run_grid(A, times, n, args.extent, method, args.dt, args.sphere_degree), None
                label = f"{method} N={n}"
            wall = time.perf_counter() - start
            for k, t in enumerate(times):
                d = val[k] - ref[k]
                e = ["" if se is None else f" ± {se[k, j] / (ref[k, 0] if j == 0 else 1):.1e}"
                     for j in range(3)]
                print(f"| {flow} | {label} | {t:g} | {ref[k, 0]:.6f} | {d[0] / ref[k, 0]:+.2e}{e[0]} | "
                      f"{ref[k, 1]:.6f} | {d[1]:+.2e}{e[1]} | {ref[k, 2]:.6f} | {d[2]:+.2e}{e[2]} |",
                      flush=True)
            print(f"<!-- {flow} {label}: {wall:.1f} s -->", flush=True)


if __name__ == "__main__":
    main()
