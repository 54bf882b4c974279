"""Chapman–Enskog transport: hard spheres (docs/references.md), Maxwell molecules (exact), VHS, inverse
power laws, Lennard-Jones against the textbook Ω^(l,s) forms; the public table and its errors."""

import math

import numpy as np
import pytest

from bbgky.errors import ConfigError
from bbgky.models import chapman_enskog as CE
from bbgky.models import collision_integrals as C
from bbgky.models import kernels as K
from bbgky.models import transport as TR


def test_hard_spheres_converge_to_the_reference_factors():
    res = TR.transport_coefficients("hard_sphere", [1.0], sonine_order=8)
    assert round(float(res["viscosity_factor"][0]), 6) == 1.016034
    assert round(float(res["conductivity_factor"][0]), 6) == 1.025218


def test_hard_sphere_second_approximation_is_chapman_cowling():
    res = TR.transport_coefficients("hard_sphere", [1.0], sonine_order=2)
    assert float(res["viscosity_factor"][0]) == pytest.approx(1 + 3 / 202, rel=1e-13)
    assert float(res["conductivity_factor"][0]) == pytest.approx(1 + 1 / 44, rel=1e-13)


@pytest.mark.parametrize("sigma", [1.0, 0.7])
def test_hard_sphere_first_approximation_is_exact(sigma):
    theta = np.array([0.1, 1.0, 3.7, 50.0])
    res = TR.transport_coefficients("hard_sphere", theta, sonine_order=1, sigma=sigma)
    mu1 = 5 / 16 * np.sqrt(theta / np.pi) / sigma**2
    np.testing.assert_allclose(res["viscosity"], mu1, rtol=1e-13)
    np.testing.assert_allclose(res["thermal_conductivity"], 15 / 4 * mu1, rtol=1e-13)
    np.testing.assert_allclose(res["omega22"], 1.0, rtol=1e-13)


@pytest.mark.parametrize("angular", [(1.0,), (1.0, 0.5), (1.0, 0.0, 2.0), (1.0, 0.2, 0.0, 0.6)])
def test_maxwell_molecules_viscosity_is_p_over_nu_at_every_order(angular):
    kern = K.maxwell(angular)
    theta = np.array([0.5, 1.0, 4.0])
    nu_over_n = 0.75 * kern.angular_moment  # ν = (3/4) n Λ (docs/references.md)
    for order in (1, 2, 4, 6):
        mu = CE.transport_kernel(kern, theta, order)[0]
        np.testing.assert_allclose(mu, theta / nu_over_n, rtol=1e-12)  # μ = p/ν = nθ/ν
    mu_fn = TR.viscosity_function(kern, sonine_order=3)
    np.testing.assert_allclose(mu_fn(theta), theta / nu_over_n, rtol=1e-12)


def test_ipl4_potential_is_a_maxwell_molecule():
    # U = r^-4 through classical scattering: Sonine factors 1 at every order, μ ∝ θ
    T = np.array([0.5, 2.0, 8.0])
    res = TR.transport_coefficients("ipl", T, sonine_order=5, exponent=4.0)
    np.testing.assert_allclose(res["viscosity_factor"], 1.0, atol=1e-10)
    np.testing.assert_allclose(res["conductivity_factor"], 1.0, atol=1e-10)
    np.testing.assert_allclose(res["viscosity"] / T, res["viscosity"][0] / T[0], rtol=1e-9)


@pytest.mark.parametrize("n", [6.0, 8.0, 12.0])
def test_ipl_viscosity_exponent(n):
    T = np.geomspace(0.2, 20.0, 6)
    res = TR.transport_coefficients("ipl", T, sonine_order=3, exponent=n)
    slope = np.polyfit(np.log(T), np.log(res["viscosity"]), 1)[0]
    assert slope == pytest.approx(0.5 + 2 / n, abs=1e-8)
    slope_k = np.polyfit(np.log(T), np.log(res["thermal_conductivity"]), 1)[0]
    assert slope_k == pytest.approx(0.5 + 2 / n, abs=1e-8)


@pytest.mark.parametrize("omega", [0.5, 0.74, 1.0])
def test_vhs_viscosity_index_and_first_approximation(omega):
    kern = K.vhs(omega=omega)
    theta = np.array([0.5, 1.0, 3.0])
    mu, _, _, fm, *_ = CE.transport_kernel(kern, theta, 1)
    np.testing.assert_allclose(mu, kern.viscosity(theta), rtol=1e-12)  # first Sonine (kernels.py)
    assert np.all(fm == 1.0)
    mu8 = CE.transport_kernel(kern, theta, 6)[0]
    assert np.polyfit(np.log(theta), np.log(mu8), 1)[0] == pytest.approx(omega, abs=1e-12)


