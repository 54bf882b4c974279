"""Fast spectral method and BGK in two velocity dimensions (circle rule, J0 multipliers)."""

import math

import numpy as np
import pytest
import xarray as xr

from bbgky import config
from bbgky.kinetic.boltzmann import bgk, level
from bbgky.kinetic.boltzmann import moments as mo
from bbgky.kinetic.boltzmann import spectral as sp
from bbgky.models import flows, kernels


def bkw_2d(x, t):
    """docs/references.md 2D BKW: e^{−|v|²/2K}/(2πK²)[2K − 1 + (1−K)|v|²/(2K)], K = 1 − e^{−t/8}."""
    K = 1 - math.exp(-t / 8)
    r2 = (x**2).sum(0)
    return np.exp(-r2 / (2 * K)) / (2 * math.pi * K**2) * (2 * K - 1 + (1 - K) * r2 / (2 * K))


def test_shell_average_2d():
    """2π J0(z) = ∫_0^{2π} e^{iz cos φ} dφ."""
    phi = 2 * math.pi * np.arange(64) / 64
    for z in (0.0, 0.7, 3.1, 9.0):
        assert sp.shell_average(np.array(z), 2) == pytest.approx(
            np.mean(np.cos(z * np.cos(phi))) * 2 * math.pi, abs=1e-13)


def test_bkw_2d_error_decreases_with_n():
    """2D BKW from t = 6 to 6.5 (b = 1/(2π)): the max error over the grid falls spectrally with N;
    mass and energy of Q vanish to round-off."""
    kern = kernels.maxwell(dimension=2)
    errors = []
    for n in (16, 24, 32):
        grid = sp.Grid(n, 7.0, 2)
        col = sp.SpectralCollision(grid, kern, radial_points=n, sphere_degree=n)
        solver = sp.HomoEnergeticSolver(grid, col, np.zeros((2, 2)), 1.0, 0.0, follow_temperature=False)
        x = grid.mesh()
        state = solver.advance(solver.init(bkw_2d(x, 6.0), 6.0), 10, 0.05)
        errors.append(float(np.abs(np.asarray(state.G) - bkw_2d(x, 6.5)).max()))
        Q = np.asarray(col(solver.init(bkw_2d(x, 6.0)).G))
        assert abs(Q.sum()) * grid.cell < 1e-14 and abs((Q * (x**2).sum(0)).sum()) * grid.cell < 1e-13
    print("max errors N = 16, 24, 32:", errors)
    assert errors[0] > 3 * errors[1] > 9 * errors[2] and errors[2] < 1e-5


def make2d(levels, **tables):
    data = {"title": "2D grid", "system": {"dimension": 2, "density": 1.0, "temperature": 1.0},
            "interaction": {"potential": "maxwell"}, "time": {"end": 1.0, "step": 0.05, "save_every": 0.5},
            "levels": {"boltzmann": levels}}
    data.update(tables)
    return config.validate(data)


def test_spectral_2d_level_bkw(tmp_path):
    """method = spectral, d = 2: ⟨|w|⁴⟩ = 8(1 − e^{−t/4}) and 2D distribution outputs (∫ g_i dw_i = ρ)."""
    cfg = make2d({"method": "spectral", "grid": 32, "velocity_extent": 7.0, "sphere_degree": 32},
                 initial={"kind": "bkw", "start": 6.0})
    level.run(cfg, tmp_path)
    ds = xr.open_dataset(tmp_path / "boltzmann.nc")
    t = ds.time.values
    np.testing.assert_allclose(ds.speed_moment.values[:, 1], 8 * (1 - np.exp(-(6.0 + t) / 4)), rtol=1e-4)
    np.testing.assert_allclose(ds.internal_energy.values, ds.temperature.values, rtol=1e-12)
    assert ds.velocity_distribution.dims == ("xi_x", "xi_y") and list(ds.component.values) == ["x", "y"]
    h = float(ds.xi[1] - ds.xi[0])
    c = ds.velocity_scale.values
    np.testing.assert_allclose(ds.velocity_marginal.values.sum(-1) * h * c[:, None], 1.0, rtol=1e-12)


def test_bgk_2d_isotropic_expansion(tmp_path):
    """BGK of hard disks, d = 2, A = rI: θ = θ0 det(I + tA)^(−2/d) = θ0 (1 + rt)^(−2), ρ = ρ0 (1 + rt)^(−2).
    """
    cfg = make2d({"method": "bgk", "kernel": "hard_sphere", "grid": 20},
                 interaction={"potential": "wca"}, flow={"kind": "isotropic_expansion", "rate": 0.3},
                 initial={"kind": "anisotropic", "temperature_tensor": [[1.5, 0.2], [0.2, 0.5]]})
    ds = level.run(cfg, tmp_path)
    t = ds.time.values
    theta = ds.temperature.values
    np.testing.assert_allclose(theta, theta[0] * (1 + 0.3 * t) ** -2.0, rtol=1e-6)
    assert ds.temperature.values[0] == pytest.approx(1.0, rel=1e-5)  # tr T/2 on a 20² grid
    np.testing.assert_allclose(ds.density.values, (1 + 0.3 * t) ** -2.0, rtol=1e-12)


def test_bgk_2d_second_moments_equal_moment_ode():
    """2D BGK of Maxwell molecules under simple shear a = 0.5 from a Maxwellian to t = 1: P equals the
    2×2 moment ODE (ν = ρΛ = ρ/2 is the BGK frequency ρθ/μ, μ = θ/Λ)."""
    kern = kernels.maxwell(dimension=2)
    A = flows.velocity_gradient("simple_shear", 2, 0.5)
    ref = mo.solve_second_moments(np.eye(2), A, 1.0, np.array([0.0, 1.0]), mo.maxwell_rate(kern))
    ref = ref.pressure_tensor[-1]
    grid = sp.Grid(32, 10.0, 2)
    solver = sp.HomoEnergeticSolver(grid, bgk.BGKCollision(grid, kern), A, 1.0, kern.gamma)
    state = solver.advance(solver.init(np.exp(-(grid.mesh() ** 2).sum(0) / 2) / (2 * math.pi)), 20, 0.05)
    P = np.asarray(sp.grid_moments(state.G, grid)[2]) * math.exp(2 * float(state.log_c))
    assert np.abs(P - ref).max() / np.trace(ref) < 5e-6
