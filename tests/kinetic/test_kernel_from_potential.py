"""``from_potential`` kernels: the scattering table against the classical cross-sections, the
hard-sphere limit, the Boltzmann–Grad scaling, and DSMC with a speed-dependent angular law."""

import math

import jax
import numpy as np
import pytest

from bbgky.kinetic.boltzmann import bgk, spectral
from bbgky.kinetic.boltzmann import dsmc as ds
from bbgky.models import kernels
from bbgky.models.scattering import deflection_angle, differential_cross_section, transport_cross_section
from bbgky.models.transport import transport_coefficients

SMALL = dict(rows_per_decade=4, impact_points=2048, table_points=513)
WCA_RANGE = 2 ** (1 / 6)


def wca(**kw):
    return kernels.from_potential("wca", **{"temperature": 1.0, **SMALL, **kw})


def test_registered():
    assert kernels.REGISTRY["from_potential"] is kernels.from_potential


def test_steep_limit_is_hard_spheres():
    """At T* = 1e-4 WCA is a hard sphere of diameter 2^(1/6)σ (to ~0.2 %): isotropic scattering and
    Σ(g) = π d² g exactly (b_max = the range)."""
    k = wca(temperature=1e-4, speed_decades=(-1.0, 1.0))
    assert k.total_rate(0.37) == pytest.approx(math.pi * WCA_RANGE**2 * 0.37, rel=1e-14)
    row = k.cos_theta_table()[4]  # g = sqrt(θ): E* = 2.5e-5
    assert k.table_speeds[4] == pytest.approx(1e-2)
    assert np.abs(row - np.linspace(-1, 1, row.size)).max() < 5e-3


def test_table_reproduces_differential_cross_section():
    """Row k is cos θ(b) at p = b²/b_max², so dσ/dΩ = (b_max²/2) dp/d cos θ."""
    k = wca()
    row, g = k.cos_theta_table()[9], k.table_speeds[9]
    p = np.linspace(0, 1, row.size)
    dp_dx = 1 / np.gradient(row, p)
    for frac in (0.3, 0.55, 0.8):
        b = frac * k.b_max
        theta, dsig = (float(v) for v in differential_cross_section(k.potential, b, g**2 / 4))
        assert np.interp(frac**2, p, row) == pytest.approx(math.cos(theta), abs=2e-5)
        assert 0.5 * k.b_max**2 * np.interp(frac**2, p, dp_dx) == pytest.approx(dsig, rel=2e-3)


@pytest.mark.parametrize("name,rel", [("wca", 2e-5), pytest.param("lj", 3e-3, marks=pytest.mark.slow)])
def test_viscosity_cross_section_matches_scattering(name, rel):
    """π b_max² ⟨1 − cos²θ⟩ from the table against Q^(2) by the turning-point quadrature (LJ: the
    angular cut-off χ < 0.01 and the orbiting region cost a few 1e-4)."""
    k = kernels.from_potential(name, temperature=1.0, rows_per_decade=4, table_points=513)
    for g in k.table_speeds[6:13:3]:
        ref = float(transport_cross_section(k.potential, g**2 / 4, 2, reduced=False))
        assert k.viscosity_cross_section(g) == pytest.approx(ref, rel=rel)


def test_boltzmann_grad_scaling():
    """V = U(r/ε)/ε: χ_V(b, E) = χ_U(b/ε, εE); b_max and cross-sections scale as ε², the cos θ law
    at speed g is U's at √ε g."""
    eps, theta = 0.05, 1.3
    V, U = wca(range_=eps, temperature=theta), wca(temperature=eps * theta)
    b, E = np.array([0.1, 0.5, 0.9]), 2.0
    assert np.allclose(np.asarray(deflection_angle(V.potential, eps * b, E)),
                       np.asarray(deflection_angle(U.potential, b, eps * E)), atol=1e-12)
    assert V.sphere_integral == pytest.approx(eps**2 * U.sphere_integral, rel=1e-13)
    assert np.allclose(V.table_speeds, U.table_speeds / math.sqrt(eps), rtol=1e-13)
    assert np.allclose(V.cos_theta_table(), U.cos_theta_table(), atol=1e-10)


