"""The kick–drift–kick step: energy conservation (NVE), second order, momentum conservation,
time reversibility, vmapped ensembles equal separate runs, and capacity overflow handled by a
redo with grown capacities (no pair lost)."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.particles import integrator, lattice
from bbgky.particles.simulation import Simulation
from bbgky.particles.state import OVERFLOW_CELLS, OVERFLOW_NEIGHBOURS

MIXED = np.array([[0.1, 0.3, 0.2], [-0.2, 0.05, 0.1], [0.3, 0.0, -0.1]])


def _energies(sim, state, saves, every):
    sysm = sim.system_for(state)
    e0 = float(sim.observe(state)["internal_energy"])
    end, obs = integrator.trajectory(state, saves, every, sysm)
    assert int(end.status) == 0
    return np.concatenate([[e0], np.asarray(obs["internal_energy"])]), end, obs


def drift_and_noise(e, dt_save):
    """Relative drift (linear fit of E(t) over the run, times its length, over |⟨E⟩|) and the
    relative RMS fluctuation about that fit."""
    t = np.arange(len(e)) * dt_save
    slope, icpt = np.polyfit(t, e, 1)
    scale = abs(np.mean(e))
    return abs(slope * t[-1]) / scale, np.std(e - (slope * t + icpt)) / scale


@pytest.mark.slow  # the default suite keeps test_energy_error_is_second_order
def test_nve_energy_drift_short(md):
    """LJ liquid (ρ = 0.8442, θ = 1.44, N = 500, dt = 0.005, r_c = 2.5 shifted-force): 1000 steps;
    the slow test runs 10⁴ (validation/particles_nve.py prints both cut-off modes)."""
    sim, state = md(500, melt_steps=100, cutoff_mode="shifted_force")
    assert sim.system.method == "verlet"
    e, end, obs = _energies(sim, state, 100, 10)
    drift, noise = drift_and_noise(e, 10 * sim.system.dt)
    assert drift < 1e-4, drift
    assert noise < 3e-4, noise
    assert int(end.nbr.rebuilds) > 10  # the list was rebuilt along the way
    p = np.asarray(obs["momentum"])
    assert np.abs(p).max() < 1e-13


@pytest.mark.slow
def test_nve_energy_drift_long(md):
    sim, state = md(500, melt_steps=400, cutoff_mode="shifted_force")
    e, _, _ = _energies(sim, state, 1000, 10)
    drift, noise = drift_and_noise(e, 10 * sim.system.dt)
    assert drift < 1e-4, drift
    assert noise < 3e-4, noise


def test_energy_error_is_second_order(md):
    """RMS of E(t) − E(0) over t ≤ 2 for h = 0.008, 0.004, 0.002; fitted slope 2 ± 0.2 (smooth
    cut-off). The prepared start and E(0) do not depend on h: one compiled trajectory per h only."""
    sim, s0 = md(108, melt_steps=200, cutoff_mode="shifted_force")
    sysm = sim.system_for(s0)
    e0 = float(sim.observe(s0)["internal_energy"])
    dts = np.array([0.008, 0.004, 0.002])
    rms = []
    for dt in dts:
        end, obs = integrator.trajectory(s0, 50, round(0.04 / dt), dataclasses.replace(sysm, dt=dt))
        assert int(end.status) == 0
        rms.append(np.sqrt(np.mean(np.concatenate([[0.0], np.asarray(obs["internal_energy"]) - e0]) ** 2)))
    order = np.polyfit(np.log(dts), np.log(rms), 1)[0]
    assert abs(order - 2) < 0.2, (rms, order)


@pytest.mark.parametrize("flow", ["none", "mixed"])
def test_momentum_conserved_to_round_off(md, flow):
    """Σw is conserved (A = 0) or decays as F(t)^{-1}Σw(0) = 0 (it starts at zero) under a flow."""
    A = None if flow == "none" else MIXED
    sim, state = md(256, rho=0.3, theta=1.0, potential="wca", A=A)
    end = sim.advance(state, 200)
    for s in (state, end):
        p = sim.observe(s)["momentum"]
        assert np.abs(p).max() < 1e-13


@pytest.mark.parametrize("n,rho,flow", [(108, 0.8442, "none"), (256, 0.3, "mixed")])
def test_time_reversible(md, n, rho, flow):
    """n steps with h then n steps with −h return to the start (positions modulo the lattice)."""
    A = None if flow == "none" else MIXED
    sim, s0 = md(n, rho=rho, theta=1.0, A=A, potential="lj" if flow == "none" else "wca")
    fwd = sim.advance(s0, 100)
    back_sim = Simulation(dataclasses.replace(sim.system, dt=-sim.system.dt))
    back = back_sim.advance(fwd._replace(step=-fwd.step), 100)
    assert int(back.step) == 0 and float(back.time) == 0.0
    A = jnp.asarray(sim.system.A_np)
    w0, w1 = (np.asarray(s.velocity - s.position @ A.T) for s in (s0, back))
    assert np.abs(w1 - w0).max() < 1e-9
    H = lattice.cell_at(sim.system.H0_np, sim.system.A_np, np.eye(w0.shape[1]), 0.0)
    k = np.linalg.solve(H, (np.asarray(back.position) - np.asarray(s0.position)).T)
    assert np.abs(k - np.rint(k)).max() < 1e-9


@pytest.mark.parametrize("n,rho", [(64, 0.5), pytest.param(200, 0.3, marks=pytest.mark.slow)])
def test_vmapped_ensemble_matches_separate_runs(md, n, rho):
    runs = [md(n, rho=rho, theta=1.0, potential="wca", A=MIXED, seed=k) for k in range(3)]
    sim = runs[0][0]
    states = [s for _, s in runs]
    # one static layout for all replicas (the largest capacities)
    K = max(int(s.nbr.capacity[0]) for s in states)
    if sim.system.method == "verlet":
        states = [integrator.prepare(sim._layout(s, (), (K, 0)), sim.system_for(sim._layout(s, (), (K, 0))))
                  for s in states]
    sysm = sim.system_for(states[0])
    batch = jax.tree_util.tree_map(lambda *xs: jnp.stack(xs), *states)
    out = integrator.advance_ensemble(batch, 60, sysm)
    for r, s in enumerate(states):
        one = integrator.advance(s, 60, sysm)
        assert int(one.status) == 0 and int(out.status[r]) == 0
        assert np.allclose(np.asarray(out.position[r]), np.asarray(one.position), rtol=0, atol=1e-11)
        assert np.allclose(np.asarray(out.velocity[r]), np.asarray(one.velocity), rtol=0, atol=1e-11)


def test_overflow_grows_capacity_and_redoes(md):
    sim, state = md(256, rho=0.8442)
    ref = sim.advance(state, 40)
    tiny = sim._layout(state, sim.system_for(state).grid, (8, int(state.nbr.capacity[1])))
    sysm = sim.system_for(tiny)
    failed = integrator.advance(tiny, 40, sysm)
    assert int(failed.status) & OVERFLOW_NEIGHBOURS  # flagged, never silently dropped
    out = sim.advance(tiny, 40)  # the host grows K and redoes the piece
    assert int(out.status) & (OVERFLOW_NEIGHBOURS | OVERFLOW_CELLS) == 0
    assert int(out.nbr.capacity[0]) >= int(out.nbr.max_count)
    # the redo rebuilt (and wrapped) at other steps: same trajectory modulo lattice vectors
    H = lattice.cell_at(sim.system.H0_np, sim.system.A_np, np.asarray(out.basis), float(out.time))
    k = np.linalg.solve(H, (np.asarray(out.position) - np.asarray(ref.position)).T)
    assert np.abs(k - np.rint(k)).max() < 1e-9
    dv = np.asarray(out.velocity) - np.asarray(ref.velocity)  # A = 0: no image velocity
    assert np.abs(dv).max() < 1e-9
