"""Hydrodynamic limit of the Vlasov level: Euler with mean-field force, BGK, error ∝ Kn."""

import numpy as np
import pytest
from scipy.optimize import curve_fit

from bbgky.kinetic.vlasov.euler import EulerMeanField
from bbgky.kinetic.vlasov.grid import PhaseGrid
from bbgky.kinetic.vlasov.initial import InitialLaw
from bbgky.kinetic.vlasov.kernels import coulomb
from bbgky.kinetic.vlasov.limits import hydro_error_versus_knudsen

K = 0.5
L = 2 * np.pi / K


@pytest.mark.parametrize(("closure", "omega2"), [("adiabatic", 1 + 3 * K * K), ("isothermal", 1 + K * K)])
def test_euler_poisson_plasma_wave_frequency(closure, omega2):
    """Linear Euler–Poisson: ω² = ω_p² + γ k² θ (γ = 3 adiabatic in 1D, 1 isothermal)."""
    e = EulerMeanField(128, L, coulomb(1, (L,)), closure=closure)
    st = e.init(1 + 1e-4 * np.cos(K * e.x), 0.0, 1.0)
    ts, amp = np.arange(0.1, 12.0, 0.1), []
    for t in ts:
        st = e.advance_to(st, t)
        amp.append(2 * np.mean((np.asarray(st.q[0]) - 1) * np.cos(K * e.x)))

    def model(t, A, w, ph, c):
        return A * np.cos(w * t + ph) + c

    p, _ = curve_fit(model, ts, np.array(amp), p0=[1e-4, np.sqrt(omega2), 0.0, 0.0])
    assert abs(p[1]) == pytest.approx(np.sqrt(omega2), rel=2e-3)


def test_euler_conserves_mass_momentum_and_total_energy():
    e = EulerMeanField(128, L, coulomb(1, (L,)), closure="adiabatic")
    st = e.init(1 + 0.3 * np.cos(K * e.x), 0.2 * np.sin(K * e.x), 1.0)

    def totals(s):
        rho, u, _ = (np.asarray(a) for a in e.primitive(s.q))
        nk = np.fft.rfft(rho - rho.mean()) / e.n
        k = 2 * np.pi * np.fft.rfftfreq(e.n, d=e.dx)
        field = e.L * np.sum((np.abs(nk[1:]) ** 2) / k[1:] ** 2)  # ½∫E² with both ±k
        return rho.sum() * e.dx, (rho * u).sum() * e.dx, np.asarray(s.q[2]).sum() * e.dx + field

    before = totals(st)
    after = totals(e.advance_to(st, 3.0))
    assert after[0] == pytest.approx(before[0], rel=1e-13)
    assert after[1] == pytest.approx(before[1], abs=1e-12)
    assert after[2] == pytest.approx(before[2], rel=1e-3)  # up to the field-energy truncation error


def test_2d_euler_with_data_constant_in_y_reproduces_the_1d_solver_to_round_off():
    """Same γ, same dt (the 2D CFL bound is halved, so cfl doubles): U₂ stays exactly 0 and ρ, ρU₁,
    E equal the 1D solution to round-off after a nonlinear run (30 % density wave, t = 2)."""
    e1 = EulerMeanField(32, L, coulomb(1, (L,)))
    e2 = EulerMeanField((32, 8), (L, L), coulomb(2, (L, L)), gamma=3.0)
    rho, u = 1 + 0.3 * np.cos(K * e1.x), 0.2 * np.sin(K * e1.x)
    s1 = e1.advance_to(e1.init(rho, u, 1.0), 2.0)
    s2 = e2.advance_to(e2.init(np.repeat(rho[:, None], 8, 1), [np.repeat(u[:, None], 8, 1), 0.0], 1.0),
                       2.0, cfl=0.8)
    q1, q2 = np.asarray(s1.q), np.asarray(s2.q)
    assert np.abs(q1[0] - 1).max() > 0.1  # the wave is still there: a non-trivial comparison
    np.testing.assert_array_equal(q2[2], 0.0)
    for a, b in ((0, 0), (1, 1), (2, 3)):
        np.testing.assert_allclose(q2[b], np.repeat(q1[a][:, None], 8, 1), rtol=0, atol=1e-13)


@pytest.mark.parametrize(("closure", "gamma"), [("adiabatic", 2.0), ("isothermal", 1.0)])
def test_2d_euler_poisson_oblique_plasma_wave_frequency(closure, gamma):
    """Linear 2D Euler–Poisson, wave vector k = (K, K): ω² = 1 + γ|k|²θ (γ = 2 adiabatic in 2D)."""
    e = EulerMeanField((32, 32), (L, L), coulomb(2, (L, L)), closure=closure)
    phase = K * (e.xs[0] + e.xs[1])
    st = e.init(1 + 1e-4 * np.cos(phase), 0.0, 1.0)
    ts, amp = np.arange(0.2, 10.0, 0.2), []
    for t in ts:
        st = e.advance_to(st, t, chunk=8)
        amp.append(2 * np.mean((np.asarray(st.q[0]) - 1) * np.cos(phase)))
    omega = np.sqrt(1 + gamma * 2 * K * K)

    def model(t, A, w, ph, c):
        return A * np.cos(w * t + ph) + c

    p, _ = curve_fit(model, ts, np.array(amp), p0=[1e-4, omega, 0.0, 0.0])
    assert abs(p[1]) == pytest.approx(omega, rel=5e-3)
    # the other closure's frequency is excluded: γ matters at this resolution
    assert abs(abs(p[1]) - np.sqrt(1 + (3 - gamma) * 2 * K * K)) > 0.1


def test_vlasov_bgk_tends_to_euler_at_rate_kn():
    """Moments of Vlasov–BGK minus Euler (γ = 3) from the same local Maxwellian: error ∝ Kn."""
    grid = PhaseGrid.from_shape([16, 48], L, 7.0)
    res = hydro_error_versus_knudsen(grid, coulomb(1, grid.lengths), InitialLaw("landau", 1, amplitude=0.1,
                                                                                wavenumber=K),
                                     knudsens=[0.1, 0.05, 0.025], dt=0.01, times=[5.0], refine=8)
    assert 0.7 < res.order < 1.3, (res.density_error, res.order)
    assert np.all(np.diff(res.velocity_error[:, -1]) < 0)
