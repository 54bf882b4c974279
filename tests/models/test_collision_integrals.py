"""Collision integrals Ω^(l,s)*: Lennard-Jones against the Neufeld fit, exact scalings of inverse
power laws, the fast JAX path against the SciPy reference path."""

import itertools
import math

import numpy as np
import pytest

from bbgky.errors import ConfigError
from bbgky.models import collision_integrals as C
from bbgky.models import scattering as S

#: 26 temperatures in [0.5, 50], seven of them below T* = 1 (orbiting below T* ≈ 0.8)
T_LJ = np.concatenate([[0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9], np.geomspace(1.0, 50.0, 19)])


def test_lj_omega22_within_0p3_percent_of_neufeld():
    omega = C.omega_star("lj", T_LJ)[:, 0]
    dev = omega / C.neufeld_omega22(T_LJ) - 1
    assert T_LJ.size > 20 and np.sum(T_LJ < 1) >= 5
    assert np.max(np.abs(dev)) < 3e-3, dict(zip(T_LJ.round(3), dev.round(5), strict=True))


def test_lj_omega22_is_converged_in_every_node_count():
    T = np.array([0.5, 0.8, 1.0, 3.0, 30.0])
    base = C.omega_star("lj", T)[:, 0]
    fine = C.omega_star("lj", T, n_r=96, n_psi=64, n_low=40, n_high=96)[:, 0]
    np.testing.assert_allclose(base, fine, rtol=5e-5)


def test_lj_cross_section_matches_the_scipy_reference_path():
    # the same b and r integrals by nested scipy quad + brentq (orbiting E = 0.3, near-orbiting 0.81)
    from scipy.integrate import quad
    from scipy.optimize import brentq

    lj = S.scattering_potential("lj")
    U = lambda x: 4 * (x**-12 - x**-6)  # noqa: E731
    Phi = lambda x: U(x) + 0.5 * x * 4 * (-12 * x**-13 + 6 * x**-7)  # noqa: E731
    for E in (0.3, 0.81, 3.0):
        rb = brentq(lambda x, E=E: Phi(x) - E, 5 ** (1 / 6), 100.0, xtol=1e-15) if E < 0.8 else None

        def chi(b, E=E, rb=rb):
            B = lambda x: x * x * (1 - U(x) / E)  # noqa: E731
            grid = np.geomspace(0.5, max(4 * b, 10.0), 4000)[::-1]
            vals = B(grid) - b * b
            k = np.argmax(vals < 0)  # first sign change coming in from large r: the largest root
            rm = brentq(lambda x: B(x) - b * b, grid[k], grid[k - 1], xtol=1e-15)
            beta = b / rm

            def g(y):  # sqrt((1 − y)/G(y)); (1 − y)^{-1/2} is the quadrature weight
                G = 1 - beta**2 * y * y - U(rm / y) / E if y > 0 else 1.0
                return math.sqrt((1 - y) / G) if G > 0 else 0.0

            opts = dict(epsabs=1e-12, epsrel=1e-10, limit=400)
            split = rm / rb if rb is not None and rm < rb else None  # the orbiting barrier at r_b
            if split is None:
                inner = quad(g, 0, 1, weight="alg", wvar=(0, -0.5), **opts)[0]
            else:
                inner = quad(lambda y: g(y) / math.sqrt(1 - y), 0, split, **opts)[0] \
                    + quad(g, split, 1, weight="alg", wvar=(0, -0.5), **opts)[0]
            return math.pi - 2 * beta * inner

        edges = [0.0, np.inf]
        if rb is not None:  # split at the orbiting impact parameter b_o² = B(r_b)
            edges.insert(1, rb * math.sqrt(1 - U(rb) / E))
        Q = sum(quad(lambda b: (1 - math.cos(chi(b)) ** 2) * b, a, c, limit=400, epsrel=1e-8)[0]
                for a, c in itertools.pairwise(edges)) * 2 / (2 / 3)
        assert float(S.transport_cross_section(lj, E, 2)) == pytest.approx(Q, rel=2e-6), E


@pytest.mark.slow
def test_lj_omega22_matches_the_scipy_reference_at_one_temperature():
    assert C.omega_star("lj", [1.0])[0, 0] == pytest.approx(C.omega_star_reference("lj", 1.0), rel=1e-5)


@pytest.mark.parametrize("n", [6.0, 8.0, 12.0])
def test_ipl_collision_integrals_scale_exactly(n):
    # Q^(l) ∝ E^{-2/n}: Ω^(l,s)* ∝ T*^{-2/n} and Ω^(2,3)*/Ω^(2,2)* = 1 − 1/(2n)
    T = np.array([0.3, 1.0, 7.0, 40.0])
    om = C.omega_star("ipl", T, pairs=((2, 2), (2, 3), (1, 1)), exponent=n)
    slope = np.polyfit(np.log(T), np.log(om[:, 0]), 1)[0]
    assert slope == pytest.approx(-2 / n, abs=1e-9)
    np.testing.assert_allclose(om[:, 1] / om[:, 0], 1 - 1 / (2 * n), rtol=1e-7)


def test_energy_rule_integrates_gamma_functions():
    # split = E_c/T* ∈ [0.016, 2.7] for LJ at 0.3 ≤ T* ≤ 50
    for split in (0.016, 1.0, 2.7):
        x, w = C.energy_rule(split)
        for a in (0.5, 1.0, 2.0 / 3.0, 4.0):
            assert np.sum(w * x**a) == pytest.approx(math.gamma(a + 1), rel=1e-7)


def test_bad_temperatures_raise():
    for T in ([0.0], [-1.0], [np.nan], []):
        with pytest.raises(ConfigError):
            C.omega_star("lj", T)
