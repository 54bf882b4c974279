"""The Numba DSMC backend: conservation, collision rate, agreement with the JAX backend and the exact
stress relaxation, bit-reproducibility across a checkpoint, the speed-dependent angular table."""

import math
from types import SimpleNamespace

import jax
import numba
import numpy as np
import pytest

from bbgky.driver import Checkpoint
from bbgky.kinetic.boltzmann import dsmc as ds
from bbgky.kinetic.boltzmann import dsmc_numba as dn
from bbgky.kinetic.boltzmann import level
from bbgky.models import flows, kernels

ZERO = ((0.0, 0.0, 0.0),) * 3


def _ensemble(kernel, replicas, n, A=ZERO, rho0=1.0, dt_max=0.02, p_max=0.1, backend="numba", T=None, seed=0):
    cfg = ds.DSMCConfig(n=n, A=tuple(map(tuple, np.asarray(A, float))), rho0=rho0, dt_max=dt_max, p_max=p_max)
    ens = ds.Ensemble(ds.DSMC(kernel, cfg), backend)
    T = np.eye(3) if T is None else T
    return ens, ens.init(jax.random.PRNGKey(seed), ds.maxwellian_sampler(T), replicas)


@pytest.mark.parametrize("kernel", [kernels.maxwell(), kernels.maxwell((1.0, 0.8)), kernels.hard_sphere(0.7),
                                    kernels.vhs(1.0, 0.8)], ids=lambda k: f"{k.name}{k.angular}")
def test_conservation_per_collision(kernel):
    """One step under shear (u = (I + tA) w stored): momentum and energy at the collision time are
    unchanged to round-off, and exactly 2 × collisions simulators changed velocity."""
    A = flows.velocity_gradient("simple_shear", 3, 0.7)
    ens, s0 = _ensemble(kernel, 1, 20_000, A=A, rho0=2.0, dt_max=0.01, p_max=0.5, T=np.diag([1.0, 2.0, 0.5]))
    u0 = s0.u.copy()
    s1 = ens.advance_to(s0, 0.01)
    assert np.array_equal(s0.u, u0)  # the input state is untouched
    assert int(s1.steps[0]) == 1 and int(s1.status[0]) == 0 and int(s1.collisions[0]) > 100
    Finv = np.linalg.inv(np.eye(3) + 0.005 * A)
    w0, w1 = s0.u[0] @ Finv.T, s1.u[0] @ Finv.T
    e0 = np.sum(w0**2)
    assert np.abs(w1.sum(0) - w0.sum(0)).max() < 1e-12 * math.sqrt(e0)
    assert abs(np.sum(w1**2) - e0) < 1e-13 * e0
    moved = set(map(tuple, s1.u[0])) - set(map(tuple, s0.u[0]))  # rows are permuted, not renamed
    assert len(moved) == 2 * int(s1.collisions[0])


@pytest.mark.parametrize("kernel", [kernels.hard_sphere(0.8), kernels.from_potential(
    "wca", range_=0.2, temperature=1.0, rows_per_decade=4, impact_points=2048, table_points=513)],
    ids=lambda k: k.name)
def test_collision_rate(kernel):
    """Collisions per unit time = (n/2) ρ ⟨Σ(|g|)⟩, Σ = |g| sphere_integral, ⟨|g|⟩ = 4√(θ/π) for a
    Maxwellian (hard spheres: 4ρσ²√(πθ) per particle); from_potential: the speed-dependent cos θ
    rows, conserving to round-off."""
    rho, theta, t = 1.5, 1.3, 0.2
    ens, s0 = _ensemble(kernel, 2, 100_000, rho0=rho, dt_max=0.05, T=theta * np.eye(3))
    s1 = ens.advance_to(s0, t)
    expected = 2 * 100_000 / 2 * rho * kernel.sphere_integral * 4 * math.sqrt(theta / math.pi) * t
    assert int(s1.collisions.sum()) == pytest.approx(expected, abs=4 * math.sqrt(expected))
    assert np.all(s1.t == t) and np.all(s1.status == 0)
    e0 = np.sum(s0.u**2, axis=(1, 2))
    np.testing.assert_allclose(np.sum(s1.u**2, axis=(1, 2)), e0, rtol=1e-13)
    assert np.abs(s1.u.sum(1) - s0.u.sum(1)).max() < 1e-11 * math.sqrt(e0.max())


def test_stress_relaxation_numba_and_jax_agree():
    """Maxwell molecules, anisotropic b(cos θ) (the inverse-CDF table path): P_xy(t) = P_xy(0) e^{−νt},
    ν = (3/4) ρ Λ, for both backends within 4 standard errors, and the two backends agree."""
    kern = kernels.maxwell((1.0, 0.8))
    T = np.array([[1.0, 0.5, 0.0], [0.5, 1.0, 0.0], [0.0, 0.0, 1.0]])
    t = 1.0
    exact = 0.5 * math.exp(-kern.stress_relaxation_rate(1.0) * t)
    out = {}
    for backend in ("numba", "jax"):
        ens, s0 = _ensemble(kern, 8, 10_000, dt_max=0.05, T=T, backend=backend, seed=5)
        P, err = ens.observe(ens.advance_to(s0, t))["pressure_tensor"]
        out[backend] = (P[0, 1], err[0, 1])
        print(f"{backend}: P_xy = {P[0, 1]:.5f} ± {err[0, 1]:.5f}, exact {exact:.5f}")
        assert abs(P[0, 1] - exact) < 4 * err[0, 1]
    (a, ea), (b, eb) = out["numba"], out["jax"]
    assert abs(a - b) < 4 * math.hypot(ea, eb)


