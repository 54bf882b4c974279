"""Objective MD (James–Qi–Wang §1.3): image invariance of w (eq. 11), the universal conservation laws
along trajectories (eq. 50), the free expansion law, lattice reduction invisible to the dynamics,
and the refusal to continue in a cell too thin for the cut-off."""

import dataclasses

import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.errors import NumericalFailure
from bbgky.models import flows
from bbgky.models.potentials import from_function
from bbgky.particles import integrator, lattice

MIXED = np.array([[0.1, 0.3, 0.2], [-0.2, 0.05, 0.1], [0.3, 0.0, -0.1]])


def _w(sim, s):
    return np.asarray(s.velocity) - np.asarray(s.position) @ flows.flow_gradient(sim.system.A_np,
                                                                                float(s.time)).T


def _same_modulo_lattice(sim, a, b, tol=1e-9):
    H = lattice.cell_at(sim.system.H0_np, sim.system.A_np, np.asarray(a.basis), float(a.time))
    k = np.linalg.solve(H, (np.asarray(a.position) - np.asarray(b.position)).T)
    return np.abs(k - np.rint(k)).max() < tol


def test_images_share_peculiar_velocity(md):
    """x + H(t)n moves with v + A H0 U n: the same w = v − L(t)x (eq. 11), for every image."""
    sim, s = md(256, rho=0.3, theta=1.0, potential="wca", A=MIXED)
    s = sim.advance(s, 150)
    t = float(s.time)
    U = np.asarray(s.basis)
    H = lattice.cell_at(sim.system.H0_np, MIXED, U, t)
    L = flows.flow_gradient(MIXED, t)
    x, v = np.asarray(s.position), np.asarray(s.velocity)
    w = v - x @ L.T
    for n in ([1, 0, 0], [0, -1, 0], [2, 1, -3], [-1, 4, 1]):
        n = np.array(n, float)
        xi = x + H @ n
        vi = v + MIXED @ sim.system.H0_np @ U @ n
        assert np.allclose(vi - xi @ L.T, w, rtol=0, atol=1e-12)


def test_an_image_follows_the_same_trajectory(md):
    """Replacing a particle by one of its images changes nothing but that particle's label."""
    sim, s = md(256, rho=0.3, theta=1.0, potential="wca", A=MIXED)
    H0, U = sim.system.H0_np, np.asarray(s.basis)
    n = np.array([1.0, -2.0, 1.0])
    x = np.asarray(s.position).copy()
    v = np.asarray(s.velocity).copy()
    x[7] += lattice.cell_at(H0, MIXED, U, 0.0) @ n
    v[7] += MIXED @ H0 @ U @ n
    s2 = sim.prepare(integrator.new_state(jnp.asarray(x), jnp.asarray(v), sim.system))
    a, b = sim.advance(s, 200), sim.advance(s2, 200)
    assert _same_modulo_lattice(sim, a, b)
    assert np.allclose(_w(sim, a), _w(sim, b), rtol=0, atol=1e-9)


FLOWS = {
    "simple_shear": 1.0,
    "planar_extension": 0.3,
    "isotropic_expansion": 0.5,
}


# one flow in the default suite; the other two with the slow ones (same code path, other A)
@pytest.mark.parametrize("kind", ["simple_shear", pytest.param("planar_extension", marks=pytest.mark.slow),
                                  pytest.param("isotropic_expansion", marks=pytest.mark.slow)])
def test_conservation_laws_along_trajectories(md, kind):
    """ρ(t) = ρ0/det(I + tA) to round-off; e(t) − e(0) + ∫P:L/ρ dt → 0 as dt², checked with dt → dt/2."""
    A = flows.velocity_gradient(kind, 3, FLOWS[kind])
    sim0, s = md(128, rho=0.3, theta=1.0, potential="wca", A=A, melt_steps=100)
    o0 = sim0.observe(s)  # the prepared start and its observables do not depend on dt
    T = 1.0
    rms = []
    for dt in (0.004, 0.002):
        end, obs = integrator.trajectory(s, round(T / dt), 1, dataclasses.replace(sim0.system_for(s), dt=dt))
        assert int(end.status) == 0
        t = np.arange(round(T / dt) + 1) * dt
        rho = np.concatenate([[o0["density"]], np.asarray(obs["density"])])
        exact = np.array([flows.density(0.3, A, tt) for tt in t])
        assert np.abs(rho / exact - 1).max() < 1e-13
        e = np.concatenate([[o0["internal_energy"]], np.asarray(obs["internal_energy"])])
        rate = np.concatenate([[o0["power"]], np.asarray(obs["power"])])  # −P:L/ρ
        work = np.concatenate([[0.0], np.cumsum(0.5 * (rate[1:] + rate[:-1]) * dt)])
        residual = e - e[0] - work
        assert abs(e[-1] - e[0]) > 50 * np.abs(residual).max()  # the flow does real work
        rms.append(np.sqrt(np.mean(residual**2)))
    assert 3.0 < rms[0] / rms[1] < 5.5, rms


def test_free_gas_expansion_temperature_law(md):
    """Non-interacting gas, isotropic expansion: θ(t) = θ0 det(I + tA)^(−2/3) exactly."""
    free = from_function(lambda r: 0.0 * r, cutoff=1.0, cutoff_mode="none", name="free")
    A = flows.velocity_gradient("isotropic_expansion", 3, 0.7)
    sim, s = md(300, rho=0.2, theta=1.3, potential=free, A=A)
    assert sim.system.method == "verlet"
    for _ in range(6):
        s = sim.advance(s, 100)
        t = float(s.time)
        theta = float(sim.observe(s)["temperature"])
        assert abs(theta / (1.3 * np.linalg.det(np.eye(3) + t * A) ** (-2 / 3)) - 1) < 1e-12
    assert int(s.nbr.rebuilds) > 1


def test_lattice_reduction_does_not_change_the_dynamics(md):
    """Shear past tilt 1/2 (a Lees–Edwards flip) equals the same run in the unreduced cell."""
    A = flows.velocity_gradient("simple_shear", 3, 1.0)
    sim, s0 = md(256, rho=0.3, theta=1.0, potential="wca", A=A)
    reduced = sim.advance(s0, 300)  # t = 1.5: tilt 1.5, reduced to −0.5
    assert not np.array_equal(np.asarray(reduced.basis), np.eye(3))
    sysm = sim.system_for(s0)
    assert sysm.grid == ()  # all-candidate builds: valid in any cell wide enough
    plain = integrator.advance(s0, 300, sysm)  # basis I throughout
    assert int(plain.status) == 0 and np.array_equal(np.asarray(plain.basis), np.eye(3))
    assert _same_modulo_lattice(sim, reduced, plain)
    assert np.allclose(_w(sim, reduced), _w(sim, plain), rtol=0, atol=1e-9)


def test_too_thin_cell_stops_the_run(md):
    """Planar extension thins the cell along y and no basis helps: the skin shrinks first, then
    NumericalFailure before the cell is thinner than twice the cut-off."""
    A = flows.velocity_gradient("planar_extension", 3, 0.5)
    sim, s = md(256, rho=0.3, theta=1.0, potential="wca", A=A)
    side = (256 / 0.3) ** (1 / 3)
    shrunk = False
    with pytest.raises(NumericalFailure, match="too thin"):
        for _ in range(40):
            s = sim.advance(s, 20)
            width = (1 - 0.5 * float(s.time)) * side
            shrunk |= width < 2 * sim.system.list_radius
    assert shrunk  # it ran on with a smaller skin while that was possible
    assert (1 - 0.5 * float(s.time)) * side >= 2 * sim.system.cutoff  # and stopped in time
