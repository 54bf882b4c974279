"""Pair correlation: freud's RDF on identical frames (cubic and sheared cells, 2D and 3D), the
ideal gas (N−1)/N law, the range check, and the harmonics against the plane histogram."""

import freud
import numpy as np
import pytest

from bbgky.errors import ConfigError
from bbgky.statistics import pair_correlation
from bbgky.statistics.ensemble import jackknife, mean_stderr
from bbgky.statistics.pair import (
    pair_correlation_harmonics,
    pair_correlation_plane,
    pair_correlation_replicas,
)

CUBIC = np.diag([5.0, 6.0, 7.0])
TILTED = np.array([[5.0, 1.5, 0.7], [0.0, 6.0, -1.2], [0.0, 0.0, 7.0]])  # freud's upper-triangular box
TILTED_2D = np.array([[6.0, 2.0], [0.0, 5.0]])


def _freud_box(cell):
    if len(cell) == 2:
        return freud.box.Box(cell[0, 0], cell[1, 1], 0, cell[0, 1] / cell[1, 1], 0, 0, is2D=True)
    return freud.box.Box(cell[0, 0], cell[1, 1], cell[2, 2], cell[0, 1] / cell[1, 1],
                         cell[0, 2] / cell[2, 2], cell[1, 2] / cell[2, 2])


@pytest.mark.parametrize("cell", [CUBIC, TILTED, TILTED_2D], ids=["cubic", "tilted", "tilted-2d"])
@pytest.mark.parametrize("mode", ["exact", "finite_size"])
def test_equals_freud_rdf(cell, mode):
    """Same frames (points centred on the origin, float32-representable: freud works in float32),
    accumulated over 3 frames by both; agreement to freud's single-precision round-off."""
    rng = np.random.default_rng(7)
    d = len(cell)
    frames = [((rng.random((150, d)) - 0.5) @ cell.T).astype(np.float32).astype(float) for _ in range(3)]
    rdf = freud.density.RDF(40, 2.4, normalization_mode=mode)
    for x in frames:
        rdf.compute(system=(_freud_box(cell), x if d == 3 else np.c_[x, np.zeros(len(x))]), reset=False)
    r, g = pair_correlation_replicas(np.stack(frames), cell, 40, 2.4, mode)
    np.testing.assert_allclose(r, rdf.bin_centers, rtol=1e-6)
    np.testing.assert_allclose(g.mean(axis=0), rdf.rdf, rtol=1e-5, atol=1e-6)
    # the one-frame contract function is the same estimate
    np.testing.assert_allclose(pair_correlation(frames[0], cell, 40, 2.4, mode)[1], g[0], rtol=1e-14)


@pytest.mark.parametrize("cell", [TILTED, TILTED_2D], ids=["3d", "2d"])
def test_ideal_gas_exact_is_n_minus_one_over_n(cell):
    """i.i.d. uniform positions: E g_k = (N−1)/N exactly for 'exact' (within 3 s.e. at every r),
    and 1 for 'finite_size'."""
    rng = np.random.default_rng(11)
    n, R, d = 12, 3000, len(cell)
    x = rng.random((R, n, d)) @ cell.T
    _, g = pair_correlation_replicas(x, cell, 12, 2.4, "exact")
    m, se = mean_stderr(g)
    z = (m - (n - 1) / n) / se
    assert np.all(np.abs(z) < 3), z
    # power: the shell-volume weighted mean over all bins separates (N−1)/N from 1 by > 5 s.e.
    from bbgky.statistics.pair import shell_volumes

    w = shell_volumes(np.linspace(0, 2.4, 13), d)
    pm, pse = mean_stderr(g @ w / w.sum())
    assert abs(pm - (n - 1) / n) < 3 * pse and abs(pm - 1) > 5 * pse
    _, g1 = pair_correlation_replicas(x, cell, 12, 2.4, "finite_size")
    np.testing.assert_allclose(g1, g * n / (n - 1), rtol=1e-13)


def test_range_check_names_key():
    x = np.zeros((3, 2))
    with pytest.raises(ConfigError) as err:
        pair_correlation(x, TILTED_2D, 10, 2.6)  # widths 5 and 6·5/√(6²+2²)... smallest/2 = 2.5
    assert err.value.problems[0][0] == "pair_range"


def test_harmonics_match_the_plane_histogram_and_jackknife_is_exact_for_means():
    """g_0 is g(r); g_2 from pair weights equals the cos 2φ / sin 2φ moments of the g(r⃗) grid
    (affinely strained ideal gas: an anisotropic g(r⃗) with known sign of g_2^s)."""
    rng = np.random.default_rng(3)
    n, R = 40, 200
    cell = np.diag([6.0, 6.0])
    x = rng.random((R, n, 2)) @ cell.T
    x = x[:, rng.random(n).argsort()]
    # strain pairs: pull particle 2k towards 2k+1 along the 45° diagonal (a g_2^s < 0 signature)
    d = x[:, 1::2] - x[:, 0::2]
    x[:, 0::2] += 0.3 * d * np.array([1, 1]) / 2
    _, g = pair_correlation_replicas(x, cell, 10, 2.5)
    rh, gh = pair_correlation_harmonics(x, cell, 10, 2.5)
    np.testing.assert_allclose(gh[:, 0, 0], g, rtol=1e-12)
    assert np.all(gh[:, 0, 1] == 0)
    xs, ys, gp = pair_correlation_plane(x, cell, 60, 2.5)
    X, Y = np.meshgrid(xs, ys, indexing="ij")
    inside = np.isfinite(gp[0])
    phi = np.arctan2(Y, X)
    mean_gp = gp.mean(axis=0)  # NaN outside the disc in every replica
    # g(r⃗) integrated against sin 2φ over the disc, grid vs harmonics (∫ g_2^s sin² 2φ r dr dφ)
    lhs = np.sum(np.where(inside, mean_gp * np.sin(2 * phi), 0.0)) * (xs[1] - xs[0]) ** 2
    dr = rh[1] - rh[0]
    rhs = np.sum(gh[:, 1, 1].mean(axis=0) * np.pi * rh * dr)
    assert lhs == pytest.approx(rhs, rel=0.05, abs=0.02)
    m, se = mean_stderr(gh[:, 1, 0])
    mj, sej = jackknife(lambda a: a, gh[:, 1, 0])
    np.testing.assert_allclose(mj, m, rtol=1e-12)
    np.testing.assert_allclose(sej, se, rtol=1e-9)