def test_bit_reproducible_across_a_checkpoint(tmp_path):
    """t0 → t1 → t2 with a checkpoint round trip at t1 equals the run without; the key advances; the
    thread count does not matter."""
    ens, s0 = _ensemble(kernels.vhs(1.0, 0.7), 2, 3_000, A=flows.velocity_gradient("simple_shear", 3, 0.5))
    s1 = ens.advance_to(s0, 0.3)
    direct = ens.advance_to(s1, 0.6)
    ckpt = Checkpoint(tmp_path, "dsmc")
    ckpt.save(s1, [], 1)
    loaded, _, _ = ckpt.load(s0)
    resumed = ens.advance_to(loaded, 0.6)
    for a, b in zip(direct, resumed, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(s1.key), np.asarray(s0.key))
    threads = numba.get_num_threads()
    try:  # replicas on one thread (serial kernel) or several: the same numbers
        numba.set_num_threads(1)
        np.testing.assert_array_equal(ens.advance_to(s0, 0.3).u, s1.u)
    finally:
        numba.set_num_threads(threads)


def test_speed_dependent_angular_table():
    """Rows of cos θ quantiles at speeds g_k: linear in log g between rows, clamped outside."""
    m = 5
    table = np.stack([np.linspace(-1.0, 1.0, m), np.full(m, 0.5)])
    log_speeds = np.log([1.0, 4.0])
    s = np.array([1, 2, 3, 4], np.uint64)
    low = np.array([dn._cos_theta(0.5, table, log_speeds, s) for _ in range(4000)])
    high = np.array([dn._cos_theta(9.0, table, log_speeds, s) for _ in range(10)])
    mid = np.array([dn._cos_theta(2.0, table, log_speeds, s) for _ in range(4000)])
    assert np.all(high == 0.5)
    assert low.min() >= -1 and low.max() <= 1 and abs(low.mean()) < 0.05 and low.std() == pytest.approx(
        1 / math.sqrt(3), rel=0.05)
    assert mid.min() >= -0.25 - 1e-12 and mid.max() <= 0.75 + 1e-12  # (x + 0.5)/2, x uniform on [−1, 1]
    assert mid.mean() == pytest.approx(0.25, abs=0.03)
    # a kernel with a 2D table whose last row is b(cos θ) of maxwell((1, 0.8)), all speeds clamped to it,
    # runs bit-identically to that kernel
    base = kernels.maxwell((1.0, 0.8))
    rows = np.stack([np.linspace(-1.0, 1.0, 2049), base.cos_theta_table()])
    tabled = SimpleNamespace(gamma=0.0, dimension=3, sphere_integral=base.sphere_integral, isotropic=False,
                             table_speeds=np.array([1e-6, 1e-5]), cos_theta_table=lambda: rows,
                             radial=base.radial, angular=base.angular)
    runs = []
    for kern in (base, tabled):
        ens, s0 = _ensemble(kern, 1, 2_000, seed=3)
        runs.append(ens.advance_to(s0, 0.2).u)
    np.testing.assert_array_equal(*runs)


def test_level_picks_numba_on_cpu():
    assert level.dsmc_backend("auto") == ("numba" if jax.default_backend() == "cpu" else "jax")
    assert level.dsmc_backend("jax") == "jax"


@pytest.mark.parametrize("trials,p", [(50, 0.3), (50, 0.8), (500_000, 0.1)])
def test_binomial_candidate_count(trials, p):
    """The candidate count K: Binomial mean and variance, edge cases."""
    s = np.array([5, 6, 7, 8], np.uint64)
    K = np.array([dn._binomial(trials, p, s) for _ in range(40_000)])
    var = trials * p * (1 - p)
    assert abs(K.mean() - trials * p) < 5 * math.sqrt(var / K.size)
    assert K.var() == pytest.approx(var, rel=0.05)
    assert dn._binomial(10**6, 1e-25, s) == 0 and dn._binomial(7, 1.0, s) == 7


def test_non_finite_input_is_flagged_not_advanced():
    ens, s0 = _ensemble(kernels.hard_sphere(), 2, 1_000)
    s0 = s0._replace(u=s0.u.copy())
    s0.u[1, 7, 0] = np.inf
    s1 = ens.advance_to(s0, 0.1)
    assert list(s1.status) == [0, 4] and s1.t[1] == 0.0 and s1.t[0] == 0.1


@pytest.mark.slow
def test_bkw_fourth_moment_1e6():
    """BKW (Maxwell molecules): M4(t) = 15(1 − e^{−t/3}) within 3 standard errors, 10 × 10⁵ simulators."""
    cfg = ds.DSMCConfig(n=100_000, A=ZERO, rho0=1.0, dt_max=0.01)
    ens = ds.Ensemble(ds.DSMC(kernels.maxwell(), cfg), "numba")
    states = ens.init(jax.random.PRNGKey(7), ds.bkw_sampler(6.5), 10, t0=6.5)
    for t in (7.0, 8.5, 10.0):
        states = ens.advance_to(states, t)
        m4, err = (v[1] for v in ens.observe(states)["speed_moment"])
        exact = 15 * (1 - math.exp(-t / 3))
        print(f"t={t}: M4 = {m4:.5f} ± {err:.5f}, exact {exact:.5f}")
        assert abs(m4 - exact) < 3 * err
