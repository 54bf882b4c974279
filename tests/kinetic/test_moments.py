"""Exact moment ODEs of Maxwell molecules (and of BGK) against docs/references.md and closed forms."""

import math

import numpy as np
import pytest

from bbgky.kinetic.boltzmann import moments as m
from bbgky.models import flows, kernels

# docs/references.md simple-shear table: a*, λ*, P_xy/p, P_xx/p, P_yy/p
TABLE = [
    (0.1, 0.006580, -0.09870, 1.0131, 0.9935),
    (0.5, 0.1304, -0.3913, 1.2308, 0.8846),
    (1.0, 0.3603, -0.5404, 1.5297, 0.7351),
    (2.0, 0.8121, -0.6091, 1.8963, 0.5518),
]


@pytest.mark.parametrize("row", TABLE, ids=lambda r: f"a*={r[0]}")
def test_simple_shear_table_closed_form(row):
    a_star, lam, pxy, pxx, pyy = row
    s = m.simple_shear_asymptotics(a_star)
    # the table is printed to 4-5 digits: agreement to its last digit (≤ 0.1 %)
    for got, want in [(s.growth_rate, lam), (s.pxy, pxy), (s.pxx, pxx), (s.pyy, pyy)]:
        assert got == pytest.approx(want, rel=1e-3, abs=6e-5)


@pytest.mark.parametrize("row", TABLE, ids=lambda r: f"a*={r[0]}")
def test_simple_shear_moment_ode_reaches_table(row):
    """Integrate dP/dt + LP + PLᵀ + tr(L)P = −ν(P − pI) from a Maxwellian to long times."""
    a_star, lam, pxy, pxx, pyy = row
    k = kernels.maxwell()
    rho0 = 1.3
    nu = k.stress_relaxation_rate(rho0)
    A = flows.velocity_gradient("simple_shear", 3, a_star * nu)
    times = np.linspace(0, 80 / nu, 801)
    sol = m.solve_second_moments(0.7 * rho0 * np.eye(3), A, rho0, times, m.maxwell_rate(k))
    P = sol.pressure_tensor[-1]
    p = np.trace(P) / 3
    growth = np.log(sol.temperature[-1] / sol.temperature[-101]) / (times[-1] - times[-101]) / nu
    for got, want in [(growth, lam), (P[0, 1] / p, pxy), (P[0, 0] / p, pxx), (P[1, 1] / p, pyy)]:
        assert got == pytest.approx(want, rel=1e-3, abs=6e-5)
    # and the same to 1e-8 against the closed form (no rounding of the table)
    s = m.simple_shear_asymptotics(a_star)
    assert growth == pytest.approx(s.growth_rate, rel=1e-7)
    assert P[0, 1] / p == pytest.approx(s.pxy, rel=1e-9)
    assert m.growth_rate_from_matrix(A, nu) / nu == pytest.approx(s.growth_rate, rel=1e-10)


def test_energy_balance_along_moment_solution():
    """ρ e' + P:L = 0 (James–Qi–Wang eq. 50) along the solution, e = (3/2)θ, planar extension."""
    k = kernels.maxwell()
    A = flows.velocity_gradient("planar_extension", 3, 0.3)
    times = np.linspace(0, 2.0, 2001)
    sol = m.solve_second_moments(np.diag([1.0, 2.0, 0.5]), A, 1.0, times, m.maxwell_rate(k))
    rate = m.maxwell_rate(k)
    for P, rho, t in zip(sol.pressure_tensor, sol.density, times, strict=True):
        L = flows.flow_gradient(A, t)
        dP = m.second_moment_rhs(t, P, A, 1.0, rate)
        # θ = tr P/(3ρ), ρ' = −tr(L)ρ  ⇒  e' = (3/2)(tr P' + tr(L) tr P)/(3ρ)
        de = 0.5 * (np.trace(dP) + np.trace(L) * np.trace(P)) / rho
        assert rho * de + np.sum(P * L) == pytest.approx(0.0, abs=1e-13)


@pytest.mark.parametrize("rate", [0.4, -0.2])
def test_isotropic_expansion_temperature(rate):
    """θ = θ0 det(I + tA)^(−2/3) for any kernel, even from an anisotropic start."""
    A = flows.velocity_gradient("isotropic_expansion", 3, rate)
    times = np.linspace(0, 3.0, 31)
    for kern, fn in [(kernels.maxwell(), m.maxwell_rate), (kernels.hard_sphere(), m.bgk_rate)]:
        sol = m.solve_second_moments(np.diag([2.0, 1.0, 0.6]), A, 1.0, times, fn(kern))
        theta0 = sol.temperature[0]
        exact = theta0 * np.array([np.linalg.det(np.eye(3) + t * A) for t in times]) ** (-2 / 3)
        np.testing.assert_allclose(sol.temperature, exact, rtol=1e-10)


