"""Ensembles of replicas: the vmapped ensemble equals separate runs, does not depend on the number
of devices, and the Numba ensemble equals the JAX one step for step; the level writes ensemble
means with standard errors, calls frame observers, and resumes bit for bit (also with rotating
particles)."""

import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import xarray as xr

from bbgky import config
from bbgky.models.potentials import make_potential
from bbgky.particles import frames, initial, integrator, lattice, level
from bbgky.particles.simulation import Simulation
from bbgky.particles.state import System, replica_key

HERE = Path(__file__).resolve().parent


def small_ensemble(R: int, n: int = 32, steps: int = 0, backend: str = "jax"):
    """R replicas of a sheared 3D WCA fluid (ρ = 0.5, all pairs), velocities from
    fold_in(seed 7, r); returns (simulation, ensemble after ``steps`` steps)."""
    side = (n / 0.5) ** (1 / 3)
    A = np.array([[0.0, 0.0, 0.6], [0.0, 0.05, 0.0], [0.0, 0.0, -0.05]])
    system = System.make(make_potential("wca"), A, side * np.eye(3), 0.005, method="all_pairs")
    x = jnp.asarray(initial.lattice_sites(n, 3, side))
    states = []
    for r in range(R):
        w = initial.maxwellian_velocities(jax.random.fold_in(replica_key(7, r), 2), n, 3, 1.0)
        states.append(integrator.new_state(x, w + x @ jnp.asarray(A).T, system))
    sim = Simulation(system, backend=backend)
    ens = sim.prepare(integrator.stack(states))
    return sim, (sim.advance(ens, steps) if steps else ens)


def test_vmapped_ensemble_equals_separate_runs():
    R = 64
    sim, ens = small_ensemble(R)
    out = sim.advance(ens, 60)
    assert out.replicas == R and int(np.bitwise_or.reduce(np.asarray(out.status))) == 0
    err = 0.0
    for r in range(R):
        one = sim.advance(sim.prepare(integrator.replica(ens, r)), 60)
        for a, b in ((out.position[r], one.position), (out.velocity[r], one.velocity)):
            err = max(err, float(np.max(np.abs(np.asarray(a) - np.asarray(b)))))
    print(f"vmap vs separate: max |Δ| = {err:.2e}")
    assert err < 1e-12


def test_verlet_ensemble_grows_its_shared_capacity():
    """Verlet lists in a vmapped ensemble, started with room for 2 neighbours: the overflow of any
    replica grows the shared capacity, the piece is redone, and each replica equals its own run."""
    n, R = 144, 2
    side = (n / 0.6) ** 0.5
    A = np.array([[0.0, 0.5], [0.0, 0.0]])
    system = System.make(make_potential("wca"), A, side * np.eye(2), 0.005, method="verlet",
                         capacity=(2, 0))
    x = jnp.asarray(initial.lattice_sites(n, 2, side))
    states = [integrator.new_state(x, initial.maxwellian_velocities(replica_key(1, r), n, 2, 1.0)
                                   + x @ jnp.asarray(A).T, system) for r in range(R)]
    sim = Simulation(system)
    ens = sim.prepare(integrator.stack(states))
    assert int(np.asarray(ens.nbr.capacity)[0, 0]) > 2
    out = sim.advance(ens, 40)
    assert np.all(np.asarray(out.nbr.rebuilds) > 1)
    for r in range(R):
        one = sim.advance(sim.prepare(states[r]), 40)
        dx = np.asarray(out.position[r]) - np.asarray(one.position)
        H = (np.eye(2) + float(one.time) * A) @ system.H0_np @ np.asarray(one.basis)
        dx -= np.round(dx @ np.linalg.inv(H).T) @ H.T  # list builds (wraps) differ under vmap
        assert np.abs(dx).max() < 1e-12


def test_isokinetic_ensemble_regrows_its_list_while_advancing():
    """Regression (the ``[ensemble]`` + Maxwellian equilibration crash): an overflow met inside
    ``advance`` (not ``prepare``) regrows the replicas' shared capacity, whose ``[R, 2]`` leaf was
    once read as one system's (K, C). The equilibration's isokinetic dynamics (A = 0) on R = 3
    replicas from one lattice with different velocities: the run completes with a grown list,
    every replica stays at θ = 1 to 1e-12 and the replicas end in different configurations."""
    n, R, theta = 144, 3, 1.0
    side = (n / 0.6) ** 0.5
    system = System.make(make_potential("wca"), np.zeros((2, 2)), side * np.eye(2), 0.005,
                         method="verlet", isokinetic=theta)
    x = jnp.asarray(initial.lattice_sites(n, 2, side))
    states = [integrator.new_state(x, initial.maxwellian_velocities(replica_key(3, r), n, 2, theta),
                                   system) for r in range(R)]
    sim = Simulation(system)
    ens = sim.prepare(integrator.stack(states))
    # room for 2 neighbours only: the first piece of `advance` overflows and must regrow
    squeezed = ens.nbr._replace(capacity=ens.nbr.capacity.at[:, 0].set(2))
    out = sim.advance(ens._replace(nbr=squeezed), 20)
    assert out.replicas == R and int(np.bitwise_or.reduce(np.asarray(out.status))) == 0
    assert np.all(np.asarray(out.nbr.capacity)[:, 0] > 2)
    assert sim.health(out) is None
    temperature = sim.observe(out)["temperature"]
    assert temperature.shape == (R,)
    assert np.allclose(temperature, theta, rtol=1e-12, atol=0)
    pos = np.asarray(out.position)
    assert min(np.abs(pos[r] - pos[0]).max() for r in range(1, R)) > 1e-3


