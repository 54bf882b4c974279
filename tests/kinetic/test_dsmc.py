"""DSMC: conservation per collision, BKW fourth moment, shear against the exact moment ODE."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.kinetic.boltzmann import dsmc as ds
from bbgky.kinetic.boltzmann import moments as mo
from bbgky.models import flows, kernels

ZERO = ((0.0, 0.0, 0.0),) * 3


@pytest.mark.parametrize("kernel", [kernels.maxwell(), kernels.maxwell((1.0, 0.8)), kernels.hard_sphere(0.7),
                                    kernels.vhs(1.0, 0.8), kernels.hard_sphere(0.7, dimension=2)],
                         ids=lambda k: f"{k.name}{k.angular}-{k.dimension}d")
def test_conservation_per_collision(kernel):
    """One collision step with thousands of collisions: momentum and energy at the collision time
    are unchanged to round-off (also under shear, where u = (I + tA) w is stored), and exactly the
    colliding pairs moved. 2D: hard disks, whose scattering is anisotropic."""
    d = kernel.dimension
    A = flows.velocity_gradient("simple_shear", d, 0.7)
    cfg = ds.DSMCConfig(n=20_000, A=tuple(map(tuple, A)), rho0=2.0, dt_max=0.2, p_max=0.5)
    sim = ds.DSMC(kernel, cfg)
    w0 = ds.maxwellian_sampler(np.diag([1.0, 2.0, 0.5][:d]))(jax.random.key(4), cfg.n)
    state = sim.init(jax.random.key(3), w0, t0=0.3)
    new = jax.jit(sim.step)(state, 0.2)
    assert int(new.collisions) > 200 and int(new.status) == 0 and new.u.shape == (cfg.n, d)
    tm = 0.5 * (float(state.t) + float(new.t))
    Finv = np.linalg.inv(np.eye(d) + tm * A)
    w0, w1 = np.asarray(state.u) @ Finv.T, np.asarray(new.u) @ Finv.T
    e0 = np.sum(w0**2)
    assert np.abs(w1.sum(0) - w0.sum(0)).max() < 1e-12 * math.sqrt(e0)
    assert abs(np.sum(w1**2) - e0) < 1e-13 * e0
    changed = np.any(w1 != w0, axis=1).sum()
    assert changed == 2 * int(new.collisions)  # exactly the pairs that collided moved


def test_collision_rate_matches_kernel():
    """Collisions per unit time = (n/2) ρ ⟨Σ(|g|)⟩ for hard spheres: 4 ρ σ² √(πθ) per particle."""
    sigma, rho, theta = 0.8, 1.5, 1.3
    cfg = ds.DSMCConfig(n=100_000, A=ZERO, rho0=rho, dt_max=0.05, p_max=0.1)
    sim = ds.DSMC(kernels.hard_sphere(sigma), cfg)
    state = sim.init(jax.random.key(0), ds.maxwellian_sampler(theta * np.eye(3))(jax.random.key(1), cfg.n))
    end = jax.jit(sim.advance_to)(state, 0.2)
    expected = cfg.n / 2 * 4 * rho * sigma**2 * math.sqrt(math.pi * theta) * 0.2
    assert int(end.collisions) == pytest.approx(expected, rel=5 * expected**-0.5 + 1e-3)


def _bkw_run(n, replicas, times, dt=0.01, seed=1):
    cfg = ds.DSMCConfig(n=n, A=ZERO, rho0=1.0, dt_max=dt)
    ens = ds.Ensemble(ds.DSMC(kernels.maxwell(), cfg))
    states = ens.init(jax.random.key(seed), ds.bkw_sampler(6.5), replicas, t0=6.5)
    out = []
    for t in times:
        states = ens.advance_to(states, t)
        m, e = ens.observe(states)["speed_moment"]
        out.append((t, m[1], e[1], 15 * (1 - math.exp(-t / 3))))
    assert np.all(np.asarray(states.status) == 0)
    return out


def test_bkw_fourth_moment_small():
    """M4(t) = 15(1 − e^{−t/3}) within 3 standard errors (8 × 40 000 simulators)."""
    for t, m4, err, exact in _bkw_run(40_000, 8, [7.0, 8.5, 10.0]):
        print(f"t={t}: M4 = {m4:.4f} ± {err:.4f}, exact {exact:.4f}")
        assert abs(m4 - exact) < 3 * err + 1e-12


@pytest.mark.slow
def test_bkw_fourth_moment_1e6():
    """10⁶ simulators (10 replicas of 10⁵)."""
    for t, m4, err, exact in _bkw_run(100_000, 10, [7.0, 8.0, 9.0, 10.0], seed=7):
        print(f"t={t}: M4 = {m4:.5f} ± {err:.5f}, exact {exact:.5f}, z = {(m4 - exact) / err:+.2f}")
        assert abs(m4 - exact) < 3 * err


def _shear_run(a_star, n, replicas, times, dt=0.01, seed=2):
    kern = kernels.maxwell()
    nu = kern.stress_relaxation_rate(1.0)
    A = flows.velocity_gradient("simple_shear", 3, a_star * nu)
    cfg = ds.DSMCConfig(n=n, A=tuple(map(tuple, A)), rho0=1.0, dt_max=dt)
    ens = ds.Ensemble(ds.DSMC(kern, cfg))
    states = ens.init(jax.random.key(seed), ds.maxwellian_sampler(np.eye(3)), replicas)
    ref = mo.solve_second_moments(np.eye(3), A, 1.0, np.concatenate([[0.0], times]), mo.maxwell_rate(kern))
    rows = []
    for k, t in enumerate(times, 1):
        states = ens.advance_to(states, t)
        (P, Perr) = ens.observe(states)["pressure_tensor"]
        rows.append((t, P, Perr, ref.pressure_tensor[k]))
    return rows


def test_simple_shear_follows_moment_ode():
    """a* = 1: every component of P(t) within 4 standard errors of the exact moment ODE."""
    for t, P, err, Pref in _shear_run(1.0, 10_000, 8, [1.0, 3.0, 6.0]):
        z = np.abs(P - Pref) / np.maximum(err, 1e-3 * np.abs(Pref).max())
        print(f"t={t}: P_xy {P[0, 1]:.4f}±{err[0, 1]:.4f} (ODE {Pref[0, 1]:.4f}), "
              f"P_xx {P[0, 0]:.4f}±{err[0, 0]:.4f} (ODE {Pref[0, 0]:.4f})")
        assert z.max() < 4


def test_too_few_simulators():
    with pytest.raises(ValueError, match="at least 2"):
        ds.DSMC(kernels.maxwell(), ds.DSMCConfig(n=1, A=ZERO, rho0=1.0, dt_max=0.1))


def test_bkw_sampler_moments():
    w = np.asarray(ds.bkw_sampler(6.5)(jax.random.key(0), 400_000))
    r2 = (w**2).sum(1)
    K = 1 - math.exp(-6.5 / 6)
    assert r2.mean() == pytest.approx(3.0, rel=5e-3)
    assert (r2**2).mean() == pytest.approx(15 * (1 - math.exp(-6.5 / 3)), rel=1e-2)
    assert K > 0.6
    with pytest.raises(ValueError, match="negative"):
        ds.bkw_sampler(2.0)
    assert jnp.isfinite(jnp.asarray(w)).all()


def test_distinct_subset_is_uniform():
    """The candidate sampler: distinct indices, each index equally likely in every slot."""
    cfg = ds.DSMCConfig(n=400, A=ZERO, rho0=1.0, dt_max=1.0, p_max=0.05)
    sim = ds.DSMC(kernels.maxwell(), cfg)
    assert not cfg.use_permutation
    m = 2 * cfg.capacity
    keys = jax.random.split(jax.random.PRNGKey(0), 4000)
    idx, short = jax.jit(jax.vmap(lambda k: sim._distinct(k, m)))(keys)
    idx = np.asarray(idx)
    assert not np.asarray(short).any()
    assert all(len(set(row)) == m for row in idx[:500])
    for slot in (0, m - 1):
        counts = np.bincount(idx[:, slot], minlength=cfg.n)
        chi2 = ((counts - 10.0) ** 2 / 10.0).sum()  # 4000 draws / 400 values
        assert chi2 < cfg.n + 6 * math.sqrt(2 * cfg.n)
