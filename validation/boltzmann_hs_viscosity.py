"""Hard spheres in homo-energetic simple shear: the apparent viscosity tends to Chapman–Enskog.

For hard spheres the reduced shear rate a* = a/ν, ν = p/μ(θ) ∝ √θ, falls slowly as viscous
heating raises θ. One DSMC run per initial a*(0): after a transient the apparent viscosity −P_xy/a
is compared at each save time with μ_HS(θ) = 1.016034 × (5/16)√(θ/π)/σ² (docs/references.md), and the
ratio η* = −P_xy/(a μ(θ)) averaged over the window; η* must tend to 1 as a* → 0 (shear
thinning at finite a*), its deviation from 1 shrinking with a*.

``--dimension 2``: hard disks (diameter 1, B = (σ/2)|g||sin(θ/2)|); η* is then relative to the
first Sonine viscosity μ1 = √(θ/π)/(2σ) (kernels.py), so η* → μ/μ1 as a* → 0, the hard-disk
Chapman–Enskog correction factor (≈ 1.022 in the literature, Gass 1971). For Maxwell molecules
η* = 1/(1+λ*)² ≈ 1 − (4/d) a*² at small a*: extrapolate in a*².

Run: ``.venv/bin/python validation/boltzmann_hs_viscosity.py`` (about 15 min on 2 cores at 4 × 5·10⁴);
``--samples``/``--replicas`` to change the ensemble.
"""

from __future__ import annotations

import argparse
import math
import time

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

from bbgky.kinetic.boltzmann import dsmc as ds  # noqa: E402
from bbgky.models import kernels  # noqa: E402


def run(a_star0, samples, replicas, collision_times, skip, seed=5, d=3):
    kern = kernels.hard_sphere(1.0, dimension=d)
    rho = 1.0
    nu0 = kern.bgk_frequency(rho, 1.0)
    a = a_star0 * nu0
    A = tuple(tuple(a if (i, j) == (0, 1) else 0.0 for j in range(d)) for i in range(d))
    save = 0.5 / nu0
    cfg = ds.DSMCConfig(n=samples, A=A, rho0=rho, dt_max=save, p_max=0.1)
    ens = ds.Ensemble(ds.DSMC(kern, cfg))
    states = ens.init(jax.random.PRNGKey(seed), ds.maxwellian_sampler(np.eye(d)), replicas)
    eta, a_star, theta = [], [], []
    for t in np.arange(save, collision_times / nu0 + 1e-9, save):
        states = ens.advance_to(states, t)
        if t < skip / nu0:
            continue
        o = ens._obs(states)
        P = np.asarray(o["pressure_tensor"])
        th = np.asarray(o["temperature"])
        eta.append(-P[:, 0, 1] / (a * kern.viscosity(th)))
        a_star.append(a * kern.viscosity(th) / (rho * th))
        theta.append(th)
    assert np.all(np.asarray(states.status) == 0)
    eta = np.array(eta).mean(0)  # time average per replica -> replicas independent
    return np.mean(a_star), np.mean(theta), eta.mean(), eta.std(ddof=1) / math.sqrt(len(eta))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--samples", type=int, default=100_000)
    ap.add_argument("--replicas", type=int, default=4)
    ap.add_argument("--a-star0", type=float, nargs="+", default=[0.8, 0.4, 0.2, 0.1],
                    help="initial reduced shear rates a/ν(θ0), one run each")
    ap.add_argument("--collision-times", type=float, default=12.0, help="run length in units of 1/ν(θ0)")
    ap.add_argument("--skip", type=float, default=6.0, help="transient skipped, units of 1/ν(θ0)")
    ap.add_argument("--dimension", type=int, default=3, choices=[2, 3], help="3: hard spheres, 2: hard disks")
    args = ap.parse_args()
    what = "hard spheres" if args.dimension == 3 else "hard disks (η* relative to the first Sonine μ1)"
    print(f"{what} σ = 1, ρ = 1, θ0 = 1; {args.replicas} × {args.samples:,} simulators; window "
          f"νt ∈ [{args.skip}, {args.collision_times}]")
    print("| a*(0) | mean a* | mean θ | η* = −P_xy/(a μ(θ)) | ± s.e. | 1 − η* | wall s |")
    print("|---|---|---|---|---|---|---|")
    for a0 in args.a_star0:
        start = time.perf_counter()
        a_star, theta, eta, err = run(a0, args.samples, args.replicas, args.collision_times, args.skip,
                                      d=args.dimension)
        print(f"| {a0} | {a_star:.4f} | {theta:.3f} | {eta:.4f} | {err:.4f} | {1 - eta:+.4f} | "
              f"{time.perf_counter() - start:.0f} |", flush=True)


if __name__ == "__main__":
    main()
