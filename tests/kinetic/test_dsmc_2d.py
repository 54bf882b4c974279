"""DSMC in two velocity dimensions: hard-disk rate, 2D BKW, 2D shear against the 2×2 moment system
and its asymptotics, isotropic expansion, distribution outputs (conservation: test_dsmc.py)."""

import math

import jax
import numpy as np
import pytest

from bbgky.kinetic.boltzmann import dsmc as ds
from bbgky.kinetic.boltzmann import moments as mo
from bbgky.models import flows, kernels

ZERO = ((0.0, 0.0), (0.0, 0.0))
def test_kernel_dimension_must_match_flow():
    with pytest.raises(ValueError, match="2D"):
        ds.DSMC(kernels.maxwell(dimension=2), ds.DSMCConfig(n=10, A=((0.0,) * 3,) * 3, rho0=1.0, dt_max=0.1))


def test_hard_disk_collision_rate_and_deflection():
    """Hard disks: collisions per particle per time n·2σ·⟨|g|⟩ = 2nσ√(πθ); post-collision relative
    velocities are deflected by θ with density ∝ sin(θ/2) on (0, π): ⟨cos θ⟩ = −1/3."""
    sigma, rho, theta, t = 0.8, 1.5, 1.3, 0.2
    cfg = ds.DSMCConfig(n=20_000, A=ZERO, rho0=rho, dt_max=0.05, p_max=0.1)
    sim = ds.DSMC(kernels.hard_sphere(sigma, dimension=2), cfg)
    state = sim.init(jax.random.key(0), ds.maxwellian_sampler(theta * np.eye(2))(jax.random.key(1), cfg.n))
    end = jax.jit(sim.advance_to)(state, t)
    expected = cfg.n / 2 * 2 * rho * sigma * math.sqrt(math.pi * theta) * t
    assert int(end.collisions) == pytest.approx(expected, rel=5 * expected**-0.5 + 1e-3)
    g = jax.random.normal(jax.random.key(5), (200_000, 2))
    ghat = g / np.linalg.norm(g, axis=1, keepdims=True)
    cos = np.sum(np.asarray(sim._sigma(jax.random.key(6), None, ghat, (200_000,)) * ghat), axis=1)
    assert cos.mean() == pytest.approx(-1 / 3, abs=4 * cos.std() / math.sqrt(cos.size))


@pytest.mark.slow
def test_bkw_2d_fourth_moment():
    """2D BKW (b = 1/(2π)): M4(t) = 8(1 − e^{−t/4}) within 3 standard errors (8 × 50 000; the fast
    check at 4 × 10 000 is test_boltzmann_level.py::test_dsmc_2d_bkw_file)."""
    cfg = ds.DSMCConfig(n=50_000, A=ZERO, rho0=1.0, dt_max=0.02)
    ens = ds.Ensemble(ds.DSMC(kernels.maxwell(dimension=2), cfg))
    states = ens.init(jax.random.key(11), ds.bkw_sampler(6.0, 2), 8, t0=6.0)
    for t in (7.0, 8.5, 10.0):
        states = ens.advance_to(states, t)
        obs = ens.observe(states)
        m4, err = obs["speed_moment"][0][1], obs["speed_moment"][1][1]
        exact = 8 * (1 - math.exp(-t / 4))
        print(f"t={t}: M4 = {m4:.4f} ± {err:.4f}, exact {exact:.4f}")
        assert abs(m4 - exact) < 3 * err
        assert obs["temperature"][0] == pytest.approx(1.0, rel=1e-12)  # energy exact per collision
        assert np.abs(obs["momentum"][0]).max() < 1e-14
    assert np.all(np.asarray(states.status) == 0)


def test_bkw_2d_sampler():
    w = np.asarray(ds.bkw_sampler(6.0, 2)(jax.random.key(0), 100_000))
    r2 = (w**2).sum(1)
    assert w.shape == (100_000, 2)
    assert r2.mean() == pytest.approx(2.0, rel=1e-2)
    assert (r2**2).mean() == pytest.approx(8 * (1 - math.exp(-6.0 / 4)), rel=2e-2)
    with pytest.raises(ValueError, match="negative"):
        ds.bkw_sampler(5.0, 2)  # K = 1 − e^{−5/8} < 1/2


