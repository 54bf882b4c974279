"""2D periodic Ewald sum: splitting independence, the Jacobi-theta closed form, sheared cells,
gradients against finite differences, the accuracy control."""

import math

import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest

from bbgky.errors import ConfigError
from bbgky.models import electrostatics as es

LX, LY = 3.0, 2.2
RECT = np.diag([LX, LY])


def _neutral(n, cell, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, 2)) @ np.asarray(cell).T
    q = rng.normal(size=n)
    return jnp.asarray(x), jnp.asarray(q - q.mean())


def _theta_energy(x, q):
    x, q = np.asarray(x), np.asarray(q)
    return 0.5 * sum(q[i] * q[j] * es.theta_green_function(complex(*(x[i] - x[j])), LX, LY)
                     for i in range(len(q)) for j in range(len(q)))


def test_exp1_matches_mpmath_with_exact_derivative():
    x = np.logspace(-10, 2.2, 60)
    ref = np.array([float(mpmath.e1(t)) for t in x])
    assert np.max(np.abs(np.asarray(es.exp1(jnp.asarray(x))) / ref - 1)) < 2e-14
    slope = jax.vmap(jax.grad(es.exp1))(jnp.asarray(x))
    assert np.allclose(np.asarray(slope), -np.exp(-x) / x, rtol=1e-14)


def test_energy_is_independent_of_splitting_and_equals_theta_closed_form():
    x, q = _neutral(6, RECT, 1)
    energies = [float(es.ewald_energy_2d(x, q, RECT, alpha=a)) for a in (None, 1.5, 4.0)]
    assert max(energies) - min(energies) < 1e-10
    assert energies[0] == pytest.approx(_theta_energy(x, q), abs=1e-10)


def test_non_neutral_charges_fix_the_zero_mean_constant():
    """A neutral set cannot see the constant c of G; one charge (and two unequal ones) can: the
    Ewald G is zero-mean by construction (k = 0 dropped, real-space mean subtracted), so agreement
    checks the derivation of c and of the regular part G_reg(0)."""
    x = jnp.asarray([[0.3, 0.4], [1.7, 1.9]])
    for q in ([1.0], [1.0, 0.5]):
        n = len(q)
        U = float(es.ewald_energy_2d(x[:n], jnp.asarray(q), RECT))
        assert U == pytest.approx(_theta_energy(x[:n], q), abs=1e-10)


def test_sheared_cell_of_the_same_lattice_gives_the_same_energy():
    L = 2.5
    square, sheared = np.diag([L, L]), np.array([[L, L], [0.0, L]])  # same lattice
    x, q = _neutral(5, square, 3)
    U0 = float(es.ewald_energy_2d(x, q, square))
    U1 = float(es.ewald_energy_2d(x, q, sheared))
    U2 = float(es.ewald_energy_2d(x, q, sheared, alpha=3.0))
    assert U1 == pytest.approx(U0, abs=1e-10) and U2 == pytest.approx(U0, abs=1e-10)


def test_forces_match_central_differences():
    cell = np.array([[2.8, 0.7], [0.0, 2.4]])
    x, q = _neutral(5, cell, 4)
    energy = jax.jit(lambda y: es.ewald_energy_2d(y, q, cell))
    grad = np.asarray(jax.grad(energy)(x))
    h = 1e-5
    fd = np.zeros_like(grad)
    for i in range(5):
        for a in range(2):
            e = np.zeros((5, 2))
            e[i, a] = h
            fd[i, a] = (float(energy(x + e)) - float(energy(x - e))) / (2 * h)
    assert np.max(np.abs(grad - fd)) < 1e-7 * max(1.0, np.max(np.abs(grad)))


def test_accuracy_target_controls_force_error():
    cell = np.diag([4.0, 3.5])
    x, q = _neutral(12, cell, 5)
    force = [np.asarray(jax.grad(lambda y, a=acc: es.ewald_energy_2d(y, q, cell, accuracy=a))(x))
             for acc in (1e-5, 1e-13)]
    rel = np.sqrt(np.mean((force[0] - force[1]) ** 2) / np.mean(force[1] ** 2))
    assert rel < 1e-5


def test_targets_that_cannot_be_met_are_refused_naming_the_key():
    with pytest.raises(ConfigError, match=r"interaction\.accuracy"):
        es.ewald_parameters(RECT, 1e-15)
    with pytest.raises(ConfigError, match="reciprocal vectors"):
        es.ewald_parameters(np.diag([400.0, 0.5]), 1e-12)  # r_c ≤ 0.25 in a long cell


def test_ewald_parameters_follow_the_stated_gaussian_law():
    p = es.ewald_parameters(RECT, 1e-8)
    s = math.sqrt(math.log(1e8))
    assert p.r_cut == pytest.approx(0.5 * min(LX, LY)) and p.alpha * p.r_cut == pytest.approx(s)
    assert p.k_cut == pytest.approx(2 * p.alpha * s)
