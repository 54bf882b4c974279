"""Grid Vlasov solver: published Vlasov–Poisson rates, conservation, reversibility, fitted orders."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.kinetic.vlasov import interpolation as interp
from bbgky.kinetic.vlasov.analysis import dispersion_root, fit_damped_mode, fit_growth, fit_peaks
from bbgky.kinetic.vlasov.grid import PhaseGrid
from bbgky.kinetic.vlasov.initial import InitialLaw
from bbgky.kinetic.vlasov.kernels import coulomb, from_function, gaussian, yukawa
from bbgky.kinetic.vlasov.moments import local_moments, maxwellian
from bbgky.kinetic.vlasov.schemes import SCHEMES
from bbgky.kinetic.vlasov.solver import VlasovModel, VlasovSolver

# docs/references.md, Vlasov–Poisson 1D1V, k = 0.5
OMEGA, GAMMA = 1.4157, -0.15336


def series(rec, name):
    return np.array([r[name] for r in rec])


def vp_solver(shape, k, vmax, dt, *, interpolation="cubic_spline", scheme="strang", **kw):
    grid = PhaseGrid.from_shape(shape, 2 * np.pi / k, vmax)
    d = grid.dimension
    return VlasovSolver(VlasovModel(grid, coulomb(d, grid.lengths), interpolation, scheme, **kw), dt)


def landau(solver, amplitude=0.01, k=0.5, **kw):
    g = solver.grid
    return solver.init(InitialLaw("landau", g.dimension, amplitude=amplitude, wavenumber=k, **kw).on_grid(g))


@pytest.mark.parametrize("interpolation", ["cubic_spline", "spectral"])
def test_linear_landau_damping_rate_and_frequency(interpolation):
    s = vp_solver([64, 128], 0.5, 6.0, 0.1, interpolation=interpolation)
    _, rec = s.run(landau(s), 250, every=1)
    t, W, mode = series(rec, "time"), series(rec, "field_energy"), series(rec, "density_mode_re")
    for fit in (fit_damped_mode(t, mode, (4.0, 20.0)), fit_peaks(t, W, (4.0, 20.0))):
        assert abs(fit.rate / GAMMA - 1) < 0.01, fit
        assert abs(fit.frequency / OMEGA - 1) < 0.01, fit


@pytest.mark.parametrize(("k", "omega", "gamma"), [(0.3, 1.1598, -0.01262), (0.4, 1.2851, -0.06613),
                                                   (0.5, 1.4157, -0.15336), (0.6, 1.5457, -0.26411)])
def test_dispersion_solver_reproduces_the_reference_table(k, omega, gamma):
    w = dispersion_root(1 / k ** 2, k, guess=omega + 1j * gamma * 1.1)
    assert w.real == pytest.approx(omega, abs=1e-4) and w.imag == pytest.approx(gamma, abs=1e-5)


@pytest.mark.parametrize("name", ["gaussian", "yukawa"])
def test_landau_damping_for_other_pair_potentials_matches_their_dispersion_relation(name):
    """Any kernel: 1 + n0 Û(k)(1 + ζZ(ζ))/θ = 0. Gaussian ε = 2, σ = 1; Yukawa λ = 2."""
    k = 0.5
    grid = PhaseGrid.from_shape([32, 128], 2 * np.pi / k, 6.0)
    ker = gaussian(1, grid.lengths, epsilon=2.0, sigma=1.0) if name == "gaussian" else \
        yukawa(1, grid.lengths, screening_length=2.0)
    uk = float(ker.on_modes(np.array([k * k]))[0])
    w = dispersion_root(uk, k, guess=np.sqrt(uk * k * k + 3 * k * k) - 0.2j)
    s = VlasovSolver(VlasovModel(grid, ker), 0.1)
    _, rec = s.run(landau(s), 250, every=1)
    fit = fit_damped_mode(series(rec, "time"), series(rec, "density_mode_re"), (4.0, 25.0))
    assert fit.rate == pytest.approx(w.imag, rel=0.01) and fit.frequency == pytest.approx(w.real, rel=0.01)


def test_linear_landau_damping_in_2d2v():
    """f0 = (1 + α(cos kx + cos ky)) M: each mode damps at the 1D rate."""
    s = vp_solver([16, 16, 32, 32], 0.5, 6.0, 0.1)
    _, rec = s.run(landau(s), 200, every=1)
    fit = fit_damped_mode(series(rec, "time"), series(rec, "density_mode_re"), (4.0, 20.0))
    assert abs(fit.rate / GAMMA - 1) < 0.01 and abs(fit.frequency / OMEGA - 1) < 0.01, fit
    m = series(rec, "mass")
    assert abs(m - m[0]).max() / m[0] < 1e-12


def test_two_stream_growth_rate():
    """docs/references.md: f0 = v² e^{−v²/2}/√(2π), k = 0.5: γ = 0.2592."""
    k = 0.5
    s = vp_solver([32, 128], k, 8.0, 0.1)
    law = InitialLaw("two_stream", 1, amplitude=1e-4, wavenumber=k, profile="v2")
    _, rec = s.run(s.init(law.on_grid(s.grid)), 300, every=1)
    fit = fit_growth(series(rec, "time"), series(rec, "field_energy"), (16.0, 30.0))
    assert abs(fit.rate / 0.2592 - 1) < 0.02, fit


def test_nonlinear_landau_conserves_mass_and_energy():
    """α = 0.5: mass to round-off; total energy drift ≤ 1e-5 with the order-4 splitting."""
    s = vp_solver([64, 128], 0.5, 8.0, 0.1, scheme="triple_jump")
    _, rec = s.run(landau(s, amplitude=0.5), 300, every=10)
    m, E = series(rec, "mass"), series(rec, "total_energy")
    assert abs(m - m[0]).max() / m[0] < 1e-12
    assert abs(E - E[0]).max() / abs(E[0]) < 1e-5
    assert series(rec, "field_energy").min() < 0.1 * rec[0]["field_energy"]  # it did damp, nonlinearly


def test_fused_advance_equals_single_steps():
    """Adjacent half streams are fused inside a chunk: exact for Fourier translations (a group)."""
    s = vp_solver([16, 32], 0.5, 6.0, 0.2, interpolation="spectral", scheme="triple_jump")
    st0 = landau(s, amplitude=0.2)
    st, step = st0, jax.jit(s.step)
    for _ in range(5):
        st = step(st)
    fused = s.advance(st0, 5)
    np.testing.assert_allclose(np.asarray(fused.f), np.asarray(st.f), atol=1e-13)
    assert float(fused.t) == pytest.approx(float(st.t)) and int(fused.step) == 5


@pytest.mark.parametrize(("interpolation", "tol"), [("spectral", 1e-6), ("cubic_spline", 1e-3)])
def test_forward_then_backward_recovers_initial_condition(interpolation, tol):
    """Strang is symmetric: S(−dt) undoes S(dt) up to interpolation error — tiny for Fourier
    translations (only the Nyquist modes are not invertible), O(h³) for the dissipative spline."""
    fwd = vp_solver([32, 64], 0.5, 6.0, 0.1, interpolation=interpolation)
    bwd = vp_solver([32, 64], 0.5, 6.0, -0.1, interpolation=interpolation)
    st0 = landau(fwd, amplitude=0.2)
    back = bwd.advance(fwd.advance(st0, 50), 50)
    err = np.abs(np.asarray(back.f - st0.f)).max() / np.abs(np.asarray(st0.f)).max()
    assert err < tol
    assert float(back.t) == pytest.approx(0.0, abs=1e-12)
    if interpolation == "cubic_spline":  # and the error is interpolation error: it falls with the grid
        fwd2 = vp_solver([64, 128], 0.5, 6.0, 0.1, interpolation=interpolation)
        bwd2 = vp_solver([64, 128], 0.5, 6.0, -0.1, interpolation=interpolation)
        st2 = landau(fwd2, amplitude=0.2)
        back2 = bwd2.advance(fwd2.advance(st2, 50), 50)
        err2 = np.abs(np.asarray(back2.f - st2.f)).max() / np.abs(np.asarray(st2.f)).max()
        assert err2 < err / 4


@pytest.mark.parametrize("name", sorted(SCHEMES))
def test_splitting_order_matches_declared_order(name):
    """Error at t = 2 against a reference with dt/8 (nonlinear Landau, spectral so that the time
    error is all there is); the fitted order is compared with the scheme's declared order."""
    scheme = SCHEMES[name]
    T, f = 2.0, {}
    for dt in (0.4, 0.2, 0.1, 0.0125):
        s = vp_solver([16, 64], 0.5, 7.0, dt, interpolation="spectral", scheme=name)
        f[dt] = np.asarray(s.advance(landau(s, amplitude=0.3), round(T / dt)).f)
    errs = [np.abs(f[dt] - f[0.0125]).max() for dt in (0.4, 0.2, 0.1)]
    order = np.polyfit(np.log([0.4, 0.2, 0.1]), np.log(errs), 1)[0]
    assert abs(order - scheme.order) < 0.35, (errs, order)


