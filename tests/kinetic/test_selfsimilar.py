"""Self-similar profile of simple shear (Maxwell molecules): β and ⟨|ξ|⁴⟩ against the exact
closed moment ODEs, normalisation, non-Maxwellian tail; the radial marginal of the grid."""

import math

import numpy as np
import pytest

from bbgky.kinetic.boltzmann import moments as mo
from bbgky.kinetic.boltzmann import selfsimilar as ss
from bbgky.kinetic.boltzmann import spectral as sp
from bbgky.models import flows, kernels


@pytest.fixture(scope="module")
def profile():
    """a* = 0.5 from the unit Maxwellian to νt = 1 on a coarse grid (about 12 s)."""
    return ss.spectral_profile(0.5, n=24, extent=8.0, nu_t=1.0, dt=0.1, records=2, radial_points=8,
                               start="maxwellian")


def test_beta_follows_the_exact_moment_ode_towards_lambda_over_2(profile):
    K = kernels.maxwell()
    nu = K.stress_relaxation_rate(1.0)
    t = np.concatenate([[0.0], profile.nu_t]) / nu
    A = flows.velocity_gradient("simple_shear", 3, 0.5 * nu)
    theta = mo.solve_second_moments(np.eye(3), A, 1.0, t, mo.maxwell_rate(K)).temperature
    np.testing.assert_allclose(profile.beta, np.diff(np.log(theta)) / np.diff(t) / 2, rtol=1e-3)
    # that path tends to β = λ*ν/2 (0.0326 at a* = 0.5); a long exact run shows it
    beta = ss.exact_beta(0.5, K)
    assert beta == pytest.approx(0.5 * 0.1304 * nu, rel=1e-3)
    long = mo.solve_second_moments(np.eye(3), A, 1.0, np.array([0, 30, 40]) / nu, mo.maxwell_rate(K))
    assert np.diff(np.log(long.temperature))[-1] / (10 / nu) / 2 == pytest.approx(beta, rel=1e-6)


def test_profile_shape_unit_mass_unit_temperature_heavy_tail(profile):
    g = profile.grid
    x = g.mesh()
    assert profile.G.sum() * g.cell == pytest.approx(1.0, abs=1e-12)
    assert ((x**2).sum(0) * profile.G).sum() * g.cell == pytest.approx(3.0, rel=2e-4)
    # the fourth moment against the exact (closed) fourth-moment ODE of Maxwell molecules
    exact = ss.exact_fourth_moment(0.5, np.eye(3), profile.nu_t)
    np.testing.assert_allclose(profile.fourth, exact, rtol=2e-3)
    assert profile.fourth[-1] > 15.4  # the Maxwellian's is 15
    r = profile.radius[1:]
    ratio = profile.radial[1:] / ss.maxwellian_radial(r)
    core, tail = r < 2.5, (r > 3.6) & (r < 4.6)
    assert np.all(ratio[core] < 1.2)
    assert np.all(ratio[tail] > 1.15) and np.all(np.diff(ratio[tail]) > 0)
    assert np.all(profile.edge < 1e-4)


def test_radial_marginal_of_a_gaussian_is_exact():
    """Up to the aliasing of the sampled Gaussian, e^{−(πσ/h)²/2} ≈ 3e-9 at h = 1/2."""
    g = sp.Grid(32, 8.0)
    x = g.mesh()
    G = np.exp(-0.5 * (x**2).sum(0)) / (2 * math.pi) ** 1.5
    radial = ss.RadialMarginal(g, np.linspace(0, 6, 13))
    np.testing.assert_allclose(radial(G), ss.maxwellian_radial(radial.radius), atol=1e-8)


def test_tail_exponent_of_a_power_law():
    r = np.geomspace(1, 10, 50)
    assert ss.tail_exponent(r, 3 * r**-4.5, 2, 8) == pytest.approx(4.5)


@pytest.mark.slow  # 10 s, mostly compilation
def test_dsmc_profile_is_a_normalised_histogram_of_unit_temperature():
    edges = np.linspace(0, 12, 49)
    d = ss.dsmc_profile(1.0, edges, samples=4000, replicas=2, window=(1.0, 2.0), snapshots=3, dt=0.05)
    assert d.samples == 3 * 2 * 4000
    assert (d.radial * np.diff(edges)).sum() == pytest.approx(1.0, abs=1e-12)
    r = 0.5 * (edges[1:] + edges[:-1])
    assert (d.radial * np.diff(edges) * r**2).sum() == pytest.approx(3.0, rel=2e-2)  # bin-centre rule
    # β: the least-squares slope of ln √θ over the snapshots, against the exact moment ODE
    K = kernels.maxwell()
    nu = K.stress_relaxation_rate(1.0)
    t = np.array([0.0, 1.0, 1.5, 2.0]) / nu
    A = flows.velocity_gradient("simple_shear", 3, nu)
    theta = mo.solve_second_moments(np.eye(3), A, 1.0, t, mo.maxwell_rate(K)).temperature
    exact = np.polyfit(t[1:], np.log(theta[1:]), 1)[0] / 2
    assert abs(d.beta - exact) < 4 * d.beta_stderr
    assert d.fourth > 15.0
