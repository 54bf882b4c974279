"""Homo-energetic hydrodynamics: Euler exact, Navier–Stokes against closed forms, the universal
laws (eq. 50), the level runner and its outputs."""

import math

import numpy as np
import pytest
import xarray as xr

from bbgky.config import validate
from bbgky.errors import ConfigError
from bbgky.hydro import homoenergetic as H
from bbgky.hydro import level as HL
from bbgky.models import flows


def free_streaming_temperature(A, t, theta0=1.0):
    """Collisionless homo-energetic gas (eq. 16): g = g0((I + tA)w), so the temperature tensor is
    θ0 F^{-1}F^{-T} with F = I + tA and θ = tr/d."""
    d = A.shape[0]
    out = []
    for s in t:
        Fi = np.linalg.inv(np.eye(d) + s * A)
        out.append(theta0 * np.trace(Fi @ Fi.T) / d)
    return np.array(out)


@pytest.mark.parametrize("d", [1, 2, 3])
def test_euler_is_exact_for_the_isotropic_expansion_of_a_free_gas(d):
    A = 0.7 * np.eye(d)
    t = np.linspace(0, 5, 11)
    res = H.euler(A, t, rho0=0.3, theta0=1.3)
    np.testing.assert_allclose(res["temperature"], 1.3 * (1 + 0.7 * t) ** -2, rtol=1e-13)
    np.testing.assert_allclose(res["temperature"], free_streaming_temperature(A, t, 1.3), rtol=1e-13)
    np.testing.assert_allclose(res["density"], 0.3 / (1 + 0.7 * t) ** d, rtol=1e-13)


def test_euler_differs_from_free_streaming_under_shear():
    A = flows.velocity_gradient("simple_shear", 3, 0.5)
    t = np.linspace(0, 4, 5)
    res = H.euler(A, t, rho0=1.0, theta0=1.0)
    np.testing.assert_allclose(res["temperature"], 1.0)  # det(I + tA) = 1
    assert free_streaming_temperature(A, t)[-1] > 1.5


@pytest.mark.parametrize("kind", ["simple_shear", "planar_extension", "uniaxial_extension",
                                  "isotropic_expansion", "matrix"])
def test_universal_laws_hold_for_both_closures(kind):
    A = flows.velocity_gradient(kind, 3, 0.3, [[0.1, 0.4, 0.0], [-0.2, 0.05, 0.3], [0.0, 0.1, -0.2]])
    t = np.linspace(0, 1.5, 301)
    for res in (H.euler(A, t, rho0=0.5, theta0=1.0),
                H.navier_stokes(A, t, rho0=0.5, theta0=1.0, viscosity=lambda th: 0.2 * np.sqrt(th))):
        r = H.universal_residuals(A, t, res["density"], res["internal_energy"], res["pressure_tensor"])
        assert r["density_law"] < 1e-7 and r["energy_law"] < 1e-6, r


def test_ns_simple_shear_maxwell_molecules():
    a, rho, kappa = 0.3, 0.8, 2.0
    A = flows.velocity_gradient("simple_shear", 3, a)
    t = np.linspace(0, 20, 41)
    res = H.navier_stokes(A, t, rho0=rho, theta0=1.1, viscosity=lambda th: kappa * np.asarray(th))
    exact = H.simple_shear_maxwell(t, rate=a, rho0=rho, theta0=1.1, kappa=kappa)
    np.testing.assert_allclose(res["temperature"], exact, rtol=1e-9)
    assert exact[-1] == pytest.approx(1.1 * math.exp(2 / 3 * kappa * a**2 * 20 / rho))
    # constitutive law: P_xy = −μ a, P_xx = P_yy = P_zz = ρθ
    P = res["pressure_tensor"]
    np.testing.assert_allclose(P[:, 0, 1], -kappa * res["temperature"] * a, rtol=1e-12)
    np.testing.assert_allclose(P[:, 2, 2], rho * res["temperature"], rtol=1e-12)


def test_ns_simple_shear_hard_spheres_closed_form():
    from bbgky.models.transport import viscosity_function

    mu = viscosity_function("hard_sphere", sonine_order=4)
    c = float(mu(np.array([1.0]))[0])
    a, rho = 0.5, 0.2
    A = flows.velocity_gradient("simple_shear", 3, a)
    t = np.linspace(0, 10, 21)
    res = H.navier_stokes(A, t, rho0=rho, theta0=0.7, viscosity=mu)
    exact = H.simple_shear_hard_sphere(t, rate=a, rho0=rho, theta0=0.7, c=c)
    np.testing.assert_allclose(res["temperature"], exact, rtol=1e-9)


def test_ns_without_viscosity_is_euler_and_heating_is_positive():
    A = flows.velocity_gradient("matrix", 3, 0, [[0.1, 0.4, 0.0], [-0.2, 0.05, 0.3], [0.0, 0.1, -0.2]])
    t = np.linspace(0, 2, 21)
    ns0 = H.navier_stokes(A, t, rho0=1.0, theta0=1.0, viscosity=lambda th: 0 * np.asarray(th))
    euler = H.euler(A, t, rho0=1.0, theta0=1.0)
    np.testing.assert_allclose(ns0["temperature"], euler["temperature"], rtol=1e-10)
    ns = H.navier_stokes(A, t, rho0=1.0, theta0=1.0, viscosity=lambda th: 0.1 * np.asarray(th))
    assert np.all(ns["temperature"][1:] > ns0["temperature"][1:])
    _, L = H.kinematics(A, t)
    assert np.all(H.viscous_heating(L) >= 0)


