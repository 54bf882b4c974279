"""Collision kernels: normalisation (REFERENCE.md convention), rates, viscosities, sampling."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

from bbgky.models import kernels

ALL = [kernels.maxwell(), kernels.maxwell((1.0, 0.5, 0.25)), kernels.hard_sphere(1.3),
       kernels.vhs(0.9, 0.75, 1.2)]


def test_isotropic_maxwell_normalisation():
    k = kernels.maxwell()
    assert k.b(0.3) == pytest.approx(1 / (4 * math.pi), rel=1e-15)
    assert k.angular_moment == pytest.approx(2 / 3, rel=1e-14)       # Λ = 2/3
    assert k.total_rate(2.7) == pytest.approx(1.0, rel=1e-14)        # collision frequency = n
    assert k.stress_relaxation_rate(1.0) == pytest.approx(0.5, rel=1e-14)  # ν = n/2
    assert k.viscosity(1.7) == pytest.approx(1.7 / 0.5, rel=1e-14)   # μ = p/ν


def test_hard_sphere_rates_and_viscosity():
    s = 1.3
    k = kernels.hard_sphere(s)
    assert k.total_rate(2.0) == pytest.approx(math.pi * s**2 * 2.0, rel=1e-14)
    # equilibrium per-particle frequency n π σ² <|g|> = 4 n σ² √(π θ)
    theta = 1.7
    mean_g = quad(lambda g: k.total_rate(g) * 4 * math.pi * g**2 * (4 * math.pi * theta) ** -1.5
                  * math.exp(-g**2 / (4 * theta)), 0, 60)[0]
    assert mean_g == pytest.approx(4 * s**2 * math.sqrt(math.pi * theta), rel=1e-10)
    mu = 1.016034 * 5 / (16 * s**2) * math.sqrt(theta / math.pi)
    assert k.viscosity(theta) == pytest.approx(mu, rel=1e-13)


@pytest.mark.parametrize("k", ALL, ids=lambda k: f"{k.name}{k.angular}")
def test_first_sonine_viscosity_matches_quadrature(k):
    """μ1 = 5θ/(8 Ω22), Ω22 = √(θ/π) ∫ e^{-y²} y^7 Q2(2√θ y) dy, Q2 = ∫ B/|g| sin²θ dσ."""
    theta = 1.9
    om = math.sqrt(theta / math.pi) * quad(
        lambda y: math.exp(-y * y) * y**7 * k.viscosity_cross_section(2 * math.sqrt(theta) * y), 0, 12)[0]
    mu1 = 5 * theta / (8 * om)
    factor = kernels.HARD_SPHERE_VISCOSITY_FACTOR if k.name == "hard_sphere" else 1.0
    assert k.viscosity(theta) == pytest.approx(factor * mu1, rel=1e-9)


def test_vhs_limits():
    hs, v = kernels.hard_sphere(1.1), kernels.vhs(1.1, 0.5, 3.0)
    assert v.total_rate(2.3) == pytest.approx(hs.total_rate(2.3), rel=1e-14)
    factor = kernels.HARD_SPHERE_VISCOSITY_FACTOR
    assert v.viscosity(2.0) == pytest.approx(hs.viscosity(2.0) / factor, rel=1e-13)
    vm = kernels.vhs(1.0, 1.0, 2.0)          # ω = 1: Maxwell molecules with b = σ² g_ref / 4
    mm = kernels.maxwell(strength=2.0 / 4)
    assert vm.gamma == 0 and vm.viscosity(1.3) == pytest.approx(mm.viscosity(1.3), rel=1e-13)
    # μ ∝ θ^ω
    v = kernels.vhs(1.0, 0.74)
    assert v.viscosity(4.0) / v.viscosity(1.0) == pytest.approx(4.0**0.74, rel=1e-12)


@pytest.mark.parametrize("bad", [dict(sigma=-1.0), dict(omega=0.3), dict(omega=1.2), dict(reference_speed=0)])
def test_vhs_rejects_bad_parameters(bad):
    with pytest.raises(ValueError):
        kernels.vhs(**bad)


def test_maxwell_rejects_negative_angular_part():
    with pytest.raises(ValueError):
        kernels.maxwell((0.0, 1.0))


def test_registry():
    assert set(kernels.REGISTRY) >= {"maxwell", "hard_sphere", "vhs"}
    with pytest.raises(ValueError, match="known"):
        kernels.make_kernel("nope")


def test_cos_theta_sampling_table():
    k = kernels.maxwell((1.0, 0.5, 0.25))
    table = k.cos_theta_table()
    u = np.random.default_rng(0).random(400_000)
    x = np.interp(u, np.linspace(0, 1, len(table)), table)
    pdf = lambda x: 1 + 0.5 * x + 0.25 * x**2  # noqa: E731
    norm = quad(pdf, -1, 1)[0]
    mean = quad(lambda x: x * pdf(x), -1, 1)[0] / norm
    assert abs(x.mean() - mean) < 4 * x.std() / math.sqrt(len(x))
