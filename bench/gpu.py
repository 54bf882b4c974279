"""The accelerator benchmark: the four JAX solvers in float32 and float64 on whatever device JAX
sees, in one process, against the CPU figures recorded in ``docs/performance.md`` and the JAX
particle path against jax-md on the same device.

Measured (each after a warm-up call that compiles it; ``--repeat`` timed calls, median):

* **particles** — the LJ benchmark of ``bench/md_lj.py`` (fcc, ρ = 0.8442, θ = 1.44, r_c = 2.5,
  skin 0.3, dt = 0.005, NVE; 32 000 atoms): ``Simulation.advance`` of the JAX backend (sorted
  cell-list builds inside the jitted scan, one host check per chunk), atom-steps/s;
* **jax-md** — the same system, positions and velocities in jax-md (``energy.lennard_jones_neighbor_list``,
  ``partition.neighbor_list`` with ``dr_threshold`` = skin, ``simulate.nve``, the list updated
  every step inside a ``fori_loop``, reallocated on overflow), atom-steps/s; the ratio
  bbgky / jax-md (target ≥ 3 on a GPU). Skipped when ``jax_md`` cannot be imported
  (``pip install jax-md``, the ``bench`` extra);
* **dsmc** — hard spheres, ρ = 1, θ = 1, 4 replicas × 2.5·10⁵ simulators to t = 0.5
  (``dsmc.Ensemble``, JAX backend), collisions/s;
* **spectral** — one Q = Q⁺ − Q⁻ (Maxwell molecules, N_ρ = N/2, Lebedev 11) at N = 32 and 64, s/Q;
* **vlasov** — Vlasov–Poisson 2D2V, 32⁴ cells, Strang + cubic splines, 10 steps per call, s/step.

Every figure is printed with its ratio to the CPU figure of the same name in the table
"CPU reference figures" of ``docs/performance.md`` (measured by this script with
``--device cpu``). Output: a markdown table on stdout and ``--out`` (default
``runs/bench-gpu``) ``gpu.json`` + ``gpu.md``. ``--smoke``: tiny sizes, one repeat (the test
suite runs it on the CPU). Budget for the full run: ≤ 8 min on an H200, compilation included (not
yet measured: no GPU has been lent; the CPU run at the same sizes, without jax-md, took 112 s on the
2 cores at load 1–3, and 24 min at load 15–21).

Run: ``PYTHONPATH=src .venv/bin/python bench/gpu.py`` (``--only particles jax-md`` for a subset).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import memory_line, peak_rss_bytes

ROOT = Path(__file__).resolve().parents[1]
RHO, T0, RC, SKIN, DT = 0.8442, 1.44, 2.5, 0.3, 0.005

#: sizes of the full run and of --smoke
SIZES = {"full": {"cells": 20, "steps": 100, "dsmc_n": 250_000, "dsmc_R": 4, "dsmc_t": 0.5,
                  "spectral": (32, 64), "vlasov": (32, 32, 32, 32), "vlasov_steps": 10},
         "smoke": {"cells": 7, "steps": 5, "dsmc_n": 4_000, "dsmc_R": 2, "dsmc_t": 0.05,
                   "spectral": (8,), "vlasov": (8, 16), "vlasov_steps": 2}}
UNITS = {"particles": "atom-steps/s", "jax-md": "atom-steps/s", "dsmc": "collisions/s",
         "spectral": "s/Q", "vlasov": "s/step"}
HIGHER_IS_BETTER = {"atom-steps/s": True, "collisions/s": True, "s/Q": False, "s/step": False}


def timed(fn, repeat: int) -> float:
    """Median wall seconds of ``fn()`` (which blocks until its result is ready)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def fcc(cells: int, dtype):
    """fcc lattice of 4 cells³ atoms at ρ = 0.8442 and Maxwellian velocities at θ = 1.44 (zero
    total momentum), box side L."""
    a = (4 / RHO) ** (1 / 3)
    base = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
    g = np.stack(np.meshgrid(*[np.arange(cells)] * 3, indexing="ij"), -1).reshape(-1, 1, 3)
    x = ((g + base[None]) * a).reshape(-1, 3) + 0.01 * a
    v = np.random.default_rng(87287).normal(scale=np.sqrt(T0), size=x.shape)
    v -= v.mean(0)
    return x.astype(dtype), v.astype(dtype), cells * a


