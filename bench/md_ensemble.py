"""Ensemble throughput of the particle level: R replicas of N particles, every CPU route, and LAMMPS.

Systems (``--system``; equilibrium, A = 0, unless ``--rate``):

* ``wca``: a WCA gas (LJ cut at 2^(1/6) σ, shifted), ρ = 0.1, θ = 1;
* ``lj``: an LJ liquid, r_c = 3σ shifted, ρ = 0.75, θ = 1.1 (the state of
  ``validation/lammps_rdf.py``);

dt = 0.005, skin 0.3, Verlet lists (N ≥ 128). Replica r starts from the lattice with Maxwellian
velocities from ``fold_in(PRNGKey(seed), r)``. After ``--warmup`` steps (melting) every route
starts from the same state, is compiled, and ``--repeat`` rounds of ``--steps`` steps are timed,
the routes interleaved within a round:

* **vmap**: the ensemble as one vmapped ``lax.scan`` (``Simulation(backend="jax").advance`` on a
  state with a replica axis; ``--no-vmap`` skips it). Under ``vmap`` the Verlet rebuild branch
  becomes a select, so the list is rebuilt every step;
* **JAX loop**: a Python loop calling the single-system JAX ``Simulation.advance`` per replica
  (``--no-jax-loop`` skips it: it is the slowest at large R);
* **Numba**: ``Simulation(backend="numba").advance`` on the ensemble — the CPU fast path (what
  ``backend = "auto"`` runs on a CPU): every replica in one compiled call
  (``numba_backend.advance_ensemble``), each with its own list and rebuild criterion, the list
  rebuilt inside the compiled loop; **Numba 2 threads**: the same with ``threads=2`` (replicas
  over the threads; ``--numba-threads`` sets which are run);
* **LAMMPS** (``lammps[mpi]``; ``--no-lammps`` skips): one system of ≈ R·N atoms (fcc k³·4,
  k = round((R·N/4)^⅓)) at the same state, ``neigh_modify delay 0 every 1 check yes``, serial
  and ``-sf omp -pk omp 2`` — its best throughput, since it has no batched small systems.

Printed: atom-steps per second (R·N·steps / wall seconds, median over rounds) of each route,
ratios to LAMMPS and the vmap speed-up over the Python loop, the largest velocity difference
between each JAX route's end state and the Numba one (round-off, grown by the chaos of the
dynamics over the timed steps), and ``os.getloadavg()`` before and after. On a loaded machine
wall times measure the scheduler's share: the rates and ratios are printed a second time from
the CPU seconds of each run's busiest thread (``bench/cpu_time.py``; for a one-thread run its
CPU time), the wall time a quiet machine shows.

Run: ``.venv/bin/python bench/md_ensemble.py --replicas 100 --particles 256 --steps 100``.
"""

from __future__ import annotations

import argparse
import os

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from _common import lammps_fcc_box, load_lammps, memory_line  # noqa: E402
from cpu_time import Timer  # noqa: E402

from bbgky.models.potentials import make_potential  # noqa: E402
from bbgky.particles import initial, integrator  # noqa: E402
from bbgky.particles.simulation import Simulation, default_method  # noqa: E402
from bbgky.particles.state import System, replica_key  # noqa: E402

DT, SKIN = 0.005, 0.3
WCA_RC = 2.0 ** (1.0 / 6.0)
STATES = {  # name: (potential, cut-off, density, temperature)
    "wca": ("wca", WCA_RC, 0.1, 1.0),
    "lj": ("lj", 3.0, 0.75, 1.1),
}


def ensemble(name: str, R: int, n: int, rate: float, seed: int = 0):
    """(system, ensemble state) of R replicas (velocities include the streaming u = A x)."""
    pot_name, rc, rho, theta = STATES[name]
    pot = make_potential(pot_name) if pot_name == "wca" else make_potential(pot_name, cutoff=rc)
    side = (n / rho) ** (1 / 3)
    A = np.zeros((3, 3))
    A[0, 2] = rate
    system = System.make(pot, A, side * np.eye(3), DT, skin=SKIN,
                         method=default_method(n, side * np.eye(3), pot.cutoff, SKIN))
    x = jnp.asarray(initial.lattice_sites(n, 3, side))
    states = []
    for r in range(R):
        w = initial.maxwellian_velocities(jax.random.fold_in(replica_key(seed, r), 2), n, 3, theta)
        states.append(integrator.new_state(x, w + x @ jnp.asarray(A).T, system))
    return system, integrator.stack(states)


