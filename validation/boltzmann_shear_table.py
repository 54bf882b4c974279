"""Homo-energetic simple shear of Maxwell molecules against the docs/references.md table.

Table (docs/references.md): for a* = a/ν (ν = (3/4)ρΛ = ρ/2 for b = 1/(4π)) the temperature grows as
e^{λt}, λ* = λ/ν, and the stress ratios P_xy/p, P_xx/p, P_yy/p tend to constants.

* ``moments`` — the exact second-moment ODE from a Maxwellian to νt = 40; λ* from the slope of
  ln θ over the last quarter, ratios at the end. Target 0.1 %.
* ``dsmc`` — from a Maxwellian, ``--samples`` × ``--replicas`` simulators to νt = 15; λ* from a
  least-squares fit of ln θ over νt ∈ [10, 15], ratios averaged over the snapshots in that window
  (errors: standard error over replicas). Target 1 %.
* ``spectral`` — the fast spectral method (N = ``--grid``, box ``--extent`` √θ = R, Lebedev
  degree ``--sphere-degree``) started from the anisotropic Maxwellian with the table's asymptotic
  P (the second moments of Maxwell molecules are closed, so that P is already on the asymptotic
  ray: the test is that the solver keeps it there and grows θ at the right rate); λ* from ln θ
  over νt ∈ [0, 2·``--span``], ratios at the end. Target 0.1 %. N = 32, L = 9, degree 17 meet
  it at a* ≤ 1; a* = 2 needs N ≥ 40 (48), L ≥ 9 (10), degree ≥ 29 (the sheared profile's fine
  structure and the relative-speed cut-off: validation/boltzmann_spectral_resolution.py).
  Measured (``--method spectral --a-star 2 --grid 40 --extent 9 --sphere-degree 29 --span 0.25
  --dt 0.025``, 19 min): λ* −4.4e-4, P_xy/p −7.4e-4, P_xx/p +4.0e-4, P_yy/p −6.4e-4 at νt = 0.5.

``--dimension 2``: the same with 2D velocities (b = 1/(2π), ν = ρΛ = ρ/2; moments and dsmc); the
"table" column is then the exact asymptotics of λ*(1+λ*)² = a*² (:mod:`bbgky.kinetic.boltzmann.moments`),
P_xx/p = (1+2λ*)/(1+λ*) — no docs/references.md table exists in 2D.

Run: ``.venv/bin/python validation/boltzmann_shear_table.py --method moments dsmc`` (DSMC: about
1 min per a* on 2 cores at 4 × 10⁵); ``--method spectral`` (N = 32: several minutes per a*).
"""

from __future__ import annotations

import argparse
import math
import time

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

from bbgky.kinetic.boltzmann import dsmc as ds  # noqa: E402
from bbgky.kinetic.boltzmann import moments as mo  # noqa: E402
from bbgky.kinetic.boltzmann import selfsimilar as ss  # noqa: E402
from bbgky.kinetic.boltzmann import spectral as sp  # noqa: E402
from bbgky.models import flows, kernels  # noqa: E402

TABLE = {0.1: (0.006580, -0.09870, 1.0131, 0.9935), 0.5: (0.1304, -0.3913, 1.2308, 0.8846),
         1.0: (0.3603, -0.5404, 1.5297, 0.7351), 2.0: (0.8121, -0.6091, 1.8963, 0.5518)}
KERNEL = kernels.maxwell()
NU = KERNEL.stress_relaxation_rate(1.0)  # = 1/2 in 2D too (b = 1/(2π))


def ratios(P):
    p = np.trace(P) / P.shape[-1]
    return P[0, 1] / p, P[0, 0] / p, P[1, 1] / p


def run_moments(a_star, d=3):
    kern = kernels.maxwell(dimension=d)
    A = flows.velocity_gradient("simple_shear", d, a_star * NU)
    t = np.linspace(0, 40 / NU, 4001)
    sol = mo.solve_second_moments(np.eye(d), A, 1.0, t, mo.maxwell_rate(kern))
    k = 3 * len(t) // 4
    lam = np.polyfit(t[k:], np.log(sol.temperature[k:]), 1)[0] / NU
    return (lam, *ratios(sol.pressure_tensor[-1])), None