def test_simple_shear_2d_moment_ode_and_asymptotics():
    """2D Maxwell molecules (ν = ρΛ = 1/2): P(t) follows the 2×2 moment ODE within 4 standard
    errors; at late times θ grows at λ = λ*ν, λ*(1+λ*)² = a*², and P/p reaches the stress ratios."""
    kern = kernels.maxwell(dimension=2)
    nu = kern.stress_relaxation_rate(1.0)
    a_star = 1.0
    A = flows.velocity_gradient("simple_shear", 2, a_star * nu)
    cfg = ds.DSMCConfig(n=10_000, A=tuple(map(tuple, A)), rho0=1.0, dt_max=0.02)
    ens = ds.Ensemble(ds.DSMC(kern, cfg))
    states = ens.init(jax.random.key(2), ds.maxwellian_sampler(np.eye(2)), 8)
    times = np.array([2.0, 6.0, 16.0, 20.0])
    ref = mo.solve_second_moments(np.eye(2), A, 1.0, np.concatenate([[0.0], times]), mo.maxwell_rate(kern))
    theta = []
    for k, t in enumerate(times, 1):
        states = ens.advance_to(states, t)
        obs = ens.observe(states)
        P, err = obs["pressure_tensor"]
        z = np.abs(P - ref.pressure_tensor[k]) / np.maximum(err, 1e-3 * np.abs(P).max())
        print(f"t={t}: P_xy {P[0, 1]:.4f}±{err[0, 1]:.4f} (ODE {ref.pressure_tensor[k][0, 1]:.4f})")
        assert z.max() < 4
        theta.append(obs["temperature"][0])
    asym = mo.simple_shear_asymptotics(a_star, d=2)
    assert asym.growth_rate * (1 + asym.growth_rate) ** 2 == pytest.approx(a_star**2, rel=1e-12)
    lam = math.log(theta[3] / theta[2]) / (times[3] - times[2])
    assert lam / nu == pytest.approx(asym.growth_rate, rel=0.02)
    p = np.trace(P) / 2
    assert P[0, 1] / p == pytest.approx(asym.pxy, rel=0.02)
    assert P[0, 0] / p == pytest.approx(asym.pxx, rel=0.01)
    assert P[1, 1] / p == pytest.approx(asym.pyy, rel=0.01)
    # the growth rate of the linear 2×2 system agrees with the cubic
    assert mo.growth_rate_from_matrix(A, nu) / nu == pytest.approx(asym.growth_rate, rel=1e-10)


def test_isotropic_expansion_2d_exact():
    """A = r I: θ = θ0 det(I + tA)^(−2/d) = θ0 (1 + rt)^(−2) to round-off for any kernel and any
    initial anisotropy (energy is exact per collision and the deformation is exact)."""
    r = 0.4
    A = flows.velocity_gradient("isotropic_expansion", 2, r)
    cfg = ds.DSMCConfig(n=2_000, A=tuple(map(tuple, A)), rho0=1.0, dt_max=0.05)
    ens = ds.Ensemble(ds.DSMC(kernels.hard_sphere(1.0, dimension=2), cfg))
    states = ens.init(jax.random.key(9), ds.maxwellian_sampler(np.array([[1.5, 0.3], [0.3, 0.5]])), 2)
    for t in (0.5, 1.5):
        states = ens.advance_to(states, t)
        obs = ens.observe(states)
        det = np.linalg.det(np.eye(2) + t * A)
        assert obs["temperature"][0] == pytest.approx(det**-1.0, rel=1e-10)
        assert float(ens.density(t)) == pytest.approx(1 / det, rel=1e-14)
    assert int(np.asarray(states.collisions).min()) > 500


@pytest.mark.parametrize("d", [2, 3])
def test_distribution_outputs(d):
    """Histograms of ξ = w/√θ as marginals g_i(√θ ξ) and speed distribution: they integrate to ρ (a
    Gaussian has nothing beyond |ξ| = 8) and their second moments are P_ii resp. ρ d θ up to
    Sheppard's binning term ρθΔξ²/12."""
    rho, T = 1.3, np.diag([2.0, 0.7, 1.0][:d])
    w = ds.maxwellian_sampler(T)(jax.random.key(0), 100_000)
    obs = ds.replica_observables(w, rho)
    edges, speed_edges = ds.histogram_edges()
    centre, width = 0.5 * (edges[1:] + edges[:-1]), np.diff(edges)
    c, theta = float(obs["velocity_scale"]), float(obs["temperature"])
    assert c == pytest.approx(math.sqrt(theta), rel=1e-14)
    g = np.asarray(obs["velocity_marginal"])
    assert g.shape == (d, ds.HISTOGRAM_BINS)
    np.testing.assert_allclose(g @ width * c, rho, rtol=1e-12)
    second = g @ (centre**2 * width) * c**3
    sheppard = rho * theta * width[0] ** 2 / 12
    np.testing.assert_allclose(second, np.diag(np.asarray(obs["pressure_tensor"])) + sheppard, atol=3e-3)
    s = np.asarray(obs["speed_distribution"])
    sc, sw = 0.5 * (speed_edges[1:] + speed_edges[:-1]), np.diff(speed_edges)
    assert s @ sw * c == pytest.approx(rho, rel=1e-12)
    assert s @ (sc**2 * sw) * c**3 == pytest.approx(rho * d * theta + rho * theta * sw[0] ** 2 / 12, abs=3e-3)
