"""Ensemble throughput of the particle level: R replicas vmapped in one scan vs a Python loop.

System: R replicas of a 3D WCA fluid (ρ = 0.5, θ = 1, N particles, all pairs below 128 particles,
Verlet lists above), sheared at rate 0.5, dt = 0.005; each replica from its own key
``fold_in(PRNGKey(seed), r)``. After a warm-up chunk (compilation), ``--steps`` steps are timed
for (a) the ensemble as one vmapped ``lax.scan`` (``Simulation.advance`` on a state with a replica
axis, sharded over the devices there are) and (b) a Python loop calling the same single-system
``Simulation.advance`` on every replica. Printed: atom-steps per second (R·N·steps / wall
seconds) of both, their ratio, and the largest difference between the two end states (they must
agree to round-off). Under ``vmap`` a Verlet rebuild branch becomes a select (both branches
run), so vmap pays most for small all-pairs systems, which is what ensembles of the statistics
level are made of.

Run: ``.venv/bin/python bench/md_ensemble.py --replicas 64 --particles 64 --steps 200``.
"""

from __future__ import annotations

import argparse
import time

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from bbgky.models.potentials import make_potential  # noqa: E402
from bbgky.particles import initial, integrator  # noqa: E402
from bbgky.particles.simulation import Simulation, default_method  # noqa: E402
from bbgky.particles.state import System, replica_key  # noqa: E402


def ensemble(R: int, n: int, seed: int = 0):
    side = (n / 0.5) ** (1 / 3)
    A = np.zeros((3, 3))
    A[0, 2] = 0.5
    pot = make_potential("wca")
    system = System.make(pot, A, side * np.eye(3), 0.005,
                         method=default_method(n, side * np.eye(3), pot.cutoff, 0.3))
    x = jnp.asarray(initial.lattice_sites(n, 3, side))
    states = []
    for r in range(R):
        w = initial.maxwellian_velocities(jax.random.fold_in(replica_key(seed, r), 2), n, 3, 1.0)
        states.append(integrator.new_state(x, w + x @ jnp.asarray(A).T, system))
    sim = Simulation(system)
    return sim, sim.prepare(integrator.stack(states))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--replicas", type=int, default=64)
    p.add_argument("--particles", type=int, default=64)
    p.add_argument("--steps", type=int, default=200)
    a = p.parse_args()
    R, n, steps = a.replicas, a.particles, a.steps
    sim, ens = ensemble(R, n)
    singles = [sim.prepare(integrator.replica(ens, r)) for r in range(R)]
    # warm-up (compilation) of both paths
    jax.block_until_ready(sim.advance(ens, steps).position)
    jax.block_until_ready(sim.advance(singles[0], steps).position)

    t = time.perf_counter()
    out = sim.advance(ens, steps)
    jax.block_until_ready(out.position)
    t_vmap = time.perf_counter() - t

    t = time.perf_counter()
    ends = [sim.advance(s, steps) for s in singles]
    jax.block_until_ready(ends[-1].position)
    t_loop = time.perf_counter() - t

    err = max(float(np.max(np.abs(np.asarray(out.velocity[r]) - np.asarray(e.velocity))))
              for r, e in enumerate(ends))
    work = R * n * steps
    print(f"R = {R}, N = {n}, {steps} steps, method {sim.system.method}, {len(jax.devices())} device(s)")
    print(f"vmap : {work / t_vmap:10.4g} atom-steps/s ({t_vmap:.3g} s)")
    print(f"loop : {work / t_loop:10.4g} atom-steps/s ({t_loop:.3g} s)")
    print(f"vmap / loop = {t_loop / t_vmap:.3g}; max |Δv| between them {err:.2e}")


if __name__ == "__main__":
    main()
