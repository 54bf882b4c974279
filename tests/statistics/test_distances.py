"""W1 distances: exact values, agreement between the 1D formula, the quantile form and POT."""

import numpy as np
import pytest

from bbgky.statistics.distances import projected_cdf, sliced_w1, w1_circle, w1_discrete, w1_line, w1_pot

EDGES = np.linspace(0.0, 1.0, 201)
UNIFORM = np.ones(200)


def test_single_atom_against_uniform_on_line_and_circle():
    assert w1_line([0.5], EDGES, UNIFORM) == pytest.approx(0.25, abs=1e-14)
    assert w1_line([0.0], EDGES, UNIFORM) == pytest.approx(0.5, abs=1e-14)
    # on the circle every point is the same: distance to uniform is 1/4 of the circumference
    for x in (0.0, 0.13, 0.5, 0.99):
        assert w1_circle([x], EDGES, UNIFORM) == pytest.approx(0.25, abs=1e-12)


def test_line_formula_equals_quantile_form():
    """Law with quantile Q(u) = (u + u²)/2 (smooth density on [0, 1])."""
    rng = np.random.default_rng(3)
    u0 = rng.random(5000)
    x = (u0 + u0 * u0) / 2
    mass = np.diff((np.sqrt(1 + 8 * EDGES) - 1) / 2)  # exact CDF increments per cell
    u = (np.arange(400_000) + 0.5) / 400_000
    xs = np.sort(x)
    q_emp = xs[np.minimum((u * x.size).astype(int), x.size - 1)]
    # the cell-wise uniform density differs from the smooth law by O(h²) ~ 1e-6 here
    assert w1_line(x, EDGES, mass) == pytest.approx(np.mean(np.abs(q_emp - (u + u * u) / 2)), abs=2e-6)


def test_discrete_and_pot_agree_with_the_exact_1d_formula():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=300), rng.normal(0.3, 1.2, size=200)
    exact = w1_discrete(a, b)
    assert w1_pot(a[:, None], b[:, None], np.ones(200)) == pytest.approx(exact, rel=1e-9)


def test_circle_distance_is_rotation_invariant_and_at_most_the_line_distance():
    rng = np.random.default_rng(5)
    x = np.mod(rng.normal(0.5, 0.2, 3000), 1.0)
    base = w1_circle(x, EDGES, UNIFORM)
    for shift in (0.1, 0.37, 0.8):
        assert w1_circle(np.mod(x + shift, 1.0), EDGES, UNIFORM) == pytest.approx(base, rel=1e-9)
    assert base <= w1_line(x, EDGES, UNIFORM) + 1e-15


def test_projected_cdf_is_exact_for_one_uniform_cell():
    # one unit cell [0,1]², direction (1, 1)/√2: the projection is a triangle on [0, √2]
    th = np.array([1.0, 1.0]) / np.sqrt(2)
    nodes, cdf = projected_cdf(th, [0.0, 1.0], [0.0, 1.0], [[1.0]], fine=4096)
    mid = np.argmin(np.abs(nodes - np.sqrt(2) / 2))
    assert cdf[mid] == pytest.approx(0.5, abs=1e-3)
    assert cdf[0] == pytest.approx(0.0, abs=1e-14) and cdf[-1] == 1.0


def test_sliced_w1_of_a_large_sample_decays_like_n_to_the_minus_half():
    rng = np.random.default_rng(6)
    xe, ve = np.linspace(0, 2, 41), np.linspace(-1, 1, 41)
    sizes, vals = [500, 2000, 8000], []
    for n in sizes:
        vals.append(np.mean([sliced_w1(np.c_[rng.random(n) * 2, rng.random(n) * 2 - 1], xe, ve,
                                       np.ones((40, 40)), directions=16) for _ in range(4)]))
    p = np.polyfit(np.log(sizes), np.log(vals), 1)[0]
    assert -0.7 < p < -0.35, (vals, p)


def test_samples_outside_the_grid_are_refused():
    with pytest.raises(ValueError, match="widen the grid"):
        w1_line([1.5], EDGES, UNIFORM)


def test_w1_samples_translation_is_the_shift():
    """W1(μ, μ(· − δ)) = |δ| for any μ (lower bound: the test function x·δ/|δ|; upper: translation)."""
    from bbgky.statistics.distances import w1_samples

    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 3))
    delta = np.array([0.3, -0.1, 0.2])
    assert w1_samples(x, x + delta) == pytest.approx(np.linalg.norm(delta), rel=1e-12)
    z = rng.normal(size=(300, 1))
    assert w1_samples(z, z - 0.7) == pytest.approx(0.7, rel=1e-12)


def test_w1_samples_equals_the_1d_quantile_formula_and_refuses_huge_inputs():
    from bbgky.statistics.distances import w1_samples

    rng = np.random.default_rng(4)
    a, b = rng.normal(size=250), rng.normal(0.5, 1.3, size=180)
    assert w1_samples(a[:, None], b[:, None]) == pytest.approx(w1_discrete(a, b), rel=1e-10)
    with pytest.raises(ValueError, match="max_points"):
        w1_samples(np.zeros((30, 3)), np.zeros((5, 3)), max_points=20)
