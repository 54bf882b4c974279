"""The homework map T(g) = R(g⊗g)/∫R(g⊗g): Gaussian fixed points, scaling covariance, and the
scale-fixed iteration converging to (2/√π) e^{−r²} with the contraction factor 3/4 of the theory."""

import numpy as np
import pytest

from bbgky.statistics.homework import Grid, dilate, gaussian, homework_map, iterate

GRID = Grid()


@pytest.mark.parametrize("beta", [0.8, 1.0, 2.0])  # β = 0.5 leaves e^{-24.5} beyond r_max = 7
def test_every_mass_one_gaussian_is_a_fixed_point(beta):
    g = gaussian(GRID, beta)
    assert np.max(np.abs(homework_map(GRID, g) - g)) < 1e-12


def test_map_commutes_with_dilations():
    g = np.exp(-GRID.s) * (1 + 0.3 * np.cos(2 * GRID.r))
    g /= GRID.integral(g)
    lhs = homework_map(GRID, dilate(GRID, g, 1.3))
    rhs = dilate(GRID, homework_map(GRID, g), 1.3)
    assert np.max(np.abs(lhs - rhs)) < 1e-10


@pytest.mark.parametrize("perturbation", [lambda r: 1 + 0.1 * np.cos(r), lambda r: 1 + 0.3 * r**2],
                         ids=["cos", "r2"])
def test_scale_fixed_iteration_converges_to_the_gaussian(perturbation):
    it = iterate(np.exp(-GRID.s) * perturbation(GRID.r), GRID, tol=1e-10)
    assert it.errors[-1] < 1e-10 and it.errors[0] > 1e-3
    assert it.contraction == pytest.approx(0.75, abs=0.01)  # eigenvalue 2·c_4 = 3/4 of the linearisation


def test_plot_helpers_write_files(tmp_path):
    from bbgky.statistics import plots

    r = np.linspace(0.05, 2.0, 20)
    ones = np.ones(20)
    assert plots.plot_pair_correlation(r, ones, 0.01 * ones, tmp_path / "g.png", expected=1.0).stat().st_size
    assert plots.plot_pair_correlation_plane(r, r, np.ones((20, 20)), tmp_path / "p.png").stat().st_size
    errors = 0.75 ** np.arange(10)
    assert plots.plot_homework_convergence(errors, tmp_path / "h.png", contraction=0.75).stat().st_size
