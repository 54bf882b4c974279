"""The time step of the spectral method on the shear table cases: accuracy and stability.

Maxwell molecules under simple shear (a* = a/ν, ν = ρ/2 the stress relaxation rate), started from
the anisotropic Maxwellian on the asymptotic ray (as ``validation/boltzmann_shear_table.py
--method spectral``), RK4, grid N = ``--grid``, L = 9, Lebedev ``--sphere-degree``, to νt = 1.
For each Δt: the growth rate λ* (slope of ln θ) and the stress ratios P_xy/p, P_xx/p, P_yy/p at the
end, and their deviation from the run at the smallest Δt (the time-step error alone: every run has
the same grid and quadratures). Then the largest stable Δt (doubling, then bisection: a run is
unstable when G turns non-finite or its sup norm exceeds 10× its initial one) against the
stability bound of :func:`bbgky.kinetic.boltzmann.spectral.stable_step`, and the automatic step
:func:`bbgky.kinetic.boltzmann.spectral.automatic_step` used when ``time.step`` is not given.

``--accuracy``: instead, the accuracy constant a of the automatic step per scheme
(``spectral.ACCURACY``): each scheme at Δt = a/(ν_max + |L|) for the ``--constants``, the largest a
whose shear-table quantities stay within ``--tolerance`` (default the table's 0.1 %) of RK4 at
Δt = ``--reference-dt`` at every a* (docs/boltzmann.md, "Time step of the grid methods").

Run: ``.venv/bin/python validation/boltzmann_spectral_step.py [--grid 16] [--a-star 0.5 1 2]``
(N = 16: about a minute per a* on 2 cores); ``--accuracy --grid 16 --a-star 0.5 1`` (about 10 min
at load 10 on 2 cores).
"""

from __future__ import annotations

import argparse
import math
import os
import time

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

from bbgky.kinetic.boltzmann import selfsimilar as ss  # noqa: E402
from bbgky.kinetic.boltzmann import spectral as sp  # noqa: E402
from bbgky.models import kernels  # noqa: E402

KERNEL = kernels.maxwell()
NU = KERNEL.stress_relaxation_rate(1.0)
EXTENT = 9.0


def setup(a_star, n, degree, scheme="rk4"):
    p = ss.shear_ray_problem(a_star, n, EXTENT, degree, scheme=scheme)
    return p.grid, p.A, p.G0, p.solver


def run(grid, G0, solver, dt, t_end):
    """(λ*, P_xy/p, P_xx/p, P_yy/p) at t_end, or None when the run blows up."""
    state = solver.init(G0)
    g0 = float(np.abs(G0).max())
    ts, lnth = [0.0], [math.log(float(np.trace(sp.grid_moments(state.G, grid)[2])))]
    per = round(t_end / 8 / dt)  # the same 8 sample times for every Δt (Δt divides t_end/8)
    if per < 1 or abs(per * dt - t_end / 8) > 1e-9 * t_end:
        raise SystemExit(f"Δt = {dt} must divide t_end/8 = {t_end / 8}")
    while float(state.t) < t_end - 1e-9:
        state = solver.advance(state, min(per, round((t_end - float(state.t)) / dt)), dt)
        G = np.asarray(state.G)
        if not np.all(np.isfinite(G)) or np.abs(G).max() > 10 * g0:
            return None
        ts.append(float(state.t))
        lnth.append(2 * float(state.log_c) + math.log(float(np.trace(sp.grid_moments(state.G, grid)[2]))))
    P = np.asarray(sp.grid_moments(state.G, grid)[2])
    p = np.trace(P) / 3
    return np.array([np.polyfit(ts, lnth, 1)[0] / NU, P[0, 1] / p, P[0, 0] / p, P[1, 1] / p])


def stays_bounded(G0, solver, dt, t_end):
    state = solver.init(G0)
    g0 = float(np.abs(G0).max())
    for _ in range(8):
        state = solver.advance(state, max(1, round(t_end / 8 / dt)), dt)
        G = np.asarray(state.G)
        if not np.all(np.isfinite(G)) or np.abs(G).max() > 10 * g0:
            return False
    return True


def largest_stable(G0, solver, start, t_end):
    lo, hi = start, None
    while hi is None:
        if stays_bounded(G0, solver, 2 * lo, t_end):
            lo *= 2
        else:
            hi = 2 * lo
    for _ in range(3):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if stays_bounded(G0, solver, mid, t_end) else (lo, mid)
    return lo


def end_state(grid, G0, solver, dt, n):
    """(mean growth rate ln(θ(t)/θ(0))/(νt), P_xy/p, P_xx/p, P_yy/p) after n steps of Δt, or None when
    the run blows up (non-finite, or sup norm above 10× the initial one)."""
    state = solver.advance(solver.init(G0), n, dt)
    G = np.asarray(state.G)
    P0, P = (np.asarray(sp.grid_moments(g, grid)[2]) for g in (G0, G))
    if not np.all(np.isfinite(G)) or np.abs(G).max() > 10 * np.abs(G0).max() or np.trace(P) <= 0:
        return None
    p = np.trace(P) / 3
    growth = (2 * float(state.log_c) + math.log(np.trace(P) / np.trace(P0))) / (NU * n * dt)
    return np.array([growth, P[0, 1] / p, P[0, 0] / p, P[1, 1] / p])