def _ensemble_positions(devices: int) -> np.ndarray:
    _, out = small_ensemble(4, steps=20)
    assert len(jax.devices()) == devices
    if devices > 1:  # the replica axis really is spread over the devices
        assert len(integrator.shard_replicas(out).position.sharding.device_set) == devices
    return np.concatenate([np.asarray(out.position).ravel(), np.asarray(out.velocity).ravel()])


def test_four_host_devices_give_the_same_numbers_as_one():
    one = _ensemble_positions(len(jax.devices()))
    script = (f"import sys; sys.path.insert(0, {str(HERE)!r}); import jax; "
              "jax.config.update('jax_enable_x64', True); import numpy as np; "
              "import test_ensemble as t; np.save(sys.argv[1], t._ensemble_positions(4))")
    out = HERE.parent.parent / ".pytest_tmp_devices.npy"
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4", JAX_PLATFORMS="cpu")
    try:
        subprocess.run([sys.executable, "-c", script, str(out)], check=True, env=env, timeout=300)
        four = np.load(out)
    finally:
        out.unlink(missing_ok=True)
    err = float(np.max(np.abs(four - one)))
    print(f"4 devices vs 1: max |Δ| = {err:.2e}")
    assert err < 1e-12


def test_numba_ensemble_equals_jax_ensemble():
    """50 steps, R = 3: positions modulo the lattice (each backend wraps at its own rebuilds) and
    peculiar velocities to 1e-10, as the single-system test of the Numba backend."""
    sim_j, ens = small_ensemble(3)
    sim_n = Simulation(sim_j.system, backend="numba")
    a = sim_j.advance(ens, 50)
    b = sim_n.advance(ens, 50)
    sysm = sim_j.system
    t = float(np.asarray(a.time)[0])
    assert np.array_equal(np.asarray(a.step), np.asarray(b.step))
    H = lattice.cell_at(sysm.H0_np, sysm.A_np, np.asarray(a.basis)[0], t)
    dx = np.asarray(b.position) - np.asarray(a.position)
    dx -= np.round(dx @ np.linalg.inv(H).T) @ H.T
    from bbgky.particles.state import peculiar_velocity

    dw = np.asarray(peculiar_velocity(b, sysm.A_np)) - np.asarray(peculiar_velocity(a, sysm.A_np))
    print(f"numba vs jax ensemble: |Δx| {np.abs(dx).max():.2e}, |Δw| {np.abs(dw).max():.2e}")
    assert np.abs(dx).max() < 1e-10 and np.abs(dw).max() < 1e-10
    oa, ob = sim_j.observe(a), sim_n.observe(b)
    for key in ("temperature", "potential_energy", "pressure_tensor"):
        assert oa[key].shape[0] == 3
        assert np.allclose(oa[key], ob[key], rtol=1e-9, atol=1e-12), key


def test_numba_ensemble_equals_numba_runs_per_replica():
    """``numba_backend.advance_ensemble`` (one JAX↔NumPy round trip for the ensemble) gives, leaf
    for leaf, bit for bit, the stack of the single-system ``advance`` of each replica."""
    from bbgky.particles import numba_backend as nb

    sim, ens = small_ensemble(3)
    together = nb.advance_ensemble(ens, 40, sim.system)
    apart = integrator.stack([nb.advance(integrator.replica(ens, r), 40, sim.system) for r in range(3)])
    for a, b in zip(jax.tree_util.tree_leaves(together), jax.tree_util.tree_leaves(apart), strict=True):
        assert np.asarray(a).dtype == np.asarray(b).dtype and np.array_equal(np.asarray(a), np.asarray(b))
    assert int(np.asarray(together.step)[0]) == 40


class PairCount:
    """A test observer: the number of pairs closer than 1.2 per replica, and the mean |w|²."""

    name = "paircount"

    def __init__(self):
        self.finished = None
        self.frames = []

    def observe(self, frame: frames.Frame) -> dict[str, np.ndarray]:
        self.frames.append(frame)
        x, H = frame.position, frame.cell
        d = x[:, :, None, :] - x[:, None, :, :]
        s = d @ np.linalg.inv(H).T
        d = (s - np.round(s)) @ H.T
        r2 = np.sum(d * d, axis=-1)
        n = x.shape[1]
        close = np.sum((r2 < 1.2**2) & ~np.eye(n, dtype=bool), axis=(1, 2)) // 2
        return {"close": close, "w2": np.mean(np.sum(frame.peculiar_velocity**2, axis=-1), axis=1)}

    def finish(self, times, records, out):
        self.finished = (times, records, out)