def test_lj_second_approximation_matches_the_omega_formula():
    # Chapman–Cowling / HCB: f^(2) from b11 = 4Ω22, b12 = 7Ω22 − 2Ω23,
    # b22 = (301/12)Ω22 − 7Ω23 + Ω24 (viscosity), a22 = (77/4)Ω22 − 7Ω23 + Ω24 (conductivity),
    # with the un-reduced Ω^(2,s) ∝ (s+1)! Ω^(2,s)*
    T = np.array([0.5, 0.8, 1.0, 2.5, 10.0, 40.0])
    om = C.omega_star("lj", T, pairs=((2, 2), (2, 3), (2, 4)))
    O22, O23, O24 = om[:, 0] * 6, om[:, 1] * 24, om[:, 2] * 120
    b11, b12 = 4 * O22, 7 * O22 - 2 * O23
    b22 = 301 / 12 * O22 - 7 * O23 + O24
    a22 = 77 / 4 * O22 - 7 * O23 + O24
    f_mu = 1 + b12**2 / (b11 * b22 - b12**2)
    f_k = 1 + b12**2 / (b11 * a22 - b12**2)
    res = TR.transport_coefficients("lj", T, sonine_order=2)
    np.testing.assert_allclose(res["viscosity_factor"], f_mu, rtol=1e-7)
    np.testing.assert_allclose(res["conductivity_factor"], f_k, rtol=1e-7)
    np.testing.assert_allclose(res["omega22"], om[:, 0], rtol=1e-12)


def test_lj_table_matches_the_dilute_gas_formula():
    T = [0.7, 1.5, 4.0]
    rec = TR.transport_table("lj", T, sonine_order=3)
    assert [set(r) for r in rec] == [{"temperature", "viscosity", "thermal_conductivity", "omega22",
                                      "viscosity_factor", "conductivity_factor", "sonine_order",
                                      "viscosity_truncation", "conductivity_truncation"}] * 3
    assert all(r["sonine_order"] == 3 for r in rec)
    res = TR.transport_coefficients("lj", T, sonine_order=3)
    for r, f in zip(rec, res["viscosity_factor"], strict=True):
        mu1 = 5 / 16 * math.sqrt(math.pi * r["temperature"]) / (math.pi * r["omega22"])
        assert r["viscosity"] == pytest.approx(f * mu1, rel=1e-12)
        assert 1.0 <= f < 1.01
        assert r["omega22"] == pytest.approx(float(C.neufeld_omega22(r["temperature"])), rel=3e-3)


def test_tabulated_viscosity_interpolates_and_scales_units():
    mu = TR.viscosity_function("lj", sonine_order=2, sigma=2.0, epsilon=3.0)
    theta = np.array([0.9, 2.2, 7.0])  # T* = θ/ε
    direct = TR.transport_coefficients("lj", theta / 3.0, sonine_order=2)["viscosity"]
    np.testing.assert_allclose(mu(theta), math.sqrt(3.0) / 4.0 * direct, rtol=2e-7)


@pytest.mark.parametrize("call,key", [
    (dict(potential="lj", temperatures=[0.0]), "temperature"),
    (dict(potential="lj", temperatures=[1.0, -2.0]), "temperature"),
    (dict(potential="lj", temperatures=[]), "temperature"),
    (dict(potential="gaussian", temperatures=[1.0]), "potential"),
    (dict(potential="coulomb", temperatures=[1.0]), "potential"),
    (dict(potential="morse", temperatures=[1.0]), "potential"),
    (dict(potential="lj", temperatures=[1.0], sonine_order=0), "sonine_order"),
    (dict(potential="hard_sphere", temperatures=[1.0], sigma=-1.0), "potential"),
    (dict(potential="ipl", temperatures=[1.0], exponent=1.5), "exponent"),
])
def test_bad_input_is_a_config_error(call, key):
    with pytest.raises(ConfigError) as err:
        TR.transport_table(call.pop("potential"), call.pop("temperatures"), **call)
    assert any(k == key for k, _ in err.value.problems), err.value.problems


# ---- issue 15: the default Sonine order is converged ------------------------------------------
@pytest.mark.parametrize(("name", "params", "temperature"), [
    ("hard_sphere", {}, 1.0), ("vhs", {}, 1.0), ("maxwell", {}, 1.0),
    ("lj", {}, 1.0), ("wca", {}, 1.0), ("ipl", {"exponent": 12.0}, 1.0),
    ("yukawa", {"screening_length": 1.0}, 1.0),
])
def test_the_default_order_equals_order_12(name, params, temperature):
    """f_μ and f_λ at the default order agree with order 12 to 1e-6 (hard spheres, the slowest
    law: 1.5e-7 and 5.9e-7), and the reported truncation estimate bounds that difference."""
    d = TR.transport_coefficients(name, [temperature], **params)
    ref = TR.transport_coefficients(name, [temperature], sonine_order=12, **params)
    assert d["sonine_order"] == CE.DEFAULT_SONINE_ORDER
    for f, trunc in (("viscosity_factor", "viscosity_truncation"),
                     ("conductivity_factor", "conductivity_truncation")):
        err = abs(d[f][0] / ref[f][0] - 1)
        assert err <= 1e-6, (f, err)
        assert err <= d[trunc][0] + 1e-12, (f, err, d[trunc][0])


def test_hard_sphere_default_gives_the_converged_factor():
    """Issue 15: `bbgky transport --potential hard_sphere` by default gives 1.016034 to ≤ 2e-6."""
    rec = TR.transport_table("hard_sphere", [1.0])[0]
    assert abs(rec["viscosity_factor"] - 1.016034) <= 2e-6
    assert abs(rec["conductivity_factor"] - 1.025218) <= 2e-6
    assert rec["sonine_order"] == CE.DEFAULT_SONINE_ORDER and rec["viscosity_truncation"] < 1e-6