def test_spline_translation_is_scipy_cubic_spline():
    from scipy import ndimage

    rng = np.random.default_rng(0)
    f = rng.random((32, 24))
    delta = rng.uniform(-5, 5, size=(1, 24))
    ours = np.asarray(interp.translate(jnp.asarray(f), jnp.asarray(delta), 0, "cubic_spline"))
    I, J = np.meshgrid(np.arange(32), np.arange(24), indexing="ij")
    ref = ndimage.map_coordinates(f, [I - delta, J.astype(float)], order=3, mode="grid-wrap")
    np.testing.assert_allclose(ours, ref, atol=1e-12)


@pytest.mark.parametrize("method", ["cubic_spline", "spectral"])
def test_translation_conserves_sum_and_shifts_whole_cells_exactly(method):
    f = np.random.default_rng(1).random((16, 5))
    out = interp.translate(jnp.asarray(f), jnp.full((1, 5), 3.0), 0, method)
    np.testing.assert_allclose(np.asarray(out), np.roll(f, 3, axis=0), atol=1e-13)
    out = interp.translate(jnp.asarray(f), jnp.linspace(-2.3, 7.7, 5)[None, :], 0, method)
    np.testing.assert_allclose(np.asarray(out).sum(0), f.sum(0), rtol=1e-13)


