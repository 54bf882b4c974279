"""N-particle mean-field system (James–Qi–Wang Lemma 2.6): agreement with the grid solver and W1 → 0
as N^(−1/2)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.kinetic.vlasov.grid import PhaseGrid
from bbgky.kinetic.vlasov.initial import InitialLaw
from bbgky.kinetic.vlasov.kernels import coulomb, gaussian
from bbgky.kinetic.vlasov.limits import distances_to_grid, w1_versus_n
from bbgky.kinetic.vlasov.particles import MeanFieldParticles
from bbgky.kinetic.vlasov.solver import VlasovModel, VlasovSolver

K = 0.5
GRID = PhaseGrid.from_shape([64, 128], 2 * np.pi / K, 8.0)
LAW = InitialLaw("landau", 1, amplitude=0.5, wavenumber=K)


@pytest.mark.parametrize("kind", ["coulomb", "gaussian"])
def test_mesh_force_equals_direct_force_on_a_quiet_start(kind):
    """Fast path == reference path: on a lattice of particles displaced by a smooth wave the
    particle-mesh force converges to the exact all-pairs force as the mesh is refined."""
    L = GRID.lengths
    ker = coulomb(1, L) if kind == "coulomb" else gaussian(1, L, sigma=1.0)
    N = 4096
    q = (np.arange(N) + 0.5) * L[0] / N
    x = np.mod(q + 0.3 * np.sin(K * q), L[0])[:, None]
    direct = MeanFieldParticles(ker, N, 1.0, 0.1, method="direct").acceleration(jnp.asarray(x), 0.0)
    errs = []
    for m in (64, 128, 256):
        pm = MeanFieldParticles(ker, N, 1.0, 0.1, method="mesh", mesh=(m,))
        mesh = pm.acceleration(jnp.asarray(x), 0.0)
        errs.append(float(jnp.abs(mesh - direct).max() / jnp.abs(direct).max()))
    assert errs[-1] < 2e-3 and errs[-1] < errs[0] / 3, errs


@pytest.mark.parametrize("method", ["direct", "mesh"])
def test_momentum_is_conserved(method):
    p = MeanFieldParticles(coulomb(1, GRID.lengths), 1000, 1.0, 0.1, method=method, mesh=(64,))
    st = p.init(jax.random.key(0), LAW)
    before = p.observe(st)["momentum"]
    after = p.observe(p.advance(st, 20))["momentum"]
    np.testing.assert_allclose(after, before, atol=1e-10)


@pytest.mark.parametrize(("kind", "profile", "mean", "second"), [
    ("landau", "v2", 0.0, 1.0),
    ("two_stream", "v2", 0.0, 3.0),
    ("two_stream", "mixed", 0.0, 16 / 6),
    ("two_stream", "beams", 0.0, 1 + 2.4 ** 2),
    ("bump_on_tail", "v2", 0.45, 0.9 + 0.1 * (0.25 + 4.5 ** 2)),
])
def test_samplers_draw_the_grid_law(kind, profile, mean, second):
    law = InitialLaw(kind, 1, amplitude=0.3, wavenumber=K, profile=profile)
    x, v = law.sample(jax.random.key(1), 200_000, GRID.lengths)
    v = np.asarray(v)[:, 0]
    assert np.mean(v) == pytest.approx(mean, abs=0.02)
    assert np.mean(v * v) == pytest.approx(second, rel=0.02)
    assert np.mean(np.cos(K * np.asarray(x)[:, 0])) == pytest.approx(0.15, abs=0.01)
    d = distances_to_grid(x, np.asarray(v)[:, None], law.on_grid(GRID), GRID)
    assert max(d.values()) < 0.02, d


def test_particle_moments_follow_the_grid_solution():
    """Nonlinear Landau (α = 0.5) to t = 5: temperature and the density mode agree."""
    solver = VlasovSolver(VlasovModel(GRID, coulomb(1, GRID.lengths)), 0.1)
    grid = solver.observe(solver.advance(solver.init(LAW.on_grid(GRID)), 50))
    p = MeanFieldParticles(coulomb(1, GRID.lengths), 50_000, 1.0, 0.1, method="mesh", mesh=(64,))
    part = p.observe(p.advance(p.init(jax.random.key(2), LAW), 50))
    assert part["temperature"] == pytest.approx(grid["temperature"], rel=0.02)
    assert part["density_mode_re"] == pytest.approx(grid["density_mode_re"], abs=0.02)


def test_w1_between_particles_and_grid_decays_like_n_to_the_minus_half():
    res = w1_versus_n(GRID, coulomb(1, GRID.lengths), LAW, sizes=[100, 400, 1600], seeds=3, dt=0.1,
                      save_steps=[0, 20], directions=8)
    for name in ("w1_position", "w1_velocity", "sliced_w1_phase"):
        for rate in res.rates[name]:
            assert -0.8 < rate < -0.3, (name, res.rates[name], res.mean(name))


@pytest.mark.slow  # ~15 s (compiles two particle systems); w1_versus_n's rate is tested above
def test_w1_study_from_a_configuration_gives_the_table_and_the_rate():
    """w1_study(cfg, Ns): W1 at every save (t = 0 included) for each N and seed; the fitted rate of
    the velocity W1 over N = 64 → 1024 is ≈ −1/2 (sampling error of the initial law)."""
    from bbgky.config import validate
    from bbgky.kinetic.vlasov.limits import w1_study

    cfg = validate({"system": {"dimension": 1, "density": 1.0, "temperature": 1.0, "seed": 5},
                    "interaction": {"potential": "coulomb", "scaling": "mean_field"},
                    "initial": {"kind": "landau", "amplitude": 0.3, "wavenumber": 0.5},
                    "time": {"end": 0.1, "step": 0.1, "save_every": 0.1},
                    "levels": {"vlasov": {"grid": [16, 64], "velocity_max": 7.0}}})
    res = w1_study(cfg, [64, 1024], seeds=4)
    ds = res.to_dataset()
    assert res.times == [0.0, 0.1]
    assert ds["w1_velocity"].shape == (2, 4, 2) and ds["w1_velocity_rate"].shape == (2,)
    assert np.all(ds["w1_velocity_mean"].values[1] < ds["w1_velocity_mean"].values[0])
    assert -0.8 < res.rates["w1_velocity"][0] < -0.3, res.rates
    assert -0.8 < res.rates["w1_position"][0] < -0.3, res.rates
