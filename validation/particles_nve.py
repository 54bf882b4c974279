"""Particle level, long checks (the fast versions are in tests/particles): prints the figures.

1. NVE energy drift of an LJ liquid: ρ = 0.8442, θ = 1.44, N = 500, r_c = 2.5, skin 0.3,
   dt = 0.005, 10⁴ steps, float64, JAX backend; with the shifted-force cut-off (force continuous
   at r_c) and with the registry's default shifted one (energy continuous, force jumps by U'(r_c):
   each pair crossing r_c kicks the energy, a drift that shrinks fast with dt). The start is the
   level's ``maxwellian`` initial state (fcc, 2 time units isokinetic at θ0, fresh Maxwellian
   at θ0). Drift = slope of a linear fit of E(t) times the run length, over |⟨E⟩|; also the RMS
   fluctuation about the fit and the largest |E(t) − E(0)|/|E(0)|.
2. Order of the energy error: RMS of E(t) − E(0) over t ≤ 2 for dt = 0.008 … 0.002 (N = 108,
   all pairs), fitted slope of log RMS against log dt, for the shifted-force and the shifted cut-off.
3. Universal balance (James–Qi–Wang eq. 50) along trajectories: residual of
   e(t) − e(0) + ∫ P:L/ρ dt (RMS over t ≤ 1) for dt and dt/2 and its ratio (4 for order 2), for
   simple shear, planar extension and isotropic expansion (WCA, ρ = 0.3, N = 256).
4. ``--bench``: steps/s of the JAX path for the classic LJ benchmark state (fcc, ρ = 0.8442,
   θ = 1.44, r_c = 2.5, skin 0.3) at N = 500 and N = 32 000 (100 timed steps after 100 warm-up
   steps; compile time separately).

Run: ``.venv/bin/python validation/particles_nve.py [--steps 10000] [--bench]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

from bbgky import config  # noqa: E402
from bbgky.models import flows  # noqa: E402
from bbgky.models.potentials import make_potential  # noqa: E402
from bbgky.particles import initial, integrator, level  # noqa: E402
from bbgky.particles.simulation import Simulation, default_method  # noqa: E402
from bbgky.particles.state import System  # noqa: E402


def lj_config(n: int, theta: float = 1.44, rho: float = 0.8442, skin: float = 0.3,
              **interaction) -> config.Config:
    return config.validate({
        "system": {"dimension": 3, "particles": n, "density": rho, "temperature": theta, "seed": 1},
        "interaction": {"potential": "lj", **interaction},
        "time": {"end": 1.0, "step": 0.005, "save_every": 0.05},
        "initial": {"kind": "maxwellian", "equilibration": 2.0},
        "levels": {"particles": {"backend": "jax", "skin": skin}},
    })


def series(sim: Simulation, state, saves: int, every: int, names=("internal_energy",)):
    """Observables at the start and every ``every`` steps (one jitted scan per 100 saves)."""
    first = sim.observe(state)
    out = {k: [first[k]] for k in names}
    done = 0
    while done < saves:
        m = min(100, saves - done)
        state, obs = integrator.trajectory(state, m, every, sim.system_for(state))
        assert int(state.status) == 0, "overflow in a validation run"
        for k in names:
            out[k].extend(np.asarray(obs[k]))
        done += m
    return {k: np.asarray(v) for k, v in out.items()}, state


def nve_drift(steps: int) -> None:
    for mode in ("shifted_force", "shifted"):
        cfg = lj_config(500, cutoff_mode=mode)
        state, sim = level.initial_state(cfg)
        every = 10
        t0 = time.perf_counter()
        data, end = series(sim, state, steps // every, every)
        wall = time.perf_counter() - t0
        e = data["internal_energy"]
        t = np.arange(len(e)) * every * cfg.time.step
        slope, icpt = np.polyfit(t, e, 1)
        scale = abs(e.mean())
        print(f"1. NVE, LJ N = 500, ρ = 0.8442, θ0 = 1.44, dt = 0.005, cut-off 2.5 {mode}, {steps} steps "
              f"({wall:.0f} s wall):")
        print(f"   e(0) = {e[0]:.6f}, ⟨e⟩ = {e.mean():.6f} per particle; "
              f"list builds: {int(end.nbr.rebuilds)}")
        print(f"   relative drift (fit) = {abs(slope * t[-1]) / scale:.2e};  RMS fluctuation = "
              f"{np.std(e - (slope * t + icpt)) / scale:.2e};  max |E(t) − E(0)|/|E(0)| = "
              f"{np.abs(e - e[0]).max() / abs(e[0]):.2e}")


def energy_order() -> None:
    print("2. Order of the energy error (RMS of E(t) − E(0), t ≤ 2; N = 108, all pairs):")
    for mode in ("shifted_force", "shifted"):
        cfg = lj_config(108, skin=0.0, cutoff_mode=mode)  # all pairs
        s0, sim0 = level.initial_state(cfg)
        dts = np.array([0.008, 0.0056, 0.004, 0.0028, 0.002])
        rms = []
        for dt in dts:
            sim = Simulation(dataclasses.replace(sim0.system, dt=dt))
            data, _ = series(sim, sim.prepare(s0), 50, round(0.04 / dt))
            e = data["internal_energy"]
            rms.append(np.sqrt(np.mean((e - e[0]) ** 2)))
        order = np.polyfit(np.log(dts), np.log(rms), 1)[0]
        listed = ", ".join(f"{r:.2e}" for r in rms)
        print(f"   cut-off {mode:13s}: RMS = {listed};  fitted order = {order:.3f}")


def balance() -> None:
    print("3. e(t) − e(0) + ∫P:L/ρ dt along trajectories (WCA, ρ = 0.3, N = 256, t ≤ 1):")
    for kind, rate in (("simple_shear", 1.0), ("planar_extension", 0.3), ("isotropic_expansion", 0.5)):
        cfg = config.validate({
            "system": {"particles": 256, "density": 0.3, "temperature": 1.0, "seed": 2},
            "interaction": {"potential": "wca"}, "flow": {"kind": kind, "rate": rate},
            "time": {"end": 1.0, "step": 0.004, "save_every": 0.1},
            "initial": {"kind": "maxwellian", "equilibration": 0.5},
            "levels": {"particles": {"backend": "jax"}}})
        s0, sim0 = level.initial_state(cfg)
        A = cfg.velocity_gradient()
        res = []
        for dt in (0.004, 0.002):
            sim = Simulation(dataclasses.replace(sim0.system, dt=dt))
            data, _ = series(sim, sim.prepare(s0), round(1.0 / dt), 1,
                             names=("internal_energy", "power", "density"))
            e, rate_, rho = data["internal_energy"], data["power"], data["density"]
            work = np.concatenate([[0.0], np.cumsum(0.5 * (rate_[1:] + rate_[:-1]) * dt)])
            r = e - e[0] - work
            tt = np.arange(len(e)) * dt
            exact = np.array([flows.density(0.3, A, x) for x in tt])
            res.append((np.sqrt(np.mean(r**2)), e[-1] - e[0], np.abs(rho / exact - 1).max()))
        print(f"   {kind:20s}: Δe = {res[0][1]:+.4f}; residual RMS {res[0][0]:.2e} (dt 0.004), "
              f"{res[1][0]:.2e} (dt 0.002), ratio {res[0][0] / res[1][0]:.2f};  "
              f"max |ρ/ρ_exact − 1| = {max(res[0][2], res[1][2]):.1e}")


def bench() -> None:
    print("4. JAX path, classic LJ benchmark state (fcc, ρ 0.8442, θ 1.44, r_c 2.5, skin 0.3):")
    for n in (500, 32000):
        side = (n / 0.8442) ** (1 / 3)
        pot = make_potential("lj")
        H0 = side * np.eye(3)
        system = System.make(pot, np.zeros((3, 3)), H0, 0.005, skin=0.3,
                             method=default_method(n, H0, pot.cutoff, 0.3))
        x = jax.numpy.asarray(initial.lattice_sites(n, 3, side))
        v = initial.maxwellian_velocities(jax.random.PRNGKey(1), n, 3, 1.44)
        sim = Simulation(system)
        t0 = time.perf_counter()
        s = sim.advance(sim.prepare(integrator.new_state(x, v, system)), 100)
        s.position.block_until_ready()
        warm = time.perf_counter() - t0
        b0 = int(s.nbr.rebuilds)
        t0 = time.perf_counter()
        s = sim.advance(s, 100)
        s.position.block_until_ready()
        wall = time.perf_counter() - t0
        print(f"   N = {n:6d}: {100 / wall:8.1f} steps/s = {n * 100 / wall / 1e6:.3f} M atom-steps/s "
              f"({int(s.nbr.rebuilds) - b0} list builds in 100 steps; compile + 100 warm-up steps "
              f"{warm:.1f} s; {jax.device_count()} {jax.default_backend()} device(s))")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--bench", action="store_true", help="also time the JAX path")
    parser.add_argument("--only-bench", action="store_true")
    args = parser.parse_args()
    if not args.only_bench:
        nve_drift(args.steps)
        energy_order()
        balance()
    if args.bench or args.only_bench:
        bench()


if __name__ == "__main__":
    main()