def accuracy_constants(args, t_end):
    """For each scheme the largest a (of ``--constants``) whose step Δt = a/(ν_max + |L|) (the accuracy
    term of :func:`bbgky.kinetic.boltzmann.spectral.automatic_step` alone, rounded down to divide
    t_end) keeps the shear-table quantities within ``--tolerance`` (max relative change) of an RK4
    run at Δt = ``--reference-dt``, at every a*; the smaller constants must pass too."""
    print("| scheme | a* | a | Δt | stability bound | max rel. error of (growth, P_xy/p, P_xx/p, P_yy/p) |")
    print("|---|---|---|---|---|---|")
    largest = {}
    for a_star in args.a_star:
        grid, A, G0, ref_solver = setup(a_star, args.grid, args.sphere_degree, "rk4")
        n_ref = round(t_end / args.reference_dt)
        ref = end_state(grid, G0, ref_solver, t_end / n_ref, n_ref)
        if ref is None:
            raise SystemExit(f"the reference run blew up at a* = {a_star}, N = {args.grid}: grid too coarse")
        rate, flow = float(KERNEL.total_rate(4.0)), float(np.linalg.norm(A, 2))
        for scheme in args.schemes:
            solver = setup(a_star, args.grid, args.sphere_degree, scheme)[3]
            bound = sp.stable_step(scheme, grid, flow, rate)
            ok = True
            for a in sorted(args.constants):
                n = math.ceil(t_end * (rate + flow) / a)
                val = end_state(grid, G0, solver, t_end / n, n)
                err = math.inf if val is None else float(np.max(np.abs(val / ref - 1)))
                ok = ok and err <= args.tolerance
                if ok:
                    largest[scheme, a_star] = a
                print(f"| {scheme} | {a_star} | {a} | {t_end / n:.4f} | {bound:.3f} | "
                      f"{'unstable' if val is None else f'{err:.2e}'} |", flush=True)
    for scheme in args.schemes:
        a = min(largest.get((scheme, a_star), 0.0) for a_star in args.a_star)
        print(f"{scheme}: largest a with error ≤ {args.tolerance:g} at a* = {args.a_star}: {a:g} "
              f"(code: ACCURACY = {sp.ACCURACY[scheme]:g})")


def step_table(args, t_end):
    print("| a* | Δt | νΔt | max rel. change of (λ*, P_xy/p, P_xx/p, P_yy/p) vs smallest Δt |")
    print("|---|---|---|---|")
    for a_star in args.a_star:
        start = time.perf_counter()
        grid, A, G0, solver = setup(a_star, args.grid, args.sphere_degree, args.scheme)
        dts = sorted(args.dt)
        ref = run(grid, G0, solver, dts[0], t_end)
        for dt in dts[1:]:
            val = run(grid, G0, solver, dt, t_end)
            dev = "unstable" if val is None else f"{np.max(np.abs(val / ref - 1)):.2e}"
            print(f"| {a_star} | {dt} | {NU * dt:.3f} | {dev} |", flush=True)
        rates = (args.scheme, grid, float(np.linalg.norm(A, 2)), float(KERNEL.total_rate(4.0)))
        stable = "—" if args.no_stability else f"{largest_stable(G0, solver, dts[-1] / 4, t_end):.3g}"
        print(f"a* = {a_star}: largest stable Δt {stable} (bisection), bound {sp.stable_step(*rates):.3g}, "
              f"automatic {sp.automatic_step(*rates):.3g}; {time.perf_counter() - start:.0f} s", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--grid", type=int, default=16)
    ap.add_argument("--sphere-degree", type=int, default=11)
    ap.add_argument("--a-star", nargs="+", type=float, default=[0.5, 1.0, 2.0])
    ap.add_argument("--scheme", default="rk4", choices=list(sp.SCHEMES))
    ap.add_argument("--no-stability", action="store_true", help="skip the search of the largest stable step")
    ap.add_argument("--dt", nargs="+", type=float, default=[0.25, 0.125, 0.0625, 0.03125, 0.015625])
    ap.add_argument("--accuracy", action="store_true",
                    help="measure the accuracy constant a of the automatic step per scheme instead")
    ap.add_argument("--schemes", nargs="+", default=list(sp.SCHEMES), choices=list(sp.SCHEMES))
    ap.add_argument("--constants", nargs="+", type=float,
                    default=[0.01, 0.02, 0.03, 0.05, 0.07, 0.1, 0.14, 0.2, 0.28, 0.4])
    ap.add_argument("--tolerance", type=float, default=1e-3,
                    help="accuracy: allowed time-step error (the shear table's 0.1 %% target)")
    ap.add_argument("--reference-dt", type=float, default=1 / 128)
    args = ap.parse_args()
    t_end = 1.0 / NU
    print(f"load average {os.getloadavg()[0]:.1f}; N = {args.grid}, L = {EXTENT}, Lebedev "
          f"{args.sphere_degree}, {args.schemes if args.accuracy else args.scheme}, to νt = 1 (ν = {NU})")
    (accuracy_constants if args.accuracy else step_table)(args, t_end)


if __name__ == "__main__":
    main()
