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


def _closed_form_L(kind: str, r: float, t: float, d: int) -> np.ndarray:
    """L(t) = A (I + tA)^-1 written out per preset: a shear has A² = 0, so L = A; a diagonal A
    gives L_kk = a_k / (1 + t a_k)."""
    if kind == "simple_shear":
        L = np.zeros((d, d))
        L[0, 1] = r
        return L
    a = {"planar_extension": [r, -r, 0.0], "uniaxial_extension": [r, -r / 2, -r / 2],
         "isotropic_expansion": [r, r, r]}[kind][:d]
    return np.diag([ak / (1 + t * ak) for ak in a])


@pytest.mark.parametrize("d", [2, 3])
@pytest.mark.parametrize("kind", ["simple_shear", "planar_extension", "uniaxial_extension",
                                  "isotropic_expansion"])
def test_one_flow_module_numpy_and_jax_agree_with_the_closed_form(kind, d):
    """The single flow module gives the same F(t), L(t), J(t), ρ(t) and peculiar velocity from
    NumPy, from JAX arrays and inside jit, and they equal the closed forms of each preset."""
    import jax
    import jax.numpy as jnp

    if d < flows.PRESET_MIN_DIMENSION[kind]:
        pytest.skip(f"{kind} needs d ≥ {flows.PRESET_MIN_DIMENSION[kind]}")
    r = 0.4
    A = flows.velocity_gradient(kind, d, r)
    ts = np.array([0.0, 0.3, 1.1])
    x = np.linspace(-1.0, 1.0, 4 * d).reshape(4, d)
    v = np.cos(x)
    jitted = jax.jit(lambda A, t: (flows.deformation(A, t), flows.flow_gradient(A, t),
                                   flows.volume_ratio(A, t)))
    for t in ts:
        F_np, L_np = flows.deformation(A, t), flows.flow_gradient(A, t)
        assert isinstance(F_np, np.ndarray) and isinstance(L_np, np.ndarray)
        a = np.diag(A) if kind != "simple_shear" else np.zeros(d)
        F_exact = np.eye(d) + t * A
        assert np.array_equal(F_np, F_exact)
        assert np.allclose(L_np, _closed_form_L(kind, r, t, d), rtol=1e-14, atol=1e-15)
        assert flows.density(2.0, A, t) == pytest.approx(2.0 / np.prod(1 + t * a), rel=1e-14)
        F_jx, L_jx = flows.deformation(jnp.asarray(A), t), flows.flow_gradient(jnp.asarray(A), t)
        assert isinstance(F_jx, jax.Array) and isinstance(L_jx, jax.Array)
        assert np.array_equal(np.asarray(F_jx), F_np)
        assert np.allclose(np.asarray(L_jx), L_np, rtol=1e-14, atol=1e-15)
        F_jit, L_jit, J_jit = jitted(jnp.asarray(A), jnp.asarray(t))
        assert np.allclose(np.asarray(F_jit), F_np, rtol=1e-15, atol=0)  # XLA may fuse t·A + I
        assert np.allclose(np.asarray(L_jit), L_np, rtol=1e-14, atol=1e-15)
        assert float(J_jit) == pytest.approx(float(flows.volume_ratio(A, t)), rel=1e-14)
        w_np = flows.peculiar_velocity(x, v, A, t)
        assert np.allclose(w_np, v - x @ _closed_form_L(kind, r, t, d).T, rtol=1e-14, atol=1e-15)
        assert np.allclose(np.asarray(flows.peculiar_velocity(jnp.asarray(x), jnp.asarray(v), A, t)), w_np,
                           rtol=1e-14, atol=1e-15)
    # an array of times gives the stack of the scalar results
    assert np.array_equal(flows.flow_gradient(A, ts), np.stack([flows.flow_gradient(A, t) for t in ts]))
    assert np.allclose(np.asarray(flows.flow_gradient(jnp.asarray(A), jnp.asarray(ts))),
                       np.stack([flows.flow_gradient(A, t) for t in ts]), rtol=1e-14, atol=1e-15)
    # F(t) F(t0)^-1 = I + (t − t0) L(t0): the map of a Verlet list built at t0
    F_rel = flows.deformation(A, 1.1) @ np.linalg.inv(flows.deformation(A, 0.3))
    assert np.allclose(flows.relative_deformation(A, 1.1, 0.3), F_rel, rtol=1e-14, atol=1e-15)


def test_velocity_gradient_is_resolved_once_and_read_only():
    """``[flow]`` becomes A in one place, once per flow: the same read-only array every call."""
    A = flows.velocity_gradient("planar_extension", 3, 0.5)
    assert flows.velocity_gradient("planar_extension", 3, 0.5) is A
    with pytest.raises(ValueError, match="read-only"):
        A[0, 0] = 1.0
    M = flows.velocity_gradient("matrix", 2, matrix=[[0.0, 1.0], [-1.0, 0.0]])
    assert M.tolist() == [[0.0, 1.0], [-1.0, 0.0]]
