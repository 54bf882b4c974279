"""The dipolar solvent model: finite charges → point dipoles, the MD split, forces and torques by
autodiff against finite differences, a rotor in a uniform field, short range, the ε estimator."""

import math
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.models import dipolar as dp
from bbgky.models import electrostatics as es

CELL = np.array([[6.5, 1.2], [0.0, 6.0]])  # sheared


def _molecules(n, seed, cell=CELL, spacing=True):
    """Centres on a jittered grid (no overlapping cores), random angles."""
    rng = np.random.default_rng(seed)
    side = math.ceil(math.sqrt(n))
    grid = np.array([(i, j) for i in range(side) for j in range(side)][:n], float)
    frac = (grid + 0.5 + 0.2 * rng.uniform(-1, 1, (n, 2))) / side
    return jnp.asarray(frac @ cell.T), jnp.asarray(rng.uniform(0, 2 * np.pi, n))


def test_finite_charges_tend_to_point_dipoles_as_l_squared():
    x, th = _molecules(6, 1)
    p = 0.39
    dip = float(dp.point_dipole_energy(x, th, CELL, dp.DipolarModel(
        charge=1.0, bond_length=p, electrostatics="point_dipoles")))
    ells = np.array([0.04, 0.02, 0.01, 0.005])
    diffs = [abs(float(dp.charges_energy(x, th, CELL, dp.DipolarModel(charge=p / ell,
                                                                        bond_length=ell))) - dip)
             for ell in ells]
    slope = np.polyfit(np.log(ells), np.log(diffs), 1)[0]
    assert slope == pytest.approx(2.0, abs=0.1)


def test_point_dipole_energy_is_independent_of_splitting():
    x, th = _molecules(7, 2)
    model = dp.DipolarModel(charge=2.0, bond_length=0.3, electrostatics="point_dipoles")
    U = [float(dp.point_dipole_energy(x, th, CELL, model, es.ewald_parameters(CELL, 1e-12,
                                                                               alpha=a)))
         for a in (None, 2.0, 2.8)]
    assert max(U) - min(U) < 1e-10


@partial(jax.jit, static_argnums=2)
def _split_electrostatics(x, th, model, params):
    dr = es.minimum_image(x[:, None, :] - x[None, :, :], CELL)
    off = ~jnp.eye(len(th), dtype=bool)
    e = dp.electrostatic_pair_energy(jnp.where(off[..., None], dr, 1.0), th[:, None],
                                     th[None, :], model, params)
    return 0.5 * jnp.sum(jnp.where(off, e, 0.0)) + dp.long_range_energy(x, th, CELL, model,
                                                                         params)


@pytest.mark.parametrize("kind", ["charges", "point_dipoles"])
def test_md_split_equals_all_pairs_and_images(kind):
    x, th = _molecules(8, 3)
    model = dp.DipolarModel(charge=1.3, bond_length=0.3, accuracy=1e-12, electrostatics=kind,
                            short_range_cutoff=2.5, applied_field=(0.2, -0.1))
    params = model.ewald(CELL)
    assert params.r_cut == pytest.approx(2.5)
    assert float(_split_electrostatics(x, th, model, params)) == pytest.approx(
        float(dp.electrostatic_energy(x, th, CELL, model)), abs=1e-9)


@pytest.mark.parametrize("kind", ["charges", "point_dipoles"])
def test_forces_and_torques_equal_central_differences(kind):
    x, th = _molecules(6, 4)
    model = dp.DipolarModel(charge=1.5, bond_length=0.3, accuracy=1e-10, electrostatics=kind,
                            short_range_cutoff=2.5)
    params = model.ewald(CELL)
    energy = jax.jit(lambda y, t: dp.split_energy(y, t, CELL, model, params))
    gx, gt = (np.asarray(g) for g in jax.grad(energy, argnums=(0, 1))(x, th))
    h = 1e-5
    for i in range(6):
        e = np.zeros(6)
        e[i] = h
        fd = (float(energy(x, th + e)) - float(energy(x, th - e))) / (2 * h)
        assert gt[i] == pytest.approx(fd, abs=1e-7 * max(1.0, np.abs(gt).max()))
        for a in range(2):
            E = np.zeros((6, 2))
            E[i, a] = h
            fd = (float(energy(x + E, th)) - float(energy(x - E, th))) / (2 * h)
            assert gx[i, a] == pytest.approx(fd, abs=1e-7 * max(1.0, np.abs(gx).max()))


def test_one_rotor_in_a_uniform_field_feels_p_cross_e():
    """Square cell: the self energy −p²/(4ε0A) of a point dipole is isotropic, so the torque
    −∂U/∂θ is exactly p × E0 = p (cos θ E_y − sin θ E_x)."""
    cell = np.diag([5.0, 5.0])
    E0 = (0.3, -0.7)
    model = dp.DipolarModel(charge=2.0, bond_length=0.4, electrostatics="point_dipoles",
                            applied_field=E0, accuracy=1e-12)
    params = model.ewald(cell)
    x = jnp.asarray([[1.0, 2.0]])
    torque = jax.grad(lambda t: -dp.long_range_energy(x, t, cell, model, params).sum())
    for theta in np.linspace(0, 2 * np.pi, 7):
        expected = model.dipole * (math.cos(theta) * E0[1] - math.sin(theta) * E0[0])
        assert float(torque(jnp.asarray([theta]))[0]) == pytest.approx(expected, abs=1e-12)


def test_short_range_shape_and_shift():
    assert float(dp.bend(0.0)) == 0.0 and float(dp.bend(np.pi)) == pytest.approx(1.0)
    rc = 3.0
    near = jnp.asarray([rc * (1 - 1e-9), 0.0])
    assert abs(float(dp.short_range_pair_energy(near, 0.0, np.pi, 12.0, rc))) < 1e-9
    assert float(dp.short_range_pair_energy(jnp.asarray([rc, 0.0]), 0.0, 1.0, 12.0, rc)) == 0.0
    # antiparallel pairs attract at r ≈ 1.1 (a minimum below zero), aligned pairs only repel
    r = jnp.linspace(0.9, 2.5, 200)
    anti = dp.short_range_phi(r**2, np.pi, 12.0)
    aligned = dp.short_range_phi(r**2, 0.0, 12.0)
    assert float(anti.min()) < -0.1 and float(aligned.min()) > 0.0


def test_dielectric_estimator_on_independent_rotors():
    """Uniform i.i.d. angles are the ideal rotor gas: ε − 1 = ρp²/(2ε0 k_BT)."""
    rng = np.random.default_rng(7)
    n, area, T, p, eps0 = 50, 100.0, 1.5, 1.2, 0.8
    theta = rng.uniform(0, 2 * np.pi, (4000, n))
    M = p * np.stack([np.cos(theta).sum(1), np.sin(theta).sum(1)], axis=1)
    eps, err = dp.dielectric_constant(M, area, T, eps0, blocks=20)
    expected = 1 + (n / area) * p**2 / (2 * eps0 * T)
    assert abs(eps - expected) < 3 * err and err < 0.05 * (expected - 1)
