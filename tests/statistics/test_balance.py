"""The momentum balance along the profile axis and the quasi-equilibrium closure.

* Exactness: along a deterministic NVE trajectory of a trapped Gaussian-core ensemble, the
  hat-smoothed balance closes to the truncation error of the central time difference (the
  divergence is an exact difference of bin sums, not a finite-difference approximation) — a
  power check: dropping any one term breaks it by orders of magnitude.
* The closure C_qe against its analytic value for g = 0 (complete exclusion): then
  C_qe = −((N−1)/N)·ρ(F∗ρ), and for U = e^{−r²} in 2D, ρ = ρ0(1 + a cos kx),
  F∗ρ = ρ0 a π e^{−k²/4} k sin kx.
"""

import numpy as np
import pytest

from bbgky.models.external import CosineExternal
from bbgky.models.external import forces as external_forces
from bbgky.models.potentials import make_potential
from bbgky.statistics import balance
from bbgky.statistics.correlation_force import pair_forces

L = 8.0


@pytest.mark.parametrize("shear", [0.0, 1.0])
def test_smoothed_balance_is_exact_along_a_trajectory(shear):
    """Velocity Verlet in the lab frame (written here, independent of the particle level) for R = 4
    replicas of N = 16 Gaussian-core particles in V = 0.8 cos(2πx₁/L); frames at t0, t0 + h,
    t0 + 2h, h = 1e-3. ``shear``: the rate a of u = (0, a x₁) (A = a e₂e₁ᵀ, L(t) = A, A² = 0), the
    cell (I + tA)L from t0 = 0.5; the lab-frame Verlet then is the OMD flow of w = v − Lx
    (ẇ = F − Lw, James–Qi–Wang eq. 13) and the profile cell the fixed cubic one."""
    rng = np.random.default_rng(3)
    R, n, h, bins, t0 = 4, 16, 1e-3, 8, 0.5
    # cut-off 3.5: the truncated force jumps by 2r e^{−r²} at r_c, and sheared pairs cross r_c fast
    # (at 3.0 a constant 3e-5 of the scale, independent of h; at 3.5 below 1e-6)
    pot = make_potential("gaussian", cutoff=3.5)
    ext = CosineExternal(0.8, 2 * np.pi / L)
    A = np.array([[0.0, 0.0], [shear, 0.0]])
    H0 = np.eye(2) * L
    assert balance.invariant_profile(H0, A)

    def cell(t):
        return (np.eye(2) + t * A) @ H0

    x = rng.random((R, n, 2)) * L
    v = rng.normal(scale=0.7, size=(R, n, 2)) + x @ A.T

    def force(x, t):
        return pair_forces(x, cell(t), pot.energy, pot.cutoff)[0] + np.asarray(external_forces(ext, x))

    frames, t, f = [], t0, force(x, t0)
    for _ in range(3):
        frames.append(balance.balance_blocks(x, v - x @ A.T, H0, bins, pot.energy, pot.cutoff, ext,
                                             L=A, force_cell=cell(t)))
        v = v + 0.5 * h * f
        x = x + h * v
        t += h
        f = force(x, t)
        v = v + 0.5 * h * f
    per_block = balance.with_time_derivative(t0 + np.array([0.0, h, 2 * h]), np.stack(frames))[1]
    terms = dict(zip(balance.TERMS, np.moveaxis(per_block, 1, 0), strict=True))
    scale = max(np.abs(terms[k]).max() for k in ("flux_divergence", "external", "mean_field"))
    # measured 8.0e-7 of the scale: the O(h²) error of the central difference
    assert np.abs(terms["residual"]).max() < 2e-5 * scale, (np.abs(terms["residual"]).max(), scale)
    for k in ("time_derivative", "flux_divergence", "external", "mean_field", "correlation"):
        assert np.abs(terms[k]).max() > 0.05 * scale, k  # every term matters
    flow = terms["flow"]
    if shear:  # −a j₁ in the flow component only, and it matters
        np.testing.assert_array_equal(flow[:, 0], 0.0)
        assert np.abs(flow[:, 1]).max() > 0.05 * scale
        assert np.abs(terms["residual"] + flow).max() > 1e3 * np.abs(terms["residual"]).max()
    else:
        np.testing.assert_array_equal(flow, 0.0)


