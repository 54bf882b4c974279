"""Peak memory per problem size, and the largest problem that fits in a memory budget.

Each level runs in its own child process, its sizes in increasing order through
``bbgky.scenarios.runner.level_runner`` (the level alone: no report); the process's peak resident
set size (ru_maxrss) is read after each run:

* particle level: WCA gas, ρ = 0.1, 20 steps after a 10-step equilibration (which runs on JAX
  for either backend), at several N, with the numba backend (``particles``) and the JAX backend
  (``particles_jax``; its XLA-compiled advance is also sized by ``memory_analysis()``: the
  device memory it needs, what bounds N on an accelerator);
* DSMC: hard spheres, ``samples`` × 1 replica, numba backend, at several simulator counts;
* spectral: Maxwell molecules, BKW relaxation, Lebedev 11, N_ρ = N/2, one RK4 step, at several N;
  ``spectral_flow``: the same under simple shear (rate 0.5), at the default Lebedev degree 17 for a
  flow (M/2 = 55 directions instead of 25).

A straight-line fit of the peak against the size unit (N, simulators, N³: the spectral batch of
M/2 complex grids dominates) over all but the smallest run (which carries the compilation) gives
the bytes per unit and the fixed cost (interpreter, JAX, Numba), and from them the largest size
within ``--budget-gb`` (default 24).

The sizes of one level run in one child, so each peak also holds what the smaller sizes left
(their compiled programs): for the spectral level the slope through one child's sizes came out
~15 % above that of fresh processes. ``--child LEVEL N`` runs one size alone and prints
"N peak_bytes wall_s" (and, for ``particles_jax``, the XLA bytes): the figure for one run.

Run: ``.venv/bin/python bench/memory.py [--quick]`` (minutes on 2 cores: each level compiles once).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np
from _common import memory_line, peak_rss_bytes

ROOT = Path(__file__).resolve().parents[1]


def config(level: str, size: int) -> str:
    head = 'title = "memory"\n'
    if level.startswith("particles"):
        backend = "jax" if level == "particles_jax" else "numba"
        return head + f"""[system]
dimension = 3
particles = {size}
density = 0.1
temperature = 1.0
[interaction]
potential = "wca"
[initial]
equilibration = 0.05
[time]
end = 0.1
step = 0.005
save_every = 0.1
[levels.particles]
backend = "{backend}"
velocity_samples = 100
"""
    if level == "dsmc":
        return head + f"""[interaction]
potential = "hard_sphere"
[time]
end = 0.1
step = 0.05
save_every = 0.1
[levels.boltzmann]
method = "dsmc"
backend = "numba"
samples = {size}
replicas = 1
velocity_samples = 100
"""
    # spectral: Lebedev 11; spectral_flow: simple shear with its default Lebedev 17 (M/2 = 55)
    flow = level == "spectral_flow"
    return head + """[interaction]