def bench_particles(size, dtype, repeat):
    import jax

    from bbgky.models.potentials import make_potential
    from bbgky.particles import integrator
    from bbgky.particles.simulation import Simulation
    from bbgky.particles.state import System

    x, v, L = fcc(size["cells"], dtype)
    n, steps = len(x), size["steps"]
    system = System.make(make_potential("lj", cutoff=RC), np.zeros((3, 3)), L * np.eye(3), DT, skin=SKIN,
                         method="verlet")
    sim = Simulation(system, backend="jax")
    state = sim.prepare(integrator.new_state(jax.numpy.asarray(x), jax.numpy.asarray(v), system))
    # warm-up: compiles, and melts the lattice; chunks until one passes without a capacity change
    # (a grown list capacity recompiles the scan, which must not fall into a timed call)
    for _ in range(8):
        before = np.asarray(state.nbr.capacity).tolist()
        state = sim.advance(state, steps)
        if np.asarray(state.nbr.capacity).tolist() == before:
            break
    jax.block_until_ready(state.position)
    holder = [state]

    def run():
        holder[0] = sim.advance(holder[0], steps)
        jax.block_until_ready(holder[0].position)

    seconds = timed(run, repeat)
    builds = int(holder[0].nbr.rebuilds)
    return n * steps / seconds, {"atoms": n, "steps": steps, "list_builds": builds,
                                 "status": int(holder[0].status)}


def bench_jaxmd(size, dtype, repeat):
    import jax
    from jax_md import energy, simulate, space

    x, v, L = fcc(size["cells"], dtype)
    n, steps = len(x), size["steps"]
    disp, shift = space.periodic(L)
    # jax-md's LJ is smoothed from r_onset to r_cutoff (its default r_onset = 2: the same pairs
    # and cost as a plain cut at 2.5); its default list format (OrderedSparse, half list)
    neighbor_fn, energy_fn = energy.lennard_jones_neighbor_list(
        disp, L, sigma=1.0, epsilon=1.0, r_onset=2.0, r_cutoff=RC, dr_threshold=SKIN,
        capacity_multiplier=1.5)
    init, apply = simulate.nve(energy_fn, shift, dt=DT)
    pos = jax.numpy.asarray(x)
    nbrs = neighbor_fn.allocate(pos)
    st = init(jax.random.PRNGKey(0), pos, T0, mass=jax.numpy.asarray(1.0, dtype),
              momenta=jax.numpy.asarray(v), neighbor=nbrs)

    @jax.jit
    def chunk(st, nbrs):
        def body(_, carry):
            s, nb = carry
            s = apply(s, neighbor=nb)
            return s, nb.update(s.position)
        return jax.lax.fori_loop(0, steps, body, (st, nbrs))

    def advance(st, nbrs):
        for _ in range(16):  # reallocate on overflow and redo the chunk
            new, nb = chunk(st, nbrs)
            if not bool(nb.did_buffer_overflow):
                return new, nb
            nbrs = neighbor_fn.allocate(st.position)
        raise RuntimeError("jax-md neighbour list keeps overflowing")

    for _ in range(8):  # warm-up (compiles, melts) until a chunk passes without reallocation
        size_before = nbrs.idx.shape
        st, nbrs = advance(st, nbrs)
        if nbrs.idx.shape == size_before:
            break
    holder = [st, nbrs]

    def run():
        holder[0], holder[1] = advance(holder[0], holder[1])
        jax.block_until_ready(holder[0].position)

    seconds = timed(run, repeat)
    return n * steps / seconds, {"atoms": n, "steps": steps}