def run_dsmc(a_star, samples, replicas, dt, seed=11, d=3):
    A = flows.velocity_gradient("simple_shear", d, a_star * NU)
    cfg = ds.DSMCConfig(n=samples, A=tuple(map(tuple, A)), rho0=1.0, dt_max=dt)
    ens = ds.Ensemble(ds.DSMC(kernels.maxwell(dimension=d), cfg))
    states = ens.init(jax.random.PRNGKey(seed), ds.maxwellian_sampler(np.eye(d)), replicas)
    times = np.arange(10, 15.01, 0.5) / NU
    states = ens.advance_to(states, times[0])
    per_replica = []
    snaps = []
    for t in times:
        states = ens.advance_to(states, t)
        o = ens._obs(states)  # per-replica observables
        snaps.append((np.asarray(o["pressure_tensor"]), np.asarray(o["temperature"])))
    P = np.stack([s[0] for s in snaps], 1)          # [R, T, d, d]
    th = np.stack([s[1] for s in snaps], 1)         # [R, T]
    for r in range(P.shape[0]):
        lam = np.polyfit(times, np.log(th[r]), 1)[0] / NU
        rat = np.mean([ratios(P[r, k]) for k in range(P.shape[1])], axis=0)
        per_replica.append((lam, *rat))
    per_replica = np.array(per_replica)
    assert np.all(np.asarray(states.status) == 0)
    return per_replica.mean(0), per_replica.std(0, ddof=1) / math.sqrt(len(per_replica))


def run_spectral(a_star, n, extent, span, dt, degree):
    problem = ss.shear_ray_problem(a_star, n, extent, degree, radial_points=n // 2)
    grid, solver = problem.grid, problem.solver
    state = solver.init(problem.G0)
    t_end = 2 * span
    ts, lnth = [0.0], [math.log(float(np.trace(sp.grid_moments(state.G, grid)[2])))]
    steps = round(0.25 / dt)
    while float(state.t) < t_end - 1e-9:
        state = solver.advance(state, steps, dt)
        m = sp.grid_moments(state.G, grid)
        ts.append(float(state.t))
        lnth.append(2 * float(state.log_c) + math.log(float(np.trace(m[2]))))
    lam = np.polyfit(ts, lnth, 1)[0] / NU
    P = np.asarray(sp.grid_moments(state.G, grid)[2])
    return (lam, *ratios(P)), None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--method", nargs="+", default=["moments", "dsmc"],
                    choices=["moments", "dsmc", "spectral"])
    ap.add_argument("--a-star", nargs="+", type=float, default=[0.5, 1.0, 2.0])
    ap.add_argument("--samples", type=int, default=100_000)
    ap.add_argument("--replicas", type=int, default=4)
    ap.add_argument("--dt", type=float, default=0.02)
    ap.add_argument("--grid", type=int, default=32)
    ap.add_argument("--extent", type=float, default=9.0)
    ap.add_argument("--sphere-degree", type=int, default=17, help="spectral: Lebedev exactness degree")
    ap.add_argument("--span", type=float, default=1.0, help="spectral: run to νt = 2·span")
    ap.add_argument("--dimension", type=int, default=3, choices=[2, 3], help="velocity dimension")
    args = ap.parse_args()
    d = args.dimension
    if d == 2 and "spectral" in args.method:
        ap.error("--method spectral is 3D only")
    print("| method | a* | quantity | table | computed | ± s.e. | rel. dev. |")
    print("|---|---|---|---|---|---|---|")
    for method in args.method:
        for a_star in args.a_star:
            start = time.perf_counter()
            if method == "moments":
                vals, errs = run_moments(a_star, d)
            elif method == "dsmc":
                vals, errs = run_dsmc(a_star, args.samples, args.replicas, args.dt, d=d)
            else:
                vals, errs = run_spectral(a_star, args.grid, args.extent, args.span / NU, args.dt,
                                            args.sphere_degree)
            wall = time.perf_counter() - start
            ref = mo.simple_shear_asymptotics(a_star, d)
            exact = (ref.growth_rate, ref.pxy, ref.pxx, ref.pyy)
            for k, name in enumerate(["λ*", "P_xy/p", "P_xx/p", "P_yy/p"]):
                e = "" if errs is None else f"{errs[k]:.2e}"
                table = TABLE[a_star][k] if d == 3 and a_star in TABLE else "—"
                print(f"| {method} | {a_star} | {name} | {table} (exact {exact[k]:.6f}) | "
                      f"{vals[k]:.6f} | {e} | {(vals[k] - exact[k]) / abs(exact[k]):+.2e} |", flush=True)
            print(f"<!-- {method} a*={a_star}: {wall:.1f} s -->", flush=True)


if __name__ == "__main__":
    main()