def test_rate_of_strain_identity():
    rng = np.random.default_rng(1)
    L = rng.normal(size=(5, 3, 3))
    D = H.rate_of_strain(L)
    np.testing.assert_allclose(np.trace(D, axis1=1, axis2=2), 0, atol=1e-14)
    trL = np.trace(L, axis1=1, axis2=2)
    bracket = 0.5 * (np.trace(L @ L, axis1=1, axis2=2) + np.einsum("tij,tij->t", L, L)) - trL**2 / 3
    np.testing.assert_allclose(H.viscous_heating(L), bracket, rtol=1e-12)  # eq. 20's bracket
    np.testing.assert_allclose(H.viscous_heating(L), np.einsum("tij,tij->t", D, D), rtol=1e-12)


def config(potential="hard_sphere", **levels):
    return validate({"title": "hydro test", "system": {"density": 0.2, "temperature": 1.0},
                     "interaction": {"potential": potential},
                     "flow": {"kind": "simple_shear", "rate": 0.1},
                     "time": {"end": 2.0, "step": 0.01, "save_every": 0.25},
                     "levels": levels or {"navier_stokes": {}, "euler": {}}})


def test_level_writes_netcdf_with_the_contract(tmp_path):
    cfg = config()
    for level in ("euler", "navier_stokes"):
        calls: list[tuple[int, int]] = []
        ds = HL.run(cfg, tmp_path, level=level, progress=lambda done, total, c=calls: c.append((done, total)))
        back = xr.open_dataset(tmp_path / f"{level}.nc")
        np.testing.assert_allclose(back.time, 0.25 * np.arange(9))
        for name in ("density", "temperature", "internal_energy", "pressure_tensor", "heat_flux"):
            assert "units" in back[name].attrs and "long_name" in back[name].attrs
        assert back.pressure_tensor.shape == (9, 3, 3) and float(np.abs(back.heat_flux).max()) == 0.0
        assert back.attrs["level"] == level and "configuration" in back.attrs
        np.testing.assert_allclose(back.internal_energy, 1.5 * back.temperature)
        assert calls and calls[-1][0] == calls[-1][1]
        back.close()
        assert ds.sizes["time"] == 9
    ns = xr.open_dataset(tmp_path / "navier_stokes.nc")
    mu1 = float(ns.viscosity[0])
    assert ns.attrs["transport"].startswith("kernel hard_sphere")
    assert float(ns.pressure_tensor[0, 0, 1]) == pytest.approx(-mu1 * 0.1, rel=1e-12)
    ns.close()


def test_level_follows_the_boltzmann_kernel_and_potentials(tmp_path):
    cfg = config("wca", navier_stokes={}, boltzmann={"kernel": "maxwell"})
    assert HL.transport_choice(cfg) == "maxwell"
    ds = HL.run(cfg, tmp_path, level="navier_stokes")
    assert float(ds.viscosity[0]) == pytest.approx(2.0)  # μ = p/ν = 4θ/(3Λ), Λ = 2/3
    cfg = config("lj", navier_stokes={"sonine_order": 2})
    assert HL.transport_choice(cfg) == "potential"
    ds = HL.run(cfg, tmp_path, level="navier_stokes")
    from bbgky.models.transport import transport_coefficients

    assert float(ds.viscosity[0]) == pytest.approx(
        float(transport_coefficients("lj", [1.0], sonine_order=2)["viscosity"][0]), rel=1e-7)


@pytest.mark.parametrize("build,key", [
    (lambda: config("gaussian"), "interaction.potential"),
    (lambda: validate({"system": {"dimension": 2}, "interaction": {"potential": "wca"},
                       "flow": {"kind": "simple_shear", "rate": 0.1},
                       "levels": {"navier_stokes": {}}}), "system.dimension"),
])
def test_level_bad_input(tmp_path, build, key):
    with pytest.raises(ConfigError) as err:
        HL.run(build(), tmp_path, level="navier_stokes")
    assert any(k == key for k, _ in err.value.problems)


def test_level_validation_of_the_table():
    with pytest.raises(ConfigError) as err:
        config(navier_stokes={"sonine_order": 0})
    assert any("levels.navier_stokes.sonine_order" in k for k, _ in err.value.problems)
    with pytest.raises(ConfigError):
        config(navier_stokes={"transport": "bgk"})


def test_euler_in_two_dimensions_runs(tmp_path):
    cfg = validate({"system": {"dimension": 2, "temperature": 2.0}, "interaction": {"potential": "wca"},
                    "flow": {"kind": "isotropic_expansion", "rate": 0.5},
                    "time": {"end": 1.0, "step": 0.01, "save_every": 0.5}, "levels": {"euler": {}}})
    ds = HL.run(cfg, tmp_path, level="euler")
    np.testing.assert_allclose(ds.temperature, 2.0 / (1 + 0.5 * ds.time) ** 2, rtol=1e-13)
    np.testing.assert_allclose(ds.internal_energy, ds.temperature)  # e = (d/2) θ