def bench_dsmc(size, dtype, repeat):
    import jax

    from bbgky.kinetic.boltzmann import dsmc as ds
    from bbgky.models import kernels

    cfg = ds.DSMCConfig(n=size["dsmc_n"], A=((0.0,) * 3,) * 3, rho0=1.0, dt_max=1.0, p_max=0.1)
    ens = ds.Ensemble(ds.DSMC(kernels.hard_sphere(1.0), cfg))
    sampler = ds.maxwellian_sampler(np.eye(3))
    s0 = ens.init(jax.random.PRNGKey(0), lambda k, n: sampler(k, n).astype(dtype), size["dsmc_R"])
    jax.block_until_ready(ens.advance_to(s0, size["dsmc_t"]).u)
    holder = [None]

    def run():
        holder[0] = ens.advance_to(s0, size["dsmc_t"])
        jax.block_until_ready(holder[0].u)

    seconds = timed(run, repeat)
    collisions = float(np.sum(np.asarray(holder[0].collisions)))
    return collisions / seconds, {"simulators": cfg.n, "replicas": size["dsmc_R"],
                                  "steps": int(np.max(np.asarray(holder[0].steps)))}


def bench_spectral(n, dtype, repeat):
    import jax
    import jax.numpy as jnp

    from bbgky.kinetic.boltzmann import spectral as sp
    from bbgky.models import kernels

    grid = sp.Grid(n, 8.0)
    x = grid.mesh()
    f = (2 * np.pi) ** -1.5 * np.exp(-(x**2).sum(0) / 2) * (1 + 0.1 * x[0] + 0.05 * x[1] * x[2])
    col = sp.SpectralCollision(grid, kernels.maxwell(), radial_points=max(2, n // 2), sphere_degree=11)
    q = jax.jit(col)
    fj = jnp.asarray(f, dtype)
    jax.block_until_ready(q(fj))
    return timed(lambda: jax.block_until_ready(q(fj)), repeat), {"N": n}


def bench_vlasov(size, dtype, repeat):
    import jax
    import jax.numpy as jnp

    from bbgky.kinetic.vlasov.grid import PhaseGrid
    from bbgky.kinetic.vlasov.initial import InitialLaw
    from bbgky.kinetic.vlasov.kernels import coulomb
    from bbgky.kinetic.vlasov.solver import VlasovModel, VlasovSolver

    shape = list(size["vlasov"])
    g = PhaseGrid.from_shape(shape, 2 * np.pi / 0.5, 6.0)
    solver = VlasovSolver(VlasovModel(g, coulomb(g.dimension, g.lengths)), 0.1)
    s0 = solver.init(jnp.asarray(InitialLaw("landau", g.dimension, amplitude=0.01, wavenumber=0.5)
                                 .on_grid(g), dtype))
    k = size["vlasov_steps"]
    jax.block_until_ready(solver.advance(s0, k).f)
    seconds = timed(lambda: jax.block_until_ready(solver.advance(s0, k).f), repeat)
    return seconds / k, {"shape": shape}


def cpu_reference(path: Path = ROOT / "docs" / "performance.md") -> dict[str, float]:
    """``{"name precision": value}`` from the rows ``| name | precision | value | unit | ...`` of the
    section "CPU reference figures" of docs/performance.md."""
    text = path.read_text(encoding="utf-8")
    m = re.search(r"^## CPU reference figures.*?(?=^## |\Z)", text, flags=re.S | re.M)
    out = {}
    for line in (m.group(0).splitlines() if m else []):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[1] in ("float32", "float64"):
            try:
                out[f"{cells[0]} {cells[1]}"] = float(cells[2])
            except ValueError:
                continue
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, one repeat (tests, CPU)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--device", default=None, help="'cpu' to measure the CPU reference figures")
    ap.add_argument("--only", nargs="+", choices=list(UNITS), help="measure only these")
    ap.add_argument("--precision", nargs="+", default=["float32", "float64"], choices=["float32", "float64"])
    ap.add_argument("--out", default=str(ROOT / "runs" / "bench-gpu"))
    args = ap.parse_args()
    if args.device:
        os.environ["JAX_PLATFORMS"] = args.device
    import jax

    jax.config.update("jax_enable_x64", True)  # float64 available; float32 runs use float32 data
    size = SIZES["smoke" if args.smoke else "full"]
    repeat = 1 if args.smoke else args.repeat
    device = jax.devices()[0]
    ref = cpu_reference()
    wanted = args.only or list(UNITS)
    try:
        import jax_md  # noqa: F401
    except ImportError:
        if "jax-md" in wanted:
            print("jax-md not importable: its row is skipped (pip install jax-md)")
            wanted = [w for w in wanted if w != "jax-md"]
    print(f"device: {device.platform} {device.device_kind}; jax {jax.__version__}; "
          f"load {os.getloadavg()[0]:.1f}; sizes {'smoke' if args.smoke else 'full'}")
    start_all = time.perf_counter()
    rows = []
    jobs = []
    for name in wanted:
        if name == "spectral":
            jobs += [(f"spectral N={n}", lambda d, n=n: bench_spectral(n, d, repeat))
                     for n in size["spectral"]]
        else:
            fn = {"particles": bench_particles, "jax-md": bench_jaxmd, "dsmc": bench_dsmc,
                  "vlasov": bench_vlasov}[name]
            jobs.append((name, lambda d, fn=fn: fn(size, d, repeat)))
    for label, job in jobs:
        for precision in args.precision:
            t0 = time.perf_counter()
            value, info = job(np.dtype(precision))
            unit = UNITS[label.split()[0]]
            cpu = ref.get(f"{label} {precision}") if not args.smoke else None
            speedup = None if cpu is None else (value / cpu if HIGHER_IS_BETTER[unit] else cpu / value)
            rows.append({"name": label, "precision": precision, "value": value, "unit": unit,
                         "cpu_reference": cpu, "speedup_vs_cpu": speedup, "wall_s": time.perf_counter() - t0,
                         "load": os.getloadavg()[0], **info})
            shown = "—" if speedup is None else f"{speedup:.2f}×"
            print(f"| {label} | {precision} | {value:.4g} {unit} | {shown} | {rows[-1]['wall_s']:.1f} s |",
                  flush=True)
    ratios = {}
    for precision in args.precision:
        mine = [r for r in rows if r["name"] == "particles" and r["precision"] == precision]
        peer = [r for r in rows if r["name"] == "jax-md" and r["precision"] == precision]
        if mine and peer:
            ratios[precision] = mine[0]["value"] / peer[0]["value"]
    result = {"device": f"{device.platform} {device.device_kind}", "jax": jax.__version__,
              "smoke": args.smoke, "repeat": repeat, "rows": rows, "bbgky_over_jaxmd": ratios,
              "total_wall_s": time.perf_counter() - start_all, "peak_rss_bytes": peak_rss_bytes()}
    table = ["| quantity | precision | value | unit | CPU reference | speed-up vs CPU | wall s |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        cpu = "—" if r["cpu_reference"] is None else f"{r['cpu_reference']:.4g}"
        speedup = "—" if r["speedup_vs_cpu"] is None else f"{r['speedup_vs_cpu']:.2f}"
        table.append(f"| {r['name']} | {r['precision']} | {r['value']:.4g} | {r['unit']} | {cpu} | "
                     f"{speedup} | {r['wall_s']:.1f} |")
    summary = [f"device {result['device']}, jax {jax.__version__}, total {result['total_wall_s']:.0f} s",
               *[f"bbgky JAX particles / jax-md ({p}): {v:.2f}× (target ≥ 3)" for p, v in ratios.items()]]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    (out / "gpu.md").write_text("\n".join([*summary, "", *table, ""]), encoding="utf-8")
    print("\n".join(["", *summary, "", *table]))
    print(memory_line())


if __name__ == "__main__":
    main()
