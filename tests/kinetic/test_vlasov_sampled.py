"""The sampled initial condition: the grid starts from the kernel density estimate of N particles
drawn with explicit keys, so grid and particle solvers start from the same empirical law."""

import copy

import jax
import numpy as np
import pytest

from bbgky.config import validate
from bbgky.kinetic.vlasov.grid import PhaseGrid
from bbgky.kinetic.vlasov.initial import InitialLaw, kde_on_grid, sampled_on_grid
from bbgky.kinetic.vlasov.level import run
from bbgky.kinetic.vlasov.limits import distances_to_grid

L = 4 * np.pi


def test_kde_keeps_the_mass_mean_and_variance_of_the_sample():
    """Mass n0|Ω| exactly; mean velocity = sample mean; variance = sample variance + CIC mean
    s(1−s)Δv² + h² (h = 3Δv, where the sampled Gaussian's discrete variance is h² to ~1e-80)."""
    grid = PhaseGrid.from_shape([32, 64], L, 8.0)
    law = InitialLaw("landau", 1, density=1.3, amplitude=0.5)
    f, _, v = sampled_on_grid(law, jax.random.key(1), 2000, grid, bandwidth=3.0)
    v = np.asarray(v)[:, 0]
    assert f.min() >= 0
    mass = f.sum() * grid.cell
    assert mass == pytest.approx(1.3 * L, rel=1e-13)
    fv = f.sum(axis=0) * grid.dx[0] / mass
    V, dv = grid.v(0), grid.dv[0]
    mean = (fv * V).sum() * dv
    assert mean == pytest.approx(v.mean(), abs=1e-10)
    s = (v + 8.0) / dv - 0.5
    s -= np.floor(s)
    var = (fv * (V - mean) ** 2).sum() * dv
    assert var == pytest.approx(v.var() + np.mean(s * (1 - s)) * dv * dv + (3 * dv) ** 2, rel=1e-10)
    # a different key gives a different empirical law (the grid is not the smooth law)
    f2, _, _ = sampled_on_grid(law, jax.random.key(2), 2000, grid, bandwidth=3.0)
    assert np.abs(f2 - f).max() > 1e-3 * f.max()


def test_kde_with_scott_bandwidth_converges_to_the_law():
    """L1(KDE_N, f0)/mass decreases with N (Scott's rule: ≈ N^(−1/3) in 1D1V); 2D2V: mass exact, f ≥ 0."""
    grid = PhaseGrid.from_shape([32, 64], L, 8.0)
    law = InitialLaw("landau", 1, amplitude=0.5)
    exact = law.on_grid(grid)
    err = []
    for n in (1000, 30_000):
        f, _, _ = sampled_on_grid(law, jax.random.key(3), n, grid)
        err.append(np.abs(f - exact).sum() * grid.cell / L)
    assert err[1] < 0.5 * err[0] and err[1] < 0.05, err
    g2 = PhaseGrid.from_shape([8, 8, 16, 16], L, 6.0)
    rng = np.random.default_rng(4)
    x, v = rng.uniform(0, L, (1000, 2)), rng.normal(size=(1000, 2))
    f = kde_on_grid(x, v, g2, 1.0)  # Scott's h < Δv here: the positive sampled kernel keeps the mass
    assert f.min() >= 0 and f.sum() * g2.cell == pytest.approx(g2.volume, rel=1e-13)


CFG = {
    "system": {"dimension": 1, "density": 1.0, "temperature": 1.0, "seed": 11},
    "interaction": {"potential": "coulomb", "scaling": "mean_field"},
    "initial": {"kind": "landau", "amplitude": 0.3, "wavenumber": 0.5},
    "time": {"end": 0.2, "step": 0.1, "save_every": 0.1},
    "levels": {"vlasov": {"grid": [16, 128], "velocity_max": 7.0, "particles": 40, "initial_samples": 40,
                          "sample_bandwidth": 0.0, "snapshot_points": 128, "closure": "isothermal"}},
}


def test_level_grid_and_particles_start_from_the_same_empirical_law(tmp_path):
    """The level's f0 is the CIC projection of exactly the particles the particle solver starts
    from (same key): W1 between them at t = 0 is the projection error (< Δv/2 in v), far below the
    W1 of those 40 particles to the smooth law they were drawn from (in x: below Δx/2 and that W1)."""
    cfg = validate(copy.deepcopy(CFG))
    ds = run(cfg, tmp_path)
    grid = PhaseGrid.from_shape([16, 128], L, 7.0)
    law = InitialLaw("landau", 1, amplitude=0.3)
    key = jax.random.fold_in(jax.random.key(11), 0x7A50)  # the level's documented stream
    f0, x, v = sampled_on_grid(law, key, 40, grid, bandwidth=0.0)
    np.testing.assert_allclose(ds["phase_space"].values[0], f0, rtol=0, atol=1e-14)
    assert ds["mass"].values[0] == pytest.approx(L, rel=1e-13)
    smooth = distances_to_grid(x, v, law.on_grid(grid), grid)
    assert ds["w1_velocity"].values[0] < grid.dv[0] / 2
    assert ds["w1_velocity"].values[0] < 0.5 * smooth["w1_velocity"]
    assert ds["w1_position"].values[0] < min(grid.dx[0] / 2, smooth["w1_position"])
    assert ds["hydro_density_error"].values[0] < 1e-12  # Euler starts from the sampled moments
