"""Cell geometry: lattice reduction keeps the lattice and widens the cell; minimum image is exact;
wrapping keeps the peculiar velocity; a cell too thin for the cut-off stops the run."""

import itertools

import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.errors import NumericalFailure
from bbgky.particles import lattice

SHEAR = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
MIXED = np.array([[0.1, 0.3, 0.2], [-0.2, 0.05, 0.1], [0.3, 0.0, -0.1]])


def _same_lattice(H, G):
    """G = H V with V integer and |det V| = 1."""
    V = np.linalg.solve(H, G)
    return np.allclose(V, np.rint(V), atol=1e-9) and abs(round(np.linalg.det(np.rint(V)))) == 1


@pytest.mark.parametrize("A", [SHEAR, MIXED, np.diag([1.0, -0.5, -0.5])], ids=["shear", "mixed", "uniaxial"])
@pytest.mark.parametrize("t", [0.3, 0.7, 1.6, 4.2])
def test_reduction_keeps_lattice_and_widens(A, t):
    H = lattice.cell_at(10 * np.eye(3), A, np.eye(3), t)
    V = lattice.reduce_basis(H)
    assert lattice.unimodular(V) and round(np.linalg.det(V)) == 1
    assert _same_lattice(H, H @ V)
    assert lattice.widths(H @ V).min() >= lattice.widths(H).min() * (1 - 1e-12)


def test_shear_reduction_is_lees_edwards_flip():
    for t in np.linspace(0, 7.3, 40):
        H = lattice.cell_at(np.eye(3), SHEAR, np.eye(3), t)
        G = H @ lattice.reduce_basis(H)
        tilt = t - round(t)
        # the reduced cell has the flipped tilt (up to the order/sign of the columns)
        Hflip = np.array([[1.0, tilt, 0], [0, 1, 0], [0, 0, 1]])
        assert _same_lattice(G, Hflip)
        assert np.isclose(lattice.widths(G).min(), lattice.widths(Hflip).min(), rtol=1e-12)


def test_choose_basis_never_narrows():
    U = np.eye(3, dtype=np.int64)
    H0 = 8.0 * np.eye(3)
    for t0 in np.arange(0.0, 6.0, 0.25):
        t1 = t0 + 0.25
        new = lattice.choose_basis(H0, MIXED, U, t0, t1)
        assert _same_lattice(lattice.cell_at(H0, MIXED, U, t1), lattice.cell_at(H0, MIXED, new, t1))
        assert lattice.widths_over(H0, MIXED, new, t0, t1).min() >= \
            lattice.widths_over(H0, MIXED, U, t0, t1).min()
        U = new


def test_minimum_image_is_exact_within_half_width():
    rng = np.random.default_rng(3)
    H = lattice.cell_at(6 * np.eye(3), MIXED, np.eye(3), 0.8)
    H = H @ lattice.reduce_basis(H)
    half = 0.5 * lattice.widths(H).min()
    images = np.array(list(itertools.product(range(-3, 4), repeat=3))) @ H.T
    for _ in range(200):
        r = rng.normal(size=3)
        r *= rng.uniform(0, 0.999 * half) / np.linalg.norm(r)  # the true (short) separation
        shifted = r + images[rng.integers(len(images))]  # seen through an arbitrary image
        got = np.asarray(lattice.minimum_image(jnp.asarray(shifted), jnp.asarray(H),
                                               jnp.asarray(np.linalg.inv(H))))
        assert np.allclose(got, r, atol=1e-12)


def test_wrap_keeps_peculiar_velocity():
    rng = np.random.default_rng(0)
    A, H0, t = MIXED, 5.0 * np.eye(3), 0.9
    U = lattice.reduce_basis(lattice.cell_at(H0, A, np.eye(3), t))
    H = lattice.cell_at(H0, A, U, t)
    L = A @ np.linalg.inv(np.eye(3) + t * A)
    x = rng.uniform(-20, 20, (50, 3))
    w = rng.normal(size=(50, 3))
    v = w + x @ L.T
    x2, v2, s = lattice.wrap(jnp.asarray(x), jnp.asarray(v), jnp.asarray(H), jnp.asarray(np.linalg.inv(H)),
                             jnp.asarray(A @ H0 @ U))
    x2, v2, s = map(np.asarray, (x2, v2, s))
    assert np.all((s >= -1e-12) & (s <= 1 + 1e-12))
    assert np.allclose(v2 - x2 @ L.T, w, atol=1e-12)
    k = np.linalg.solve(H, (x - x2).T).T  # moved by lattice vectors only
    assert np.allclose(k, np.rint(k), atol=1e-9)


def test_thin_cell_raises():
    with pytest.raises(NumericalFailure, match="too thin"):
        lattice.require_width(1.0, 0.8, t=3.0)
    lattice.require_width(2.0, 1.0, t=0.0)  # exactly twice the radius is fine


def test_cell_grid_cells_are_thick_enough():
    w = np.array([9.0, 10.0, 2.8])
    g = lattice.cell_grid(w, 2.8)
    assert g == (3, 3, 1)
    assert np.all(w / np.array(g) >= 2.8)
