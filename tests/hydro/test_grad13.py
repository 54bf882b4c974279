"""The 13-moment closure of homo-energetic flow: exact for Maxwell molecules, → NS as a* → 0."""

import numpy as np
import pytest

from bbgky.hydro.homoenergetic import grad13, navier_stokes


def shear(a):
    A = np.zeros((3, 3))
    A[0, 1] = a
    return A


def test_maxwell_molecules_reach_the_exact_shear_growth_rate():
    # μ = θ/ν0 with ν0 = 1/2 (isotropic Maxwell molecules at ρ = 1): a* = a/ν0 = 1 → λ* = 0.3603
    nu0, a = 0.5, 0.5
    t = np.linspace(0.0, 80.0, 801)
    out = grad13(shear(a), t, rho0=1.0, theta0=1.0, viscosity=lambda th: np.asarray(th) / nu0)
    lam = np.gradient(np.log(out["temperature"]), t)[-100:].mean()
    assert lam / nu0 == pytest.approx(0.3603, abs=2e-4)
    P, p = out["pressure_tensor"][-1], np.trace(out["pressure_tensor"][-1]) / 3
    assert P[0, 1] / p == pytest.approx(-0.5404, abs=2e-4)
    assert P[1, 1] / p == pytest.approx(0.7351, abs=2e-4)


def test_hard_spheres_tend_to_navier_stokes_at_small_shear():
    mu = lambda th: 1.016034 * 5 / 16 * np.sqrt(np.asarray(th) / np.pi)  # noqa: E731
    nu0 = 1.0 / mu(1.0)
    t = np.linspace(0.0, 40.0 / nu0, 401)
    errors = []
    for a_star in (0.02, 0.04):
        A = shear(a_star * nu0)
        # heating rates λ = d ln θ/dt late in the run, after the stress has built up
        g = np.gradient(np.log(grad13(A, t, rho0=1.0, theta0=1.0, viscosity=mu)["temperature"]), t)[-50:]
        n = np.gradient(np.log(navier_stokes(A, t, rho0=1.0, theta0=1.0, viscosity=mu)["temperature"]),
                        t)[-50:]
        errors.append(np.abs(g / n - 1.0).mean())
    assert errors[0] < 5e-3
    assert np.log(errors[1] / errors[0]) / np.log(2.0) == pytest.approx(2.0, abs=0.3)
