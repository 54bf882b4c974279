"""Observables against an independent NumPy evaluation (explicit image search, hand-written LJ
derivative used only here as a cross-check), in a deformed, reduced cell; dimension conventions."""

import itertools

import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.models import flows
from bbgky.particles import integrator, lattice
from bbgky.particles.observables import observe

MIXED = np.array([[0.1, 0.3, 0.2], [-0.2, 0.05, 0.1], [0.3, 0.0, -0.1]])


def _brute(x, w, H, rc):
    """P·V pieces, q·V and potential energy by explicit images; LJ shifted at rc."""
    n, d = x.shape
    images = np.array(list(itertools.product(range(-2, 3), repeat=d))) @ H.T
    uc = 4 * (rc**-12 - rc**-6)
    u_i = np.zeros(n)
    vir = np.zeros((d, d))
    heat = np.zeros(d)
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            r = x[i] - x[j] + images
            r2 = np.sum(r * r, axis=1)
            k = np.argmin(r2)
            if r2[k] >= rc * rc:
                continue
            rij = r[k]
            s = np.sqrt(r2[k])
            U = 4 * (s**-12 - s**-6) - uc
            f = (48 * s**-14 - 24 * s**-8) * rij  # force on i from j
            u_i[i] += 0.5 * U
            vir += 0.5 * np.outer(rij, f)
            heat += 0.5 * rij * (f @ w[i])
    return u_i, vir, heat


@pytest.mark.parametrize("t", [0.0, pytest.param(1.3, marks=pytest.mark.slow)])
def test_observables_match_brute_force(md, t):
    sim, s = md(150, rho=0.6, theta=1.2, A=MIXED)
    s = sim.advance(s, round(t / sim.system.dt)) if t else s
    tt = float(s.time)
    obs = sim.observe(s)
    x, v = np.asarray(s.position), np.asarray(s.velocity)
    L = flows.flow_gradient(MIXED, tt)
    w = v - x @ L.T
    H = lattice.cell_at(sim.system.H0_np, MIXED, np.asarray(s.basis), tt)
    V = abs(np.linalg.det(H))
    u_i, vir, heat = _brute(x, w, H, 2.5)
    n = len(x)
    P = (w.T @ w + vir) / V
    q = (np.sum(w * (0.5 * np.sum(w * w, 1) + u_i)[:, None], axis=0) + heat) / V
    assert obs["density"] == pytest.approx(n / V, rel=1e-14)
    assert obs["density"] == pytest.approx(flows.density(0.6, MIXED, tt), rel=1e-13)
    assert obs["potential_energy"] == pytest.approx(u_i.sum() / n, rel=1e-11)
    assert obs["kinetic_energy"] == pytest.approx(0.5 * np.sum(w * w) / n, rel=1e-13)
    assert obs["temperature"] == pytest.approx(np.sum(w * w) / (3 * (n - 1)), rel=1e-13)
    assert np.allclose(obs["pressure_tensor"], P, rtol=1e-11, atol=1e-12)
    assert np.allclose(obs["heat_flux"], q, rtol=1e-10, atol=1e-12)
    speed = np.linalg.norm(w, axis=1)
    assert np.allclose(obs["speed_moment"], [np.mean(speed**k) for k in (2, 4, 6, 8)], rtol=1e-12)
    assert obs["power"] == pytest.approx(-np.sum(P * L) * V / n, rel=1e-12)


def test_ideal_gas_pressure_is_kinetic():
    """No interaction: P = Σ w⊗w / V, ρθ on the diagonal on average; q = Σ w|w|²/2 / V."""
    from bbgky.models.potentials import from_function
    from bbgky.particles.state import System

    free = from_function(lambda r: 0.0 * r, cutoff=1.0, cutoff_mode="none")
    rng = np.random.default_rng(1)
    n, side = 400, 12.0
    system = System.make(free, np.zeros((3, 3)), side * np.eye(3), 0.01)
    x = rng.uniform(0, side, (n, 3))
    w = rng.normal(size=(n, 3))
    s = integrator.prepare(integrator.new_state(jnp.asarray(x), jnp.asarray(w), system), system)
    obs = observe(system, s)
    assert np.allclose(np.asarray(obs["pressure_tensor"]), w.T @ w / side**3, rtol=1e-13)
    assert np.allclose(np.asarray(obs["heat_flux"]), (w * 0.5 * np.sum(w * w, 1)[:, None]).sum(0) / side**3,
                       rtol=1e-12)
    assert float(obs["potential_energy"]) == 0.0
