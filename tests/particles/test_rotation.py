"""Rotating particles: orientation-dependent pairs and the long-range hook give forces and torques
that match central finite differences of an independently written energy; the kick–drift–kick
with rotation conserves energy with an error of order 2; a free rotor keeps ω exactly and point
particles move exactly as before."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.models.oriented import OrientedPair
from bbgky.models.potentials import make_potential
from bbgky.particles import initial, integrator, pairs
from bbgky.particles.simulation import Simulation
from bbgky.particles.state import System

RC, C_ALIGN, C_AXIS = 1.5, 0.4, 0.3
KAPPA = 0.05


def soft_oriented(dr, ti, tj):
    """φ(r)[1 + c₁cos(θi − θj) + c₂cos(θi + θj − 2ψ)], φ = (1 − r²/r_c²)⁴, ψ the angle of r⃗
    (exchange-symmetric; the second term makes the force non-central)."""
    r2 = jnp.sum(dr * dr, axis=-1)
    phi = jnp.where(r2 < RC**2, (1 - r2 / RC**2) ** 4, 0.0)
    dx, dy = dr[..., 0], dr[..., 1]
    axis = (jnp.cos(ti + tj) * (dx * dx - dy * dy) + 2 * jnp.sin(ti + tj) * dx * dy) / r2
    return phi * (1 + C_ALIGN * jnp.cos(ti - tj) + C_AXIS * axis)


def field_energy(x, theta, cell):
    """A smooth periodic long-range test term, κ Σ cos(2π s_i,0 + θ_i) (s = H⁻¹x)."""
    s = x @ jnp.linalg.inv(cell).T
    return KAPPA * jnp.sum(jnp.cos(2 * jnp.pi * s[:, 0] + theta))


PAIR = OrientedPair("soft_oriented", RC, soft_oriented)


def numpy_energy(x, theta, H):
    """The total energy written again in NumPy (all pairs, minimum image)."""
    n = len(x)
    Hi = np.linalg.inv(H)
    e = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            d = x[i] - x[j]
            s = d @ Hi.T
            d = (s - np.round(s)) @ H.T
            r2 = d @ d
            if r2 < RC**2:
                phi = (1 - r2 / RC**2) ** 4
                ax = (np.cos(theta[i] + theta[j]) * (d[0] ** 2 - d[1] ** 2)
                      + 2 * np.sin(theta[i] + theta[j]) * d[0] * d[1]) / r2
                e += phi * (1 + C_ALIGN * np.cos(theta[i] - theta[j]) + C_AXIS * ax)
    s = x @ Hi.T
    return e + KAPPA * np.sum(np.cos(2 * np.pi * s[:, 0] + theta))


def rotor_system(n=36, rho=0.7, dt=0.01, A=None, inertia=0.5, long_range=field_energy):
    side = (n / rho) ** 0.5
    A = np.zeros((2, 2)) if A is None else A
    return System.make(PAIR, A, side * np.eye(2), dt, method="all_pairs", inertia=inertia,
                       long_range=long_range)


def rotor_start(system, n, seed=0, theta=1.0):
    key = jax.random.PRNGKey(seed)
    side = system.H0_np[0, 0]
    x = jnp.asarray(initial.lattice_sites(n, 2, side))
    x = x + 0.1 * jax.random.normal(jax.random.fold_in(key, 5), x.shape)
    w = initial.maxwellian_velocities(jax.random.fold_in(key, 2), n, 2, theta)
    rot = initial.rotor_state(jax.random.fold_in(key, 3), n, theta, system.inertia)
    v = w + x @ jnp.asarray(system.A_np).T
    return integrator.prepare(integrator.new_state(x, v, system, **rot), system)


def test_forces_and_torques_match_finite_differences():
    """Sheared cell at t = 0.3 (minimum image in H(t)); central differences, h = 1e-5."""
    n = 24
    A = np.array([[0.0, 0.8], [0.0, 0.0]])
    system = rotor_system(n, A=A)
    state = rotor_start(system, n, seed=4)
    t = 0.3
    x = np.asarray(state.position)
    theta = np.asarray(state.orientation)
    H = (np.eye(2) + t * A) @ system.H0_np
    f, tau = pairs.forces_torques(system, jnp.asarray(x), jnp.asarray(theta), t, state.basis, state.nbr)
    h = 1e-5
    fd_f = np.zeros_like(x)
    fd_tau = np.zeros_like(theta)
    for i in range(n):
        for a in range(2):
            xp, xm = x.copy(), x.copy()
            xp[i, a] += h
            xm[i, a] -= h
            fd_f[i, a] = -(numpy_energy(xp, theta, H) - numpy_energy(xm, theta, H)) / (2 * h)
        tp, tm = theta.copy(), theta.copy()
        tp[i] += h
        tm[i] -= h
        fd_tau[i] = -(numpy_energy(x, tp, H) - numpy_energy(x, tm, H)) / (2 * h)
    err_f = np.max(np.abs(np.asarray(f) - fd_f))
    err_tau = np.max(np.abs(np.asarray(tau) - fd_tau))
    print(f"FD force error {err_f:.2e}, torque error {err_tau:.2e}")
    assert np.max(np.abs(fd_f)) > 0.1 and np.max(np.abs(fd_tau)) > 0.1  # the test has teeth
    assert err_f < 1e-8 and err_tau < 1e-8
    # the energy the observables report is the same energy
    e = pairs.oriented_energy(system, jnp.asarray(x), jnp.asarray(theta), t, state.basis, state.nbr)
    e_lr, _ = pairs.long_range_terms(system, jnp.asarray(x), jnp.asarray(theta), t, state.basis)
    assert float(e + e_lr) == pytest.approx(numpy_energy(x, theta, H), rel=1e-12)


def test_long_range_virial_is_the_strain_derivative():
    """W_lr = −(∂E/∂ε)ᵀ: against central differences of the NumPy long-range term."""
    n = 16
    system = rotor_system(n)
    state = rotor_start(system, n, seed=1)
    x, theta = np.asarray(state.position), np.asarray(state.orientation)
    _, W = pairs.long_range_terms(system, state.position, state.orientation, 0.0, state.basis)
    H = system.H0_np

    def e(eps):
        M = np.eye(2) + eps
        s = (x @ M.T) @ np.linalg.inv(M @ H).T
        return KAPPA * np.sum(np.cos(2 * np.pi * s[:, 0] + theta))

    # the field depends on s = H⁻¹x only, which an affine strain leaves unchanged: W = 0;
    # a term that depends on the cell alone does not: check with a cell-dependent energy too
    assert np.max(np.abs(np.asarray(W))) < 1e-14
    assert abs(e(1e-3 * np.ones((2, 2))) - e(np.zeros((2, 2)))) < 1e-12

    def volume_term(x, theta, cell):
        return 0.7 * jnp.abs(jnp.linalg.det(cell)) + jnp.sum(x[:, 0] ** 2) * 1e-3

    sys2 = System.make(PAIR, np.zeros((2, 2)), H, 0.01, method="all_pairs", inertia=0.5,
                       long_range=volume_term)
    _, W2 = pairs.long_range_terms(sys2, state.position, state.orientation, 0.0, state.basis)
    V = abs(np.linalg.det(H))
    dE = 0.7 * V * np.eye(2) + 2e-3 * np.array([[np.sum(x[:, 0] ** 2), np.sum(x[:, 0] * x[:, 1])],
                                                  [0.0, 0.0]])  # ∂E/∂ε_ab = Σ ∂E/∂x_a x_b
    expect = -dE.T
    assert np.allclose(np.asarray(W2), expect, rtol=1e-12, atol=1e-12)


def test_energy_error_is_second_order_with_rotation():
    """Translational + rotational + pair + long-range energy, three steps; slope 2 ± 0.2. The
    prepared start and E(0) do not depend on h: one compiled trajectory per h only."""
    n, t_end = 36, 0.6
    system = rotor_system(n)
    state = rotor_start(system, n, seed=2)
    e0 = float(Simulation(system).observe(state)["internal_energy"])

    def max_energy_error(dt):
        every = round(0.05 / dt)
        end, obs = integrator.trajectory(state, round(t_end / (every * dt)), every,
                                         dataclasses.replace(system, dt=dt))
        assert int(end.status) == 0
        return np.max(np.abs(np.asarray(obs["internal_energy"]) - e0))

    dts = np.array([0.02, 0.01, 0.005])
    errs = np.array([max_energy_error(dt) for dt in dts])
    order = np.polyfit(np.log(dts), np.log(errs), 1)[0]
    print(f"energy errors {errs}, fitted order {order:.3f}")
    assert errs[0] > 1e-8  # a measurable error, not round-off
    assert abs(order - 2) < 0.2, (errs, order)


def test_free_rotor_keeps_omega_exactly_and_point_particles_are_unchanged():
    """A radial pair and no long-range term: torques vanish, so ω is constant bit for bit and θ
    advances by hω per step; positions equal the point-particle run bit for bit."""
    n = 36
    pot = make_potential("wca")
    side = (n / 0.6) ** 0.5
    A = np.array([[0.0, 0.5], [0.0, 0.0]])
    rot = System.make(pot, A, side * np.eye(2), 0.005, method="all_pairs", inertia=0.3)
    point = System.make(pot, A, side * np.eye(2), 0.005, method="all_pairs")
    assert not rot.radial_only and point.radial_only
    s_rot = rotor_start(rot, n, seed=3)
    s_pt = integrator.prepare(integrator.new_state(s_rot.position, s_rot.velocity, point), point)
    out_rot = Simulation(rot).advance(s_rot, 200)
    out_pt = Simulation(point).advance(s_pt, 200)
    assert np.array_equal(np.asarray(out_rot.angular_velocity), np.asarray(s_rot.angular_velocity))
    assert np.allclose(np.asarray(out_rot.orientation),
                       np.asarray(s_rot.orientation) + 200 * 0.005 * np.asarray(s_rot.angular_velocity),
                       rtol=0, atol=1e-12)
    assert np.array_equal(np.asarray(out_rot.position), np.asarray(out_pt.position))
    assert np.array_equal(np.asarray(out_rot.velocity), np.asarray(out_pt.velocity))


def test_rotational_systems_are_checked():
    with pytest.raises(ValueError, match="inertia"):
        System.make(PAIR, np.zeros((2, 2)), 5 * np.eye(2), 0.01, method="all_pairs")
    with pytest.raises(ValueError, match="dimension 2"):
        System.make(make_potential("wca"), np.zeros((3, 3)), 5 * np.eye(3), 0.01, inertia=1.0)
    with pytest.raises(ValueError, match="Numba"):
        Simulation(rotor_system(), backend="numba")
