"""Classical scattering: deflection angles against closed forms and independent quadrature,
transport cross-sections against Chapman–Cowling's tabulated values, orbiting structure."""

import math

import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.errors import ConfigError
from bbgky.models import scattering as S


def test_ipl_n2_deflection_is_the_closed_form():
    # U = ε(σ/r)²: χ = π (1 − b/√(b² + σ²ε/E)) exactly
    pot = S._build("ipl", 1.0, 1.0, (("exponent", 2.0),))
    b = jnp.array([0.01, 0.3, 1.0, 3.0, 10.0])
    for E in (0.1, 0.7, 20.0):
        chi = np.asarray(S.deflection_angle(pot, b, E))
        exact = np.pi * (1 - b / np.sqrt(b**2 + 1 / E))
        np.testing.assert_allclose(chi, exact, rtol=1e-12, atol=1e-14)


def test_lj_deflection_against_mpmath_on_both_orbiting_branches():
    # 30-digit mpmath quadrature in r = r_m + t² (split at the orbiting barrier), E* = 0.3:
    # inner branch b = 0.2 (r_m = 0.98919); outer branch b = 2.4024 (from the SciPy reference path)
    lj = S.scattering_potential("lj")
    assert float(S.deflection_angle(lj, 0.2, 0.3)) == pytest.approx(2.80542005262625009, abs=1e-11)
    assert float(S.deflection_angle(lj, 2.402431011351605, 0.3)) == pytest.approx(-0.277396027043, abs=1e-9)


def test_orbiting_threshold_of_lennard_jones():
    # Φ = U + rU'/2 peaks at r = 5^{1/6} σ with Φ = 0.8 ε: orbiting below E* = 0.8
    lj = S.scattering_potential("lj")
    assert lj.orbiting_energy == pytest.approx(0.8, rel=1e-12)
    assert lj.r_phi == pytest.approx(5 ** (1 / 6), rel=1e-8)
    _, _, _, _, orbiting = S.turning_structure(lj, jnp.array([0.3, 0.79, 0.81, 3.0]))
    assert list(np.asarray(orbiting)) == [True, True, False, False]
    # B(r_c) = B(r_b) on the orbiting energies: the two branches meet at b_o
    E = jnp.array([0.3, 0.79])
    _, X, Y, _, _ = S.turning_structure(lj, E)
    B = lambda x: x * x * (1 - lj.energy(x) / E)  # noqa: E731
    np.testing.assert_allclose(np.asarray(B(X)), np.asarray(B(Y)), rtol=1e-10)
    assert np.all(np.asarray(X) < np.asarray(Y))
    for _ in S.check_potential("lj"):
        raise AssertionError


def test_deflection_diverges_at_the_orbiting_impact_parameter():
    lj = S.scattering_potential("lj")
    E = 0.3
    _, _, Y, _, _ = S.turning_structure(lj, jnp.array(E))
    bo = float(Y) * math.sqrt(1 - float(lj.energy(Y)) / E)
    chis = [float(S.deflection_angle(lj, bo + s * d, E)) for s in (-1, 1) for d in (1e-2, 1e-4, 1e-6)]
    assert chis[0] > chis[1] > chis[2] and chis[3] > chis[4] > chis[5]  # → −∞ from both sides
    assert chis[2] < -10 and chis[5] < -5


def test_chapman_cowling_A_l_of_maxwell_molecules():
    # U = κ r^-4 (force ∝ r^-5): Q^(l) = 2π A_l(5) (4κ/(2E))^{1/2}; A_1(5) = 0.422, A_2(5) = 0.436
    pot = S.scattering_potential("ipl", exponent=4.0)
    for E in (0.5, 2.0):
        scale = 2 * math.pi * math.sqrt(4 / (2 * E))
        A1 = float(S.transport_cross_section(pot, E, 1, reduced=False)) / scale
        A2 = float(S.transport_cross_section(pot, E, 2, reduced=False)) / scale
        assert A1 == pytest.approx(0.422, abs=6e-4)
        assert A2 == pytest.approx(0.436, abs=6e-4)


@pytest.mark.parametrize("name,extra", [("lj", {}), ("wca", {}), ("ipl", {"exponent": 8.0}),
                                        ("yukawa", {"screening_length": 0.5})])
def test_cross_sections_converge_for_every_repulsive_registry_potential(name, extra):
    pot = S.scattering_potential(name, **extra)
    E = jnp.array([0.01, 0.3, 0.79, 0.81, 2.0, 50.0])
    for l in (1, 2):
        lo = np.asarray(S.transport_cross_section(pot, E, l, n_r=48, n_psi=32))
        hi = np.asarray(S.transport_cross_section(pot, E, l, n_r=96, n_psi=64))
        assert np.all(np.isfinite(lo)) and np.all(lo > 0)
        np.testing.assert_allclose(lo, hi, rtol=2e-4)


def test_wca_has_finite_range():
    wca = S.scattering_potential("wca")
    rc = 2 ** (1 / 6)
    assert float(S.deflection_angle(wca, rc * 1.01, 1.0)) == 0.0
    assert float(S.deflection_angle(wca, rc * 0.99, 1.0)) > 0.0
    # at high energy the reduced cross-sections stay below the rigid-sphere value of diameter r_c
    Q = float(S.transport_cross_section(wca, 1e-3, 2))
    assert 0 < Q < rc**2 * 1.0001


def test_one_minus_cos_power_keeps_precision():
    import mpmath as mp

    mp.mp.dps = 40
    values = [1e-9, 1e-4, 0.5, 3.0]
    for l in (1, 2, 4):
        exact = [float(1 - mp.cos(mp.mpf(x)) ** l) for x in values]
        np.testing.assert_allclose(np.asarray(S.one_minus_cos_power(jnp.array(values), l)), exact, rtol=1e-12)


@pytest.mark.parametrize("name,params", [("gaussian", {}), ("morse", {}), ("ipl", {"exponent": 2.0}),
                                         ("lj", {"sigma": -1.0}), ("lj", {"range": 2.0})])
def test_unusable_potentials_raise_config_errors(name, params):
    with pytest.raises(ConfigError) as err:
        S.scattering_potential(name, **params)
    assert err.value.problems


def test_differential_cross_section_of_the_ipl_n2_closed_form():
    # χ = π(1 − b/√(b² + κ/E)): dσ/dΩ = b/(sin χ |dχ/db|), dχ/db = −πκ/E (b² + κ/E)^{-3/2}
    pot = S._build("ipl", 1.0, 1.0, (("exponent", 2.0),))
    b, E = jnp.array([0.3, 1.0, 3.0]), 0.7
    theta, dsigma = S.differential_cross_section(pot, b, E)
    k = 1 / E
    chi = np.pi * (1 - b / np.sqrt(b**2 + k))
    np.testing.assert_allclose(np.asarray(theta), chi, rtol=1e-12)
    dchi_db = np.pi * k / (b**2 + k) ** 1.5
    np.testing.assert_allclose(np.asarray(dsigma), b / (np.sin(chi) * dchi_db), rtol=1e-9)