def _cfg(R, **over):
    data = {
        "title": "ensemble",
        "system": {"dimension": 2, "particles": 36, "density": 0.6, "temperature": 1.0, "seed": 5},
        "interaction": {"potential": "wca"},
        "flow": {"kind": "simple_shear", "rate": 0.5},
        "time": {"end": 0.3, "step": 0.005, "save_every": 0.05},
        "initial": {"kind": "maxwellian", "equilibration": 0.05},
        "ensemble": {"replicas": R},
        "levels": {"particles": {"backend": "jax", "velocity_samples": 10}},
    }
    data.update(over)
    return config.validate(data)


def test_ensemble_output_means_stderr_and_observers(tmp_path):
    R = 4
    cfg = _cfg(R)
    obs = PairCount()
    ds = level.run(cfg, tmp_path, observers=(obs,))
    on_disk = xr.load_dataset(tmp_path / "particles.nc")
    T = 7
    assert on_disk.sizes["time"] == T and on_disk.attrs["replicas"] == R
    assert "ensemble mean over 4 replicas" in on_disk.temperature.attrs["long_name"]
    assert "standard error" in on_disk.temperature_stderr.attrs["long_name"]
    assert on_disk.temperature.values[0] == pytest.approx(1.0, rel=1e-13)  # θ0 in every replica
    assert on_disk.temperature_stderr.values[0] < 1e-13 and on_disk.temperature_stderr.values[-1] > 0
    assert on_disk.pressure_tensor_stderr.shape == (T, 2, 2)
    assert on_disk.velocity_sample.shape == (T, 10, 2)
    assert not any(":" in name for name in on_disk.data_vars)  # observer records stay out
    # the observer saw every save, with the Frame's shapes and conventions
    assert len(obs.frames) == T
    f = obs.frames[-1]
    assert f.position.shape == (R, 36, 2) and f.cell.shape == (2, 2) and f.orientation is None
    s = f.position @ np.linalg.inv(f.cell).T
    assert s.min() >= 0 and s.max() < 1  # the images inside the cell
    assert np.allclose(f.peculiar_velocity, f.velocity - f.position @ f.L.T, atol=1e-13)
    # the mean |w|² of the frames is the level's temperature (d(N-1)/N factor)
    times, records, out = obs.finished
    assert out == tmp_path and np.allclose(times, ds.time.values)
    assert records["close"].shape == (T, R) and records["w2"].shape == (T, R)
    theta = records["w2"] * 36 / (2 * 35)
    assert np.allclose(theta.mean(axis=1), on_disk.temperature.values, rtol=1e-12)
    assert np.allclose(theta.std(axis=1, ddof=1) / 2, on_disk.temperature_stderr.values, rtol=1e-9)


def test_ensemble_keys_do_not_depend_on_R(tmp_path):
    """Replica 0 of an ensemble starts as the one-system run of the same seed."""
    no_eq = {"kind": "maxwellian", "equilibration": 0.0}
    one, _ = level.initial_state(_cfg(1, initial=no_eq))
    ens, _ = level.initial_state(_cfg(3, initial=no_eq))
    assert one.replicas is None and ens.replicas == 3
    assert np.allclose(np.asarray(ens.velocity[0]), np.asarray(one.velocity), rtol=0, atol=1e-12)
    assert not np.allclose(np.asarray(ens.velocity[1]), np.asarray(one.velocity))


def _rotating_system(cfg):
    from test_rotation import PAIR, field_energy

    side = cfg.box_length()
    return System.make(PAIR, cfg.velocity_gradient(), side * np.eye(2), cfg.time.step,
                       method="all_pairs", inertia=0.5, long_range=field_energy)


def test_ensemble_resume_is_bit_identical_with_rotation(tmp_path, interrupt):
    """R = 2 rotating particles (orientation-dependent pair + long-range term), observer records."""
    cfg = _cfg(2)
    system = _rotating_system(cfg)

    def run(path, **kw):
        return level.run(cfg, path, observers=(obs := PairCount(),), system=system, **kw), obs

    full, obs_full = run(tmp_path / "full")
    assert "rotational_temperature_stderr" in full and full.attrs["moment_of_inertia"] == 0.5
    assert obs_full.frames[-1].orientation.shape == (2, 36)

    interrupt(partial(run, tmp_path / "cut"), after=3 * 10)
    resumed, obs_res = run(tmp_path / "cut", resume=True)
    for name in full.data_vars:
        assert np.array_equal(full[name].values, resumed[name].values), name
    for key, val in obs_full.finished[1].items():
        assert np.array_equal(val, obs_res.finished[1][key]), key
