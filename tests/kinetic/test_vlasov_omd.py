"""Homogeneous mean-field flow (James–Qi–Wang eq. 16): g(t, w) = g0((I + tA) w) to interpolation error."""

import numpy as np
import pytest

from bbgky.kinetic.vlasov.homogeneous import HomogeneousMeanField

CASES = {
    "shear": [[0.0, 0.5], [0.0, 0.0]],
    "expansion": [[0.3, 0.0], [0.0, 0.3]],
    "compression_1d": [[-0.2]],
    "planar_extension": [[0.25, 0.0], [0.0, -0.25]],
}
VMAX = 11.0  # the sheared/expanded law must stay inside the grid up to t = 2


def g0(*w):
    """An anisotropic, off-centre Gaussian (so that shear and dilation both act on it)."""
    w = list(w)
    if len(w) == 2:
        return np.exp(-0.5 * (w[0] - 0.3) ** 2 / 1.2 - 0.5 * w[1] ** 2 / 0.8 - 0.2 * w[0] * w[1])
    return np.exp(-0.5 * (w[0] - 0.3) ** 2)


def errors(A, sizes, steps, T=2.0):
    out = []
    for n in sizes:
        s = HomogeneousMeanField((n,) * len(A), VMAX, A, T / steps)
        st = s.advance(s.init(g0(*s.mesh())), steps)
        out.append(np.abs(np.asarray(st.g) - s.exact(g0, float(st.t))).max())
    return np.array(out)


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_step_is_exact_in_time_so_the_error_is_interpolation_of_order_four(case):
    sizes = [48, 96, 192, 384]
    e = errors(CASES[case], sizes, steps=1)
    order = -np.polyfit(np.log(sizes), np.log(e), 1)[0]
    assert order > 3.5, (e, order)


@pytest.mark.parametrize("case", sorted(CASES))
def test_many_steps_converge_to_the_exact_solution(case):
    """20 steps: the spline error accumulates per step (≈ order 3 at Courant numbers < 1)."""
    sizes = [48, 96, 192]
    e = errors(CASES[case], sizes, steps=20)
    order = -np.polyfit(np.log(sizes), np.log(e), 1)[0]
    assert e[-1] < 5e-5 and order > 2.5, (e, order)


@pytest.mark.parametrize("case", sorted(CASES))
def test_density_follows_det(case):
    A = np.asarray(CASES[case])
    s = HomogeneousMeanField((128,) * len(A), VMAX, A, 0.1)
    st = s.init(g0(*s.mesh()))
    rho0 = s.observe(st)["density"]
    out = s.observe(s.advance(st, 20))
    # the spline map is not conservative: the density is right to the interpolation error
    assert out["density"] == pytest.approx(rho0 / np.linalg.det(np.eye(len(A)) + 2.0 * A), rel=5e-5)


def test_second_moments_follow_the_deformation():
    """⟨w wᵀ⟩(t) = F⁻¹ ⟨w wᵀ⟩(0) F⁻ᵀ, F = I + tA (collisionless: no relaxation)."""
    A = np.asarray(CASES["shear"])
    s = HomogeneousMeanField((128, 128), 8.0, A, 0.1)
    W = s.mesh()
    st = s.init(np.exp(-0.5 * (W[0] ** 2 + W[1] ** 2)) / (2 * np.pi))
    out = s.observe(s.advance(st, 20))
    Fi = np.linalg.inv(np.eye(2) + 2.0 * A)
    np.testing.assert_allclose(out["pressure_tensor"] / out["density"], Fi @ Fi.T, atol=1e-6)
