"""Collision kernels: normalisation (docs/references.md convention), rates, viscosities, sampling."""

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


@pytest.mark.parametrize("k", [kernels.maxwell((1.0, 0.5, 0.25)),
                               kernels.maxwell((1.0, 0.5, 0.25), dimension=2),
                               kernels.hard_sphere(1.0, dimension=2)],
                         ids=lambda k: f"{k.name}{k.dimension}D")
def test_cos_theta_sampling_table(k):
    """Mean of cos θ under the table equals ∫ b cos θ dσ / ∫ b dσ."""
    table = k.cos_theta_table()
    u = np.random.default_rng(0).random(400_000)
    x = np.interp(u, np.linspace(0, 1, len(table)), table)
    mean = k._angular_integral(lambda c: c) / k.sphere_integral
    assert abs(x.mean() - mean) < 4 * x.std() / math.sqrt(len(x))


def test_two_dimensional_kernels():
    """d = 2: b = 1/(2π) gives collision frequency n, Λ = 1/2, ν = n/2, μ = p/ν; hard disks of
    diameter σ: Σ(g) = 2σ|g| (impact parameters in (−σ, σ)), B ∝ |sin(θ/2)|, Λ = 16σ/15,
    μ1 = √(θ/π)/(2σ); VHS ω = 1/2 has the hard-disk rate and μ ∝ θ^ω."""
    m = kernels.maxwell(dimension=2)
    assert m.b(0.3) == pytest.approx(1 / (2 * math.pi), rel=1e-15)
    assert m.total_rate(2.7) == pytest.approx(1.0, rel=1e-14)
    assert m.angular_moment == pytest.approx(0.5, rel=1e-14)
    assert m.stress_relaxation_rate(1.0) == pytest.approx(0.5, rel=1e-14)
    assert m.viscosity(1.7) == pytest.approx(1.7 / 0.5, rel=1e-14)
    s, theta = 0.7, 1.9
    hd = kernels.hard_sphere(s, dimension=2)
    assert not hd.isotropic
    assert hd.total_rate(2.0) == pytest.approx(2 * s * 2.0, rel=1e-14)
    # B dθ from the impact parameter: |b| = σ cos(θ/2), so dσ/dθ = (σ/2) sin(θ/2) on (0, π), each side
    assert quad(lambda t: 2 * (s / 2) * math.sin(t / 2), 0, math.pi)[0] == pytest.approx(hd.sphere_integral)
    assert hd.angular_moment == pytest.approx(16 * s / 15, rel=1e-13)
    assert hd.viscosity(theta) == pytest.approx(math.sqrt(theta / math.pi) / (2 * s), rel=1e-13)
    v = kernels.vhs(s, 0.5, 3.0, dimension=2)
    assert v.total_rate(2.3) == pytest.approx(hd.total_rate(2.3), rel=1e-14)
    v = kernels.vhs(1.0, 0.74, dimension=2)
    assert v.viscosity(4.0) / v.viscosity(1.0) == pytest.approx(4.0**0.74, rel=1e-12)
    with pytest.raises(ValueError, match="dimension"):
        kernels.maxwell(dimension=1)


def test_first_sonine_viscosity_2d_by_quadrature():
    """μ1 = nθ/ν1 with ν1 = (dΛn/(8(d−1)θ²)) ⟨|g|^γ g_x² g_y²⟩ over the 2D Gaussian of variance 2θ,
    the average done by quadrature (the closed form in Kernel.viscosity is independent of it)."""
    theta = 1.3
    for k in (kernels.hard_sphere(0.9, dimension=2), kernels.vhs(1.0, 0.8, dimension=2)):
        def integrand(g, k=k):  # |g|^γ g_x²g_y² over the 2D Gaussian of variance 2θ, in |g|
            return k.radial(g) * g**4 / 8 * g * math.exp(-g * g / (4 * theta)) / (2 * theta)

        avg = quad(integrand, 0, 80)[0]
        nu1 = 2 * k.angular_moment / (8 * theta**2) * avg     # d = 2: d/(d − 1) = 2; ⟨n_x²n_y²⟩ = 1/8
        assert k.viscosity(theta) == pytest.approx(theta / nu1, rel=1e-9)
