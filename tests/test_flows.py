"""Homogeneous flows: the singular time and the exact density law (James–Qi–Wang eqs. 10–13, 50)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bbgky.models import flows


@pytest.mark.parametrize(("kind", "rate", "t_star"), [
    ("simple_shear", 0.7, math.inf),
    ("planar_extension", 0.5, 2.0),
    ("uniaxial_extension", 0.2, 10.0),
    ("isotropic_expansion", 0.3, math.inf),
    ("isotropic_expansion", -0.25, 4.0),
])
def test_singular_time_of_presets(kind, rate, t_star):
    A = flows.velocity_gradient(kind, 3, rate)
    assert flows.singular_time(A) == pytest.approx(t_star)
    if math.isfinite(t_star):
        assert abs(np.linalg.det(flows.deformation(A, t_star))) < 1e-12


def test_rotation_is_never_singular():
    assert flows.singular_time(np.array([[0.0, 1.0], [-1.0, 0.0]])) == math.inf


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-1, 1), min_size=9, max_size=9), st.floats(0, 0.5))
def test_L_is_the_velocity_gradient_of_the_deformation(entries, t):
    """L(t) = F'(t) F(t)^-1 and ρ(t) = ρ0/det F solves ρ' = −tr(L) ρ."""
    A = np.reshape(entries, (3, 3))
    if flows.singular_time(A) <= t + 1e-3:
        return
    h = 1e-6
    L = flows.flow_gradient(A, t)
    assert np.allclose(L @ flows.deformation(A, t), A, atol=1e-12)
    drho = (flows.density(1.0, A, t + h) - flows.density(1.0, A, t - h)) / (2 * h)
    assert drho == pytest.approx(-np.trace(L) * flows.density(1.0, A, t), rel=1e-6, abs=1e-8)


def test_presets_truncate_to_the_dimension():
    assert flows.velocity_gradient("simple_shear", 2, 0.3).tolist() == [[0.0, 0.3], [0.0, 0.0]]
    assert flows.velocity_gradient("isotropic_expansion", 1, 0.3).tolist() == [[0.3]]
