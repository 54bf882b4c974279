"""The accelerator precision of the JAX particle path: float32 data run in float32 — even with
JAX's float64 enabled (as here) — and agree with float64 to float32 round-off; the jitted advance
holds no host callback (no per-step host synchronisation). DSMC and Vlasov:
tests/kinetic/test_precision_kinetic.py; the spectral Q: tests/kinetic/test_spectral.py."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.particles import integrator

SHEAR = [[0.0, 0.1, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]


def _as(state, dtype):
    return jax.tree_util.tree_map(lambda a: a.astype(dtype) if a.dtype == jnp.float64 else a, state)


def _float_dtypes(tree):
    return {a.dtype for a in jax.tree_util.tree_leaves(tree) if jnp.issubdtype(a.dtype, jnp.floating)}


# slow: GPU-readiness check; the no-host-callback check of the jitted advance stays in the default suite
@pytest.mark.slow
def test_particles_float32_under_shear_with_cell_lists_matches_float64(md):
    """WCA, N = 1024, ρ = 0.3 under simple shear (cell-list builds: a 10³ grid), 30 steps: every
    float leaf stays float32; positions agree to 5e-5 σ and forces to 2e-3 of the largest
    (float32 round-off ~6e-8 per step grown by the chaotic dynamics; the steep r^-13 core
    multiplies a position difference by ~13/r in the force)."""
    sim, s64 = md(1024, rho=0.3, theta=1.0, potential="wca", A=SHEAR, method="verlet")
    assert all(g > 2 for g in sim.system_for(s64).grid)  # the sorted cell-list build is exercised
    s32 = sim.prepare(_as(s64, jnp.float32))
    e64, e32 = sim.advance(s64, 30), sim.advance(s32, 30)
    assert _float_dtypes(e32) == {jnp.dtype(jnp.float32)} and int(e32.status) == 0
    assert np.abs(np.asarray(e32.position, float) - np.asarray(e64.position)).max() < 5e-5
    f64 = np.asarray(e64.force)
    assert np.abs(np.asarray(e32.force, float) - f64).max() < 2e-3 * np.abs(f64).max()
    # the jitted advance holds no callback to the host: the only synchronisation is per chunk
    jaxpr = str(jax.make_jaxpr(lambda s: integrator._advance(sim.system_for(s32), s, 5))(s32))
    assert "callback" not in jaxpr and "cond" in jaxpr
