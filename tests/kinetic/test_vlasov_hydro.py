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


def test_vlasov_bgk_tends_to_euler_at_rate_kn():
    """Moments of Vlasov–BGK minus Euler (γ = 3) from the same local Maxwellian: error ∝ Kn."""
    grid = PhaseGrid.from_shape([16, 48], L, 7.0)
    res = hydro_error_versus_knudsen(grid, coulomb(1, grid.lengths), InitialLaw("landau", 1, amplitude=0.1,
                                                                                wavenumber=K),
                                     knudsens=[0.1, 0.05, 0.025], dt=0.01, times=[5.0], refine=8)
    assert 0.7 < res.order < 1.3, (res.density_error, res.order)
    assert np.all(np.diff(res.velocity_error[:, -1]) < 0)