class Lammps:
    """One system of ≈ atoms atoms at the state ``name``."""

    def __init__(self, name: str, atoms: int, threads: int):
        _, rc, rho, theta = STATES[name]
        k = max(1, round((atoms / 4) ** (1 / 3)))
        args = ["-log", "none", "-screen", "none", "-nocite"]
        if threads > 1:
            args += ["-sf", "omp", "-pk", "omp", str(threads)]
        self.lmp = load_lammps()(cmdargs=args)
        self.lmp.commands_string(lammps_fcc_box(rho, k) + f"""
velocity all create {theta} 4928 dist gaussian mom yes loop geom
pair_style lj/cut {rc!r}
pair_coeff 1 1 1.0 1.0 {rc!r}
pair_modify shift yes
neighbor {SKIN} bin
neigh_modify delay 0 every 1 check yes
fix 1 all nve
timestep {DT}
run 0 post no
""")
        self.n = self.lmp.get_natoms()

    def run(self, steps: int) -> Timer:
        with Timer() as t:
            self.lmp.command(f"run {steps} post no")
        return t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--system", choices=[*STATES, "both"], default="both")
    p.add_argument("--replicas", type=int, default=100)
    p.add_argument("--particles", type=int, default=256)
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--rate", type=float, default=0.0, help="shear rate a (A = a e_x e_z^T); LAMMPS needs 0")
    p.add_argument("--no-jax-loop", action="store_true")
    p.add_argument("--no-vmap", action="store_true")
    p.add_argument("--lammps-threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--numba-threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--no-lammps", action="store_true")
    a = p.parse_args()
    R, n, steps = a.replicas, a.particles, a.steps
    use_lammps = not a.no_lammps and a.rate == 0.0
    for name in STATES if a.system == "both" else [a.system]:
        system, ens0 = ensemble(name, R, n, a.rate)
        jx = Simulation(system)
        nbs = {("numba" if th == 1 else f"numba {th} threads"): Simulation(system, backend="numba",
                                                                          threads=th)
               for th in a.numba_threads}
        ref = next(iter(nbs))  # the Numba route the JAX routes are compared with
        # warm-up (melting) on the Numba path; every route then starts from that state
        start = nbs[ref].advance(ens0, a.warmup)
        ends = dict.fromkeys(nbs, start)
        for sim in nbs.values():  # compilation
            sim.advance(start, 1)
        if not a.no_vmap:
            ends["vmap"] = jx.prepare(start)
            jax.block_until_ready(jx.advance(ends["vmap"], steps).position)  # compilation
        if not a.no_jax_loop:
            ends["jax loop"] = [jx.prepare(integrator.replica(start, r)) for r in range(R)]
            jax.block_until_ready(jx.advance(ends["jax loop"][0], steps).position)  # compilation
        lmps = {f"LAMMPS {th} thread{'s' if th > 1 else ''}": Lammps(name, R * n, th)
                for th in (a.lammps_threads if use_lammps else ())}
        for lm in lmps.values():
            lm.run(a.warmup)
        atoms = {k: R * n for k in ends} | {k: lm.n for k, lm in lmps.items()}
        times: dict[str, list[float]] = {k: [] for k in atoms}
        busy: dict[str, list[float]] = {k: [] for k in atoms}
        load0 = os.getloadavg()
        for _ in range(a.repeat):
            for key in ends:
                with Timer() as t:
                    if key in nbs:
                        ends[key] = nbs[key].advance(ends[key], steps)
                    elif key == "vmap":
                        ends[key] = jax.block_until_ready(jx.advance(ends[key], steps))
                    else:
                        ends[key] = jax.block_until_ready([jx.advance(s, steps) for s in ends[key]])
                times[key].append(t.wall)
                busy[key].append(t.busiest)
            for key, lm in lmps.items():
                t = lm.run(steps)
                times[key].append(t.wall)
                busy[key].append(t.busiest)
        load1 = os.getloadavg()
        pot_name, rc, rho, theta = STATES[name]
        print(f"\n{name}: {pot_name} r_c {rc:.4g}, rho {rho}, theta {theta}, rate {a.rate}; "
              f"R = {R} x N = {n}, {steps} steps x {a.repeat} rounds after {a.warmup} warm-up, "
              f"method {system.method}, {len(jax.devices())} JAX device(s)")
        print(f"load average before {tuple(round(x, 2) for x in load0)}, after "
              f"{tuple(round(x, 2) for x in load1)} on {os.cpu_count()} CPUs")
        rates = {key: atoms[key] * steps / float(np.median(ts)) for key, ts in times.items()}
        cpu_rates = {key: atoms[key] * steps / max(float(np.median(ts)), 1e-9)
                     for key, ts in busy.items()}
        for key, ts in times.items():
            print(f"  {key:18s} {rates[key]:10.4g} atom-steps/s  (median of {len(ts)}: "
                  f"{np.median(ts):.3g} s; {atoms[key]} atoms); from the busiest thread's CPU "
                  f"seconds {cpu_rates[key]:10.4g} ({np.median(busy[key]):.3g} s)")
        if "vmap" in rates and "jax loop" in rates:
            print(f"  vmap / JAX loop = {rates['vmap'] / rates['jax loop']:.3g}")
        for key in ("vmap", "jax loop"):
            if key in rates:
                print(f"  {ref} / {key} = {rates[ref] / rates[key]:.3g}")
        for lk in lmps:
            print(f"  vs {lk}: " + ", ".join(f"{k} {rates[k] / rates[lk]:.3g}" for k in ends)
                  + ";  from CPU seconds: " + ", ".join(f"{k} {cpu_rates[k] / cpu_rates[lk]:.3g}"
                                                        for k in ends))
        # round-off differences grown by the chaos of the dynamics over the timed steps
        v_n = np.asarray(ends[ref].velocity)
        for key in ends:
            if key != ref:
                v = np.stack([np.asarray(s.velocity) for s in ends[key]]) if key == "jax loop" \
                    else np.asarray(ends[key].velocity)
                print(f"  max |v_{key} - v_{ref}| after {a.repeat * steps} steps from the same "
                      f"state: {np.max(np.abs(v - v_n)):.2e}")


if __name__ == "__main__":
    main()
    print(memory_line())