def test_coulomb_force_solves_poisson_with_background():
    """a = −E with ∂x E = 1 − n: for n = 1 + α cos kx, E = −(α/k) sin kx, a = (α/k) sin kx
    (like charges repel: the force points away from the density maximum at x = 0)."""
    s = vp_solver([32, 64], 0.5, 6.0, 0.1)
    st = landau(s, amplitude=0.1)
    a = np.asarray(s.acceleration(st.f, 0.0)[0])
    x = s.grid.x()
    np.testing.assert_allclose(a, (0.1 / 0.5) * np.sin(0.5 * x), atol=1e-10)
    # field energy ½∫E² dx = ½ (α/k)² L/2
    # (to the Maxwellian's mass beyond |v| = 6, ~1e-9)
    assert float(s.field_energy(st.f)) == pytest.approx(0.5 * 0.2 ** 2 * s.grid.lengths[0] / 2, rel=1e-8)


def test_kernels_fourier_transforms():
    L = (20.0,)
    k2 = (2 * np.pi * np.arange(1, 12) / L[0]) ** 2
    g = gaussian(1, L, epsilon=1.3, sigma=0.7)
    tab = from_function(lambda r: 1.3 * np.exp(-(r / 0.7) ** 2), 1, L)
    np.testing.assert_allclose(tab.on_modes(k2), g.on_modes(k2), rtol=1e-8, atol=1e-12)
    # yukawa → coulomb as λ → ∞ at k ≠ 0
    np.testing.assert_allclose(yukawa(1, L, screening_length=1e4).on_modes(k2), coulomb(1, L).on_modes(k2),
                               rtol=1e-6)