@pytest.mark.slow
def test_boltzmann_grad_viscosity():
    """The kernel's tabulated μ_V(θ) against a direct Chapman–Enskog value: μ_V(θ) = ε^(−5/2) μ_U(εθ)
    (V = U(r/ε)/ε has σ → εσ, ε → ε/ε, and μ = √ε/σ² μ*(θ/ε))."""
    eps, theta = 0.05, 1.3
    V = wca(range_=eps, temperature=theta)
    mu_U = transport_coefficients("wca", [eps * theta])["viscosity"][0]
    assert V.viscosity(theta) == pytest.approx(eps**-2.5 * mu_U, rel=1e-5)
    # BGK relaxes at ν = ρθ/μ(θ), also when θ is traced inside the jitted grid solver
    col = bgk.BGKCollision(spectral.Grid(8, 5.0), V)
    nu = jax.jit(col.frequency)(2.0, jax.numpy.asarray(theta))
    assert float(nu) == pytest.approx(2.0 * theta / (eps**-2.5 * mu_U), rel=1e-5)


def test_dsmc_conserves_and_collides_at_the_kernel_rate():
    """Momentum and energy to round-off over ~10⁴ collisions, whose number is
    (n/2) ρ π b_max² ⟨|g|⟩ t, ⟨|g|⟩ = 4√(θ/π) for a Maxwellian."""
    k = wca(range_=0.2)
    rho, theta, t = 20.0, 1.3, 0.2
    cfg = ds.DSMCConfig(n=20_000, A=((0.0,) * 3,) * 3, rho0=rho, dt_max=0.05)
    sim = ds.DSMC(k, cfg)
    state = sim.init(jax.random.key(0), ds.maxwellian_sampler(theta * np.eye(3))(jax.random.key(1), cfg.n))
    end = jax.jit(sim.advance_to)(state, t)
    w0, w1 = np.asarray(state.u), np.asarray(end.u)
    e0 = np.sum(w0**2)
    assert int(end.status) == 0
    assert np.abs(w1.sum(0) - w0.sum(0)).max() < 1e-11 * math.sqrt(e0)
    assert abs(np.sum(w1**2) - e0) < 1e-12 * e0
    expected = cfg.n / 2 * rho * k.sphere_integral * 4 * math.sqrt(theta / math.pi) * t
    assert int(end.collisions) == pytest.approx(expected, rel=5 * expected**-0.5 + 1e-3)


@pytest.mark.parametrize("s", [7.0, 7.5])
def test_dsmc_samples_the_law_at_the_pair_speed(s):
    """cos θ drawn by the DSMC at a speed on a row (s = 7) and between rows (s = 7.5: the linear
    interpolation in log g) has the mean of the table's law there."""
    k = wca()
    sim = ds.DSMC(k, ds.DSMCConfig(n=4, A=((0.0,) * 3,) * 3, rho0=1.0, dt_max=0.1))
    g = math.exp(np.interp(s, np.arange(k.table_speeds.size), np.log(k.table_speeds)))
    m = 200_000
    ghat = np.tile([0.0, 0.0, 1.0], (m, 1))
    sigma = np.asarray(sim._sigma(jax.random.key(5), np.full(m, g), ghat, (m,)))
    ct = sigma[:, 2]
    assert np.allclose(np.linalg.norm(sigma, axis=1), 1.0, atol=1e-12)
    lo, hi = k.cos_theta_table()[int(s)].mean(), k.cos_theta_table()[int(s) + 1].mean()
    want = lo + (s - int(s)) * (hi - lo)
    assert abs(ct.mean() - want) < 4 * ct.std() / math.sqrt(m)
    assert abs(hi - lo) > 10 * ct.std() / math.sqrt(m)  # the rows differ: the test can see g