potential = "maxwell"
[initial]
kind = "bkw"
start = 6.5
""" + ("""[flow]
kind = "simple_shear"
rate = 0.5
""" if flow else "") + f"""[time]
end = {0.01 if flow else 0.1}
step = {0.01 if flow else 0.1}
save_every = {0.01 if flow else 0.1}
[levels.boltzmann]
method = "spectral"
grid = {size}
velocity_extent = 8.0
""" + ("" if flow else "sphere_degree = 11\n")


def measure_level(level: str, sizes: list[int]) -> None:
    """Child process: run the level at each size (increasing), print "size peak_bytes wall_s"."""
    from bbgky.scenarios import runner

    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            cfg = runner.validate(tomllib.loads(config(level, n)))
            start = time.perf_counter()
            runner.level_runner("particles" if level.startswith("particles") else "boltzmann")(cfg, Path(tmp))
            print(n, peak_rss_bytes(), time.perf_counter() - start, flush=True)
            if level == "particles_jax":
                print("xla", n, xla_particle_bytes(cfg), flush=True)


def xla_particle_bytes(cfg) -> int:
    """Bytes XLA allocates for the JAX backend's compiled 20-step advance of the configured
    system (arguments + outputs + temporaries, ``Compiled.memory_analysis()``): the device
    memory of the particle level on an accelerator, measured without running it."""
    from bbgky.particles import integrator, level

    state, sim = level.initial_state(cfg, "jax")
    sysm = sim.system_for(state)
    compiled = integrator._compiled(sysm)["advance"].lower(state, 20).compile()
    ma = compiled.memory_analysis()
    return int(ma.argument_size_in_bytes + ma.output_size_in_bytes + ma.temp_size_in_bytes
               - ma.alias_size_in_bytes)


def peaks_of(level: str, sizes: list[int]) -> list[tuple[int, float, float]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, __file__, "--child", level, *map(str, sizes)], env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{level} failed: {out.stderr[-3000:]}")
    rows = [line.split() for line in out.stdout.splitlines() if line.strip()]
    for row in rows:
        if row[0] == "xla":
            XLA[int(row[1])] = int(row[2])
    return [(int(a), float(b), float(c)) for a, b, c in rows if a != "xla"]


#: N -> XLA bytes of the JAX particle advance (filled by the particles_jax child).
XLA: dict[int, int] = {}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--budget-gb", type=float, default=24.0)
    ap.add_argument("--levels", nargs="+",
                    choices=["particles", "particles_jax", "dsmc", "spectral", "spectral_flow"],
                    help="measure only these levels")
    ap.add_argument("--child", nargs="+", metavar="LEVEL N",
                    help="run LEVEL at the sizes N... in this process, print 'N peak_bytes wall_s' lines")
    args = ap.parse_args()
    if args.child:
        measure_level(args.child[0], [int(n) for n in args.child[1:]])
        return
    budget = args.budget_gb * 2**30
    sizes = {"particles": [5_000, 40_000, 160_000], "particles_jax": [5_000, 40_000, 160_000],
             "dsmc": [250_000, 1_000_000, 4_000_000], "spectral": [24, 48, 64],
             "spectral_flow": [24, 48, 64]}
    if args.quick:
        sizes = {"particles": [1_000, 2_000, 4_000], "particles_jax": [1_000, 2_000, 4_000],
                 "dsmc": [10_000, 20_000, 40_000], "spectral": [12, 14, 16], "spectral_flow": [12, 14, 16]}
    if args.levels:
        sizes = {k: v for k, v in sizes.items() if k in args.levels}
    unit = {"particles": ("particles", 1), "particles_jax": ("particles", 1), "dsmc": ("simulators", 1),
            "spectral": ("N³", 3), "spectral_flow": ("N³", 3)}
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPU(s); budget {args.budget_gb:g} GiB")
    print("| level | size | peak RSS MiB | wall s |")
    print("|---|---|---|---|")
    fits = {}
    for level, ns in sizes.items():
        peaks = []
        for n, peak, wall in peaks_of(level, ns):
            peaks.append(peak)
            print(f"| {level} | {n:,} | {peak / 2**20:.0f} | {wall:.1f} |", flush=True)
        x = np.asarray(ns, float) ** unit[level][1]
        slope, fixed = np.polyfit(x[1:], peaks[1:], 1)  # the smallest run carries the compilation
        fits[level] = (slope, fixed)
    print(f"\n| level | bytes per unit | fixed MiB | largest size in "
          f"{args.budget_gb:g} GiB |")
    print("|---|---|---|---|")
    for level, (slope, fixed) in fits.items():
        name, power = unit[level]
        largest = ((budget - fixed) / slope) ** (1 / power)
        shown = f"N ≈ {largest:.0f}" if level.startswith("spectral") else f"{largest:.3g} {name}"
        print(f"| {level} | {slope:.0f} per {name} | {fixed / 2**20:.0f} | {shown} |")
    if XLA:
        ns = sorted(XLA)
        per = (XLA[ns[-1]] - XLA[ns[0]]) / (ns[-1] - ns[0]) if len(ns) > 1 else XLA[ns[0]] / ns[0]
        print("\nJAX particle advance, XLA compiled memory (device memory on an accelerator): "
              + ", ".join(f"N = {n:,}: {XLA[n] / 2**20:.1f} MiB" for n in ns)
              + f"; {per:.0f} bytes per particle → N ≈ {budget / per:.3g} in {args.budget_gb:g} GiB")
    print(memory_line())


if __name__ == "__main__":
    main()