@pytest.mark.parametrize("dimension", [2, 3])
def test_closure_with_complete_exclusion_is_minus_the_mean_field(dimension):
    n_particles, a, length = 50, 0.4, 10.0
    k = 2 * np.pi / length
    pot = make_potential("gaussian", cutoff=5.0)
    x = (np.arange(40) + 0.5) * length / 40
    area = 3.0 if dimension == 2 else 9.0
    rho0 = 2.0
    n = area * rho0 * (1 + a * np.cos(k * x))
    r = np.linspace(0.05, 4.95, 50)
    c = balance.quasi_equilibrium_force(x, n, length, area, r, np.zeros_like(r), pot.energy, dimension,
                                        n_particles, 5.0, samples=2001)
    u_hat = np.pi if dimension == 2 else np.pi**1.5  # ∫ e^{−r²} d^d r
    force = rho0 * a * u_hat * np.exp(-k * k / 4) * k * np.sin(k * x)
    expected = -(n_particles - 1) / n_particles * n * force
    # n is interpolated linearly between the 40 profile points: error (kΔx)²/8 = 3e-3 relative
    np.testing.assert_allclose(c, expected, atol=4e-3 * np.abs(expected).max())


def test_axial_kernel_is_odd_and_vanishes_for_an_ideal_gas():
    pot = make_potential("gaussian", cutoff=3.0)
    s = np.linspace(-2.5, 2.5, 11)
    r = np.linspace(0.1, 2.9, 15)
    g = 0.9 * (1 - np.exp(-r**2))  # below the ideal (N−1)/N = 0.9 everywhere
    kern = balance.axial_kernel(s, r, g, pot.energy, 2, 10, 3.0)
    np.testing.assert_allclose(kern, -kern[::-1], atol=1e-12)
    assert np.all(kern[s > 0] < 0)  # g < 1 removes part of the repulsion F_x(s > 0) > 0
    ideal = balance.axial_kernel(s, r, np.full_like(r, 0.9), pot.energy, 2, 10, 3.0)
    np.testing.assert_allclose(ideal, 0.0, atol=1e-14)


def test_closure_stderr_is_the_linear_propagation_of_one_bin():
    """With the error in one r bin of g (or one profile bin of n) only, the s.e. of C_qe is
    |C(g + σe_k) − C(g)| (exact: C_qe is linear in g) and |C(n + σe_j) − C(n − σe_j)|/2 (to O(σ²)),
    both through :func:`quasi_equilibrium_force` (a separate path from the basis kernels)."""
    pot = make_potential("gaussian", cutoff=3.0)
    length, bins, n_particles, area = 16.0, 16, 64, 4.0
    x = (np.arange(bins) + 0.5) * length / bins
    n = area * 0.25 * (1 + 0.5 * np.cos(2 * np.pi * x / length))
    r = np.linspace(0.05, 2.95, 30)
    g = (n_particles - 1) / n_particles * (1 - 0.8 * np.exp(-2 * r**2))
    args = (pot.energy, 2, n_particles, 3.0)

    def closure(n, g):
        return balance.quasi_equilibrium_force(x, n, length, area, r, g, *args)

    k, j, sigma = 12, 5, 1e-3
    e_k, e_j = np.eye(len(r))[k] * sigma, np.eye(bins)[j] * sigma
    se_g, se_n = balance.quasi_equilibrium_stderr(x, n, e_j, length, area, r, g, e_k, *args)
    np.testing.assert_allclose(se_g, np.abs(closure(n, g + e_k) - closure(n, g)), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(se_n, np.abs(closure(n + e_j, g) - closure(n - e_j, g)) / 2, rtol=1e-6,
                               atol=1e-12)
    assert se_g.max() > 0 and se_n.max() > 0
