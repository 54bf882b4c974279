"""[external] kind = "cosine": V(x) = V0 cos(k x1) at the particle level. Its force is −∇V (checked
against the hand derivative V0 k sin(k x1) e1), the NVE energy with the trap is conserved to the
second order of the step, and validation refuses what cannot run (a non-periodic k, a flow that
moves the images along x1, kinetic levels that would ignore it)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.errors import ConfigError
from bbgky.models.external import CosineExternal, forces
from bbgky.particles import level
from bbgky.scenarios import runner

L = 8.0  # box side: N = 32 at ρ = 0.5 in 2D
K = 2 * np.pi / L


def _data(**over):
    data = {
        "title": "cosine trap",
        "system": {"dimension": 2, "particles": 32, "density": 0.5, "temperature": 0.5, "seed": 4},
        "interaction": {"potential": "gaussian", "cutoff": 3.0},
        "external": {"kind": "cosine", "amplitude": 1.0, "wavenumber": K},
        "time": {"end": 1.0, "step": 0.02, "save_every": 0.5},
        "initial": {"kind": "maxwellian", "equilibration": 0.0},
        "levels": {"particles": {"backend": "auto", "velocity_samples": 0}},
    }
    for key, value in over.items():
        data[key] = value
    return data


def test_force_is_minus_the_gradient():
    x = jax.random.uniform(jax.random.PRNGKey(0), (7, 3), minval=-5.0, maxval=5.0)
    ext = CosineExternal(1.7, 0.9)
    f = forces(ext, x)
    expected = jnp.zeros_like(x).at[:, 0].set(1.7 * 0.9 * jnp.sin(0.9 * x[:, 0]))
    np.testing.assert_allclose(f, expected, rtol=1e-12, atol=1e-13)


def _energy_error(dt: float, t_end: float = 1.0) -> float:
    """max |e(t) − e(0)| (internal energy per particle, trap included) over [0, t_end], NVE."""
    cfg = runner.validate(_data(time={"end": t_end, "step": dt, "save_every": t_end}))
    state, sim = level.initial_state(cfg, "jax")
    assert sim.system.external == CosineExternal(1.0, K) and not sim.system.radial_only
    e0 = float(sim.observe(state)["internal_energy"])
    worst = 0.0
    chunk = round(0.25 / dt)
    for _ in range(round(t_end / dt) // chunk):
        state = sim.advance(state, chunk)
        worst = max(worst, abs(float(sim.observe(state)["internal_energy"]) - e0))
    return worst


def test_nve_energy_with_the_trap_is_second_order():
    """The trap does work on the particles (the potential energy includes Σ V(x_i)): without it in
    the energy the error would be O(1), not O(h²). Measured: 3.08e-4 (h = 0.04) and 7.63e-5
    (h = 0.02) per particle over t ≤ 1, order 2.01."""
    coarse, fine = _energy_error(0.04), _energy_error(0.02)
    order = np.log2(coarse / fine)
    assert 1.6 < order < 2.4, (coarse, fine, order)
    assert fine < 1e-3


def test_numba_backend_and_a_flow_keeping_the_trap_are_accepted():
    """The Numba backend runs the trap (its kernel: tests/particles/test_numba_backend.py); a shear
    with the gradient along x₁ (first row of A zero) keeps V the same at every image."""
    cfg = runner.validate(_data(levels={"particles": {"backend": "numba", "velocity_samples": 0}}))
    assert level.choose_backend("auto", level.build_system(cfg)) == "numba"
    cfg = runner.validate(_data(flow={"kind": "matrix", "matrix": [[0.0, 0.0], [0.1, 0.0]]}))
    assert cfg.flow is not None


@pytest.mark.parametrize(("over", "key"), [
    ({"external": {"kind": "cosine", "amplitude": 1.0, "wavenumber": 1.3 * K}}, "external.wavenumber"),
    ({"flow": {"kind": "simple_shear", "rate": 0.1}}, "flow"),
    ({"levels": {"particles": {}, "boltzmann": {}}}, "external"),
])
def test_validation_refuses(over, key):
    with pytest.raises(ConfigError) as exc:
        runner.validate(_data(**over))
    assert key in [k for k, _ in exc.value.problems], exc.value.problems