def _gauss_moment(alpha, var=1.0):
    out = 1.0
    for n in alpha:
        out *= 0.0 if n % 2 else math.prod(range(1, n, 2)) * var ** (n / 2)
    return out


def _bkw_moments(system, K):
    def mom(a):
        s = sum(_gauss_moment(tuple(x + 2 * (j == i) for j, x in enumerate(a)), K) for i in range(3))
        return (5 * K - 3) / (2 * K) * _gauss_moment(a, K) + (1 - K) / (2 * K**2) * s
    return np.array([mom(a) for a in system.exps])


def _m4(system, M):
    idx = system.index
    return (M[..., idx((4, 0, 0))] + M[..., idx((0, 4, 0))] + M[..., idx((0, 0, 4))]
            + 2 * (M[..., idx((2, 2, 0))] + M[..., idx((2, 0, 2))] + M[..., idx((0, 2, 2))]))


def test_fourth_moments_bkw():
    """M4 = 15(1 − e^{−t/3}) from the closed fourth-moment ODE, started at BKW t = 6.5."""
    fm = m.FourthMomentSystem(kernels.maxwell())
    assert np.abs(fm.production(_bkw_moments(fm, 1.0))).max() < 1e-12   # Maxwellian: no production
    t0 = 6.5
    times = t0 + np.linspace(0, 3.5, 8)
    M = fm.solve(_bkw_moments(fm, 1 - math.exp(-t0 / 6)), np.zeros((3, 3)), times - t0)
    np.testing.assert_allclose(_m4(fm, M), 15 * (1 - np.exp(-times / 3)), rtol=1e-9)
    np.testing.assert_allclose(M[:, 0], 1.0, rtol=1e-12)


def test_fourth_moments_contain_second_moment_ode():
    """Under shear, the degree-2 block of the fourth-moment system equals the P ODE."""
    k = kernels.maxwell()
    fm = m.FourthMomentSystem(k)
    A = flows.velocity_gradient("simple_shear", 3, 0.5)
    times = np.linspace(0, 4.0, 9)
    M = fm.solve(_bkw_moments(fm, 1.0), A, times)
    sol = m.solve_second_moments(np.eye(3), A, 1.0, times, m.maxwell_rate(k))
    P = sol.pressure_tensor
    np.testing.assert_allclose(M[:, fm.index((1, 1, 0))], P[:, 0, 1], atol=1e-9)
    np.testing.assert_allclose(M[:, fm.index((2, 0, 0))], P[:, 0, 0], rtol=1e-9)


def test_fourth_moment_production_is_homogeneous_and_strong_shear_stays_finite():
    """The production of a degree-k moment holds only products of degrees summing to k (exactly), so
    under strong shear (a* = 2, moments growing as e^{2λt}) the normalised ⟨|w|⁴⟩/θ² converges to
    the self-similar value instead of blowing up (it did, at νt ≈ 12, from round-off M4·M4 terms)."""
    k = kernels.maxwell()
    fm = m.FourthMomentSystem(k)
    deg = np.array([sum(a) for a in fm.exps])
    spurious = deg[:, None, None] != deg[None, :, None] + deg[None, None, :]
    assert np.all(fm.K[spurious] == 0.0) and np.abs(fm.K).max() > 0.1
    nu = k.stress_relaxation_rate(1.0)
    A = flows.velocity_gradient("simple_shear", 3, 2.0 * nu)
    M = fm.solve(_bkw_moments(fm, 1.0), A, np.array([0.0, 30.0, 40.0]) / nu)
    theta = (M[:, fm.index((2, 0, 0))] + M[:, fm.index((0, 2, 0))] + M[:, fm.index((0, 0, 2))]) / 3
    ratio = _m4(fm, M) / theta**2
    assert theta[-1] > 1e13                      # e^{2λt}, λ = 0.812 ν: the regime that blew up
    np.testing.assert_allclose(ratio[0], 15.0, rtol=1e-12)
    np.testing.assert_allclose(ratio[2], ratio[1], rtol=1e-3)
    assert 29.0 < ratio[2] < 30.5                # the DSMC profile gives 29.3 over νt ∈ [10, 15]


def test_non_maxwell_rejected():
    with pytest.raises(ValueError, match="Maxwell"):
        m.maxwell_rate(kernels.hard_sphere())