@pytest.mark.parametrize("kernel", ["coulomb", "yukawa", "gaussian"])
def test_closed_form_pair_forces_match_the_fourier_kernel(kernel):
    """Fast path == reference path: the real-space periodic pair force (used by the all-pairs
    particle solver) summed against a smooth density equals the grid solver's spectral field."""
    k = 0.5
    s = vp_solver([256, 32], k, 6.0, 0.1)
    L = s.grid.lengths
    ker = {"coulomb": coulomb(1, L), "yukawa": yukawa(1, L, screening_length=0.8),
           "gaussian": gaussian(1, L, sigma=0.9)}[kernel]
    s = VlasovSolver(VlasovModel(s.grid, ker), 0.1)
    st = landau(s, amplitude=0.3)
    spectral = np.asarray(s.acceleration(st.f, 0.0)[0])
    x = s.grid.x()
    n = 1 + 0.3 * np.cos(k * x)
    F = np.asarray(ker.periodic_force(jnp.asarray(x[:, None] - x[None, :])[..., None]))[..., 0]
    direct = F @ n * s.grid.dx[0]  # trapezoid; F(0) = 0 is the mean of the one-sided limits
    np.testing.assert_allclose(direct, spectral, atol=1e-12 if kernel == "gaussian" else 1e-4)


def test_bgk_relaxes_to_the_local_maxwellian_and_conserves():
    k = 0.5
    grid = PhaseGrid.from_shape([16, 64], 2 * np.pi / k, 8.0)
    law = InitialLaw("two_stream", 1, amplitude=0.1, wavenumber=k, profile="beams", beam_velocity=1.5)
    s = VlasovSolver(VlasovModel(grid, None, knudsen=0.05), 0.01)
    st = s.init(law.on_grid(grid))
    f = np.asarray(s.relax(st.f, 5.0))
    before, after = s.observe(st), s.observe(s.init(f))
    for name in ("mass", "kinetic_energy"):
        assert after[name] == pytest.approx(before[name], rel=1e-10)
    np.testing.assert_allclose(after["momentum"], before["momentum"], atol=1e-12)
    # and the result is the local Maxwellian at each x (to the discrete moment correction)
    m = local_moments(jnp.asarray(f), grid)
    M = np.asarray(maxwellian(m["n"], m["U"], m["theta"], grid))
    assert np.abs(f - M).max() < 3e-4 * np.abs(M).max()  # θ = 3.25: the grid cuts at 4.4 thermal speeds
    assert np.abs(np.asarray(m["q"][0])).max() < 1e-8


def test_thermostatted_bgk_conserves_mass_and_momentum_and_sets_the_temperature():
    k = 0.5
    grid = PhaseGrid.from_shape([16, 64], 2 * np.pi / k, 8.0)
    law = InitialLaw("two_stream", 1, amplitude=0.1, wavenumber=k, profile="beams", beam_velocity=1.0)
    s = VlasovSolver(VlasovModel(grid, None, knudsen=0.05, bgk_temperature=0.7), 0.01)
    st = s.init(law.on_grid(grid))
    before, after = s.observe(st), s.observe(s.init(s.relax(st.f, 50.0)))
    assert after["mass"] == pytest.approx(before["mass"], rel=1e-12)
    np.testing.assert_allclose(after["momentum"], before["momentum"], atol=1e-12)
    np.testing.assert_allclose(after["temperature_profile"], 0.7, rtol=1e-10)


def test_external_field_accelerates_free_particles():
    """No interaction, uniform acceleration a0: the mean velocity grows as a0 t exactly."""
    grid = PhaseGrid.from_shape([16, 64], 10.0, 8.0)
    s = VlasovSolver(VlasovModel(grid, None, external=lambda t, xs: [0.3 * jnp.ones_like(xs[0])]), 0.1)
    st = s.init(InitialLaw("maxwellian", 1).on_grid(grid))
    out = s.observe(s.advance(st, 10))
    assert out["momentum"][0] / out["mass"] == pytest.approx(0.3, rel=1e-10)


def test_velocity_boundary_is_monitored():
    grid = PhaseGrid.from_shape([16, 32], 10.0, 3.0)
    s = VlasovSolver(VlasovModel(grid, None), 0.1)
    st = s.init(InitialLaw("maxwellian", 1).on_grid(grid))
    assert "velocity_max" in s.health(st)
    assert math.isfinite(s.observe(st)["entropy"])
