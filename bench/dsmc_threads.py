"""Thread scaling of the Numba DSMC (:mod:`bbgky.kinetic.boltzmann.dsmc_numba`): one vs two threads.

Hard spheres (σ = 1), ρ = 1, θ = 1, A = 0, p_max = 0.1; ``--replicas`` replicas of ``--n``
simulators (the backend threads over replicas: a ``prange``, each replica sequential with its own
generator) advanced to ``--t-end``, with 1 and 2 Numba threads in one process, interleaved,
``--repeat`` rounds from fresh states. Printed per thread count: the median wall time, collisions
per second, and the CPU seconds of the busiest thread (``bench/cpu_time.py``); the speed-up 2 vs 1
thread by both measures; how much of the two-thread run both threads actually ran at once (all
threads' CPU seconds / wall seconds: 2 on a quiet machine); that the end states are bit-identical
(the thread count does not change the result); the load.

Which figure to trust: on a quiet machine the wall ratio. The busiest-thread CPU ratio estimates it
on a loaded machine only as far as the two threads ran at the same time: when the scheduler
interleaves them, whatever slows one thread *because the other runs* (shared caches, memory
bandwidth, cache lines written by both) does not show. Before commit 8c359b9 the replicas' generator
states shared a cache line (false sharing): at load 17–21 the CPU ratio read 1.89–1.93, on the quiet
machine the wall ratio was 1.19 (docs/performance.md).

The default ``--t-end 3.0`` (a one-thread call takes about 3 s on a quiet machine: 5 rounds are
~25 s of timed calls): at ``--t-end 1.0`` the per-round ratios spread over 1.34–2.02 (median 1.65), at 3.0
over 1.60–2.15 (median 1.83), load 0.8–1.0.

Run: ``.venv/bin/python bench/dsmc_threads.py`` (under a minute on a quiet machine).
"""

from __future__ import annotations

import argparse
import os
import sys

import jax
import numba
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import memory_line
from cpu_time import Timer, load


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=500_000)
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--t-end", type=float, default=3.0)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    jax.config.update("jax_enable_x64", True)
    from bbgky.kinetic.boltzmann import dsmc as ds
    from bbgky.kinetic.boltzmann import dsmc_numba as dn
    from bbgky.models import kernels

    n, R = args.n, args.replicas
    cfg = ds.DSMCConfig(n=n, A=((0.0,) * 3,) * 3, rho0=1.0, dt_max=1.0, p_max=0.1)
    sim = ds.DSMC(kernels.hard_sphere(1.0), cfg)
    w0 = np.random.default_rng(0).normal(size=(R, n, 3))

    def states(r):
        st = [sim.init(jax.random.PRNGKey(100 * r + k), w0[k]) for k in range(R)]
        return jax.tree_util.tree_map(lambda *x: np.stack([np.asarray(y) for y in x]), *st)

    advance = dn.make_advance(sim)
    for th in (2, 1):  # compile both variants
        numba.set_num_threads(th)
        advance(states(0), 1e-6)
    print(f"DSMC hard spheres, {R} replicas x {n:,} simulators to t = {args.t_end}; "
          f"Numba {numba.__version__}, threading layer {numba.threading_layer()}")
    print(f"before: {load()}")
    wall = {1: [], 2: []}
    busy = {1: [], 2: []}
    total = {1: [], 2: []}
    coll = {}
    identical = True
    for r in range(args.repeat):
        ends = {}
        for th in (1, 2):
            numba.set_num_threads(th)
            s0 = states(r + 1)
            with Timer() as t:
                ends[th] = advance(s0, args.t_end)
            wall[th].append(t.wall)
            busy[th].append(t.busiest)
            total[th].append(t.cpu)
            coll[th] = int(np.sum(ends[th].collisions))
        identical &= bool(np.array_equal(ends[1].u, ends[2].u))
    print(f"after:  {load()}")
    print("| threads | wall s (median) | collisions/s | busiest thread CPU s | all threads CPU s |")
    print("|---|---|---|---|---|")
    for th in (1, 2):
        print(f"| {th} | {np.median(wall[th]):.3f} | {coll[th] / np.median(wall[th]):.3e} | "
              f"{np.median(busy[th]):.3f} | {np.median(total[th]):.3f} |")
    per_round = np.asarray(wall[1]) / np.asarray(wall[2])
    print(f"speed-up 2 vs 1 thread: wall {np.median(per_round):.2f} (median of per-round ratios, "
          f"{per_round.min():.2f}-{per_round.max():.2f}); busiest-thread CPU "
          f"{np.median(busy[1]) / np.median(busy[2]):.2f}")
    both = np.median(np.asarray(total[2]) / np.asarray(wall[2]))
    print(f"two-thread run: all threads' CPU / wall = {both:.2f} (2 = both threads ran throughout; "
          f"well below 2 the threads were interleaved by the scheduler and the busiest-thread CPU "
          f"ratio misses their contention: trust the wall ratio of a quiet machine)")
    print(f"end states identical for 1 and 2 threads: {identical}")


if __name__ == "__main__":
    main()
    print(memory_line())
