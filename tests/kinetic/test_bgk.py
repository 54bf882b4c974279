"""BGK: its second moments obey the closed moment ODE exactly (ν = ρθ/μ(θ)); conservation."""

import math

import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.kinetic.boltzmann import bgk
from bbgky.kinetic.boltzmann import moments as mo
from bbgky.kinetic.boltzmann import spectral as sp
from bbgky.models import flows, kernels


def _run(kern, n, extent, A, t_end=1.0, dt=0.05):
    grid = sp.Grid(n, extent)
    x = grid.mesh()
    solver = sp.HomoEnergeticSolver(grid, bgk.BGKCollision(grid, kern), A, 1.0, kern.gamma)
    state = solver.init((2 * math.pi) ** -1.5 * np.exp(-(x**2).sum(0) / 2))
    state = solver.advance(state, round(t_end / dt), dt)
    return grid, state


@pytest.mark.parametrize("kern,rate", [(kernels.maxwell(), mo.maxwell_rate),
                                       (kernels.hard_sphere(), mo.bgk_rate)], ids=["maxwell", "hard_sphere"])
def test_bgk_second_moments_equal_moment_ode(kern, rate):
    """Simple shear a = 0.5 from a Maxwellian, t = 1: relative error 1e-5 (N = 24), 2e-6 (N = 32)."""
    A = flows.velocity_gradient("simple_shear", 3, 0.5)
    ref = mo.solve_second_moments(np.eye(3), A, 1.0, np.array([0.0, 1.0]), rate(kern)).pressure_tensor[-1]
    errors = []
    for n, extent in [(24, 9.0), (32, 10.0)]:
        grid, state = _run(kern, n, extent, A)
        P = np.asarray(sp.grid_moments(state.G, grid)[2]) * float(jnp.exp(2 * state.log_c))
        errors.append(np.abs(P - ref).max() / np.trace(ref))
    print(kern.name, "BGK vs moment ODE, N = 24, 32:", errors)
    assert errors[0] < 1e-4 and errors[1] < 5e-6


def test_bgk_frequency_matches_viscosity():
    grid = sp.Grid(8, 5.0)
    for kern in [kernels.maxwell(), kernels.hard_sphere(1.2), kernels.vhs(0.9, 0.7)]:
        col = bgk.BGKCollision(grid, kern)
        for rho, theta in [(1.0, 1.0), (0.3, 2.7)]:
            want = kern.bgk_frequency(rho, theta)
            assert float(col.frequency(rho, theta)) == pytest.approx(want, rel=1e-12)
    assert bgk.BGKCollision(grid, kernels.maxwell()).frequency(2.0, 5.0) == pytest.approx(0.75 * 2.0 * 2 / 3)


def test_bgk_conserves_and_relaxes():
    """Without flow: mass, momentum, energy to round-off; an anisotropic P relaxes as e^{−νt}."""
    kern = kernels.maxwell()
    grid = sp.Grid(20, 8.0)
    x = grid.mesh()
    T = np.diag([1.4, 0.8, 0.8])
    G = np.exp(-0.5 * np.einsum("ixyz,ij,jxyz->xyz", x, np.linalg.inv(T), x))
    G /= G.sum() * grid.cell
    solver = sp.HomoEnergeticSolver(grid, bgk.BGKCollision(grid, kern), np.zeros((3, 3)), 1.0, 0.0)
    s0 = solver.init(G)
    s1 = solver.advance(s0, 40, 0.05)
    m0, m1 = sp.grid_moments(s0.G, grid), sp.grid_moments(s1.G, grid)
    assert abs(float(m1[0] - m0[0])) < 1e-13
    assert float(jnp.abs(m1[1] - m0[1]).max()) < 1e-13
    assert abs(float(jnp.trace(m1[2]) - jnp.trace(m0[2]))) < 1e-12
    dev0 = float(m0[2][0, 0] - jnp.trace(m0[2]) / 3)
    dev1 = float(m1[2][0, 0] - jnp.trace(m1[2]) / 3)
    assert dev1 / dev0 == pytest.approx(math.exp(-0.5 * 2.0), rel=1e-6)
