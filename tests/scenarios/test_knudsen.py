"""Kinetic ↔ hydro closure error against the local Knudsen number a* (simple shear)."""

import numpy as np
import pytest
import xarray as xr

from bbgky.kinetic.boltzmann import moments
from bbgky.models import kernels
from bbgky.models.transport import viscosity_function
from bbgky.scenarios import knudsen

A_STARS = np.array([0.01, 0.02, 0.05, 0.1, 0.2])
RHO, NU = 1.0, 0.5  # isotropic Maxwell molecules, b = 1/(4π): ν = (3/4)ρΛ = ρ/2


@pytest.fixture(scope="module")
def mu():
    return viscosity_function(kernels.maxwell())


def _steady_shear(a_star, collisions=40.0, n=81):
    """Exact second-moment (Boltzmann, Maxwell molecules) solution of simple shear from equilibrium."""
    A = np.zeros((3, 3))
    A[0, 1] = a_star * NU
    t = np.linspace(0.0, collisions / NU, n)
    sol = moments.solve_second_moments(np.eye(3), A, RHO, t, moments.maxwell_rate(kernels.maxwell()))
    return xr.Dataset({"density": ("time", sol.density), "temperature": ("time", sol.temperature),
                       "pressure_tensor": (("time", "i", "j"), sol.pressure_tensor)}, coords={"time": t})


def test_local_knudsen_is_a_over_nu_for_maxwell_molecules(mu):
    theta = np.array([0.5, 1.0, 7.0])
    # μ = p/ν exactly, so a* = a/ν whatever θ
    np.testing.assert_allclose(knudsen.local_knudsen(0.1, RHO, theta, mu), 0.1 / NU, rtol=1e-10)


def test_maxwell_slopes_against_exact_kinetic(mu):
    states = [_steady_shear(s).isel(time=-1) for s in A_STARS]
    rho = np.array([float(s.density) for s in states])
    theta = np.array([float(s.temperature) for s in states])
    P = np.stack([s.pressure_tensor.values for s in states])
    ns, eu = [], []
    for k, s in enumerate(A_STARS):
        args = (s * NU, rho[k:k + 1], theta[k:k + 1], P[k:k + 1], mu)
        ns.append(knudsen.compare_states("navier_stokes", *args))
        eu.append(knudsen.compare_states("euler", *args))
    a_star = np.concatenate([c.a_star for c in ns])
    np.testing.assert_allclose(a_star, A_STARS, rtol=1e-10)
    lam_kin = np.concatenate([c.heating_kinetic for c in ns]) / NU
    # the kinetic heating rate (energy law on P_xy) is the exact λ* of docs/references.md in the steady state
    exact = np.array([moments.simple_shear_asymptotics(s).growth_rate for s in A_STARS])
    np.testing.assert_allclose(lam_kin, exact, rtol=1e-6)
    np.testing.assert_allclose(np.concatenate([c.heating_hydro for c in ns]) / NU, 2 / 3 * A_STARS**2,
                               rtol=1e-10)
    heat_ns = np.concatenate([c.heating_error for c in ns])
    stress_ns = np.concatenate([c.stress_error for c in ns])
    stress_eu = np.concatenate([c.stress_error for c in eu])
    # NS heating error ≈ 2λ* ≈ (4/3)a*²; Euler's heating error is 1 (no viscous heating)
    np.testing.assert_allclose(heat_ns, 2 * exact, rtol=0.2)
    np.testing.assert_allclose(np.concatenate([c.heating_error for c in eu]), 1.0, rtol=1e-12)
    assert knudsen.fit_slope(A_STARS, heat_ns)[0] == pytest.approx(2.0, abs=0.05)
    assert knudsen.fit_slope(A_STARS, stress_ns)[0] == pytest.approx(2.0, abs=0.05)
    assert knudsen.fit_slope(A_STARS, stress_eu)[0] == pytest.approx(1.0, abs=0.05)
    # Euler misses the shear stress |P_xy|/p = a*/(1+λ*)²
    np.testing.assert_allclose(stress_eu, A_STARS / (1 + exact) ** 2, rtol=1e-6)
    # NS is better than Euler by a factor ~a*
    assert np.all(stress_ns < 2 * A_STARS * stress_eu)


def test_compare_drops_transient_and_is_steady(mu, tmp_path):
    ds = _steady_shear(0.1)
    c = knudsen.compare(ds, "navier_stokes", 0.1 * NU, mu, min_collisions=10.0)
    assert c.time.min() >= 10.0 / NU - 1e-9 and c.time.size > 10
    lam = moments.simple_shear_asymptotics(0.1).growth_rate
    np.testing.assert_allclose(c.heating_kinetic / NU, lam, rtol=1e-3)
    assert np.isnan(c.heating_slope) or abs(c.heating_slope) < 1e6  # one a*: no meaningful fit
    png = knudsen.plot([c, knudsen.compare(ds, "euler", 0.1 * NU, mu)], tmp_path / "k.png")
    assert png.stat().st_size > 1000


def test_fit_slope_recovers_power_law():
    x = np.geomspace(0.01, 0.2, 7)
    assert knudsen.fit_slope(x, 3 * x**2.5)[0] == pytest.approx(2.5, abs=1e-12)
    assert np.isnan(knudsen.fit_slope(np.ones(4), np.ones(4))[0])
