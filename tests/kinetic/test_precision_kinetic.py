"""The accelerator precision of DSMC (JAX backend) and the Vlasov grid solver: float32 data run
in float32 — even with JAX's float64 enabled (as here) — and agree with float64 to float32
round-off (DSMC: in law). The particle path: tests/particles/test_precision_particles.py."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.kinetic.boltzmann import dsmc as ds
from bbgky.kinetic.vlasov.grid import PhaseGrid
from bbgky.kinetic.vlasov.initial import InitialLaw
from bbgky.kinetic.vlasov.kernels import coulomb
from bbgky.kinetic.vlasov.solver import VlasovModel, VlasovSolver
from bbgky.models import kernels


def _float_dtypes(tree):
    return {a.dtype for a in jax.tree_util.tree_leaves(tree) if jnp.issubdtype(a.dtype, jnp.floating)}


# slow: GPU-readiness check (one float32 DSMC compile); Vlasov's float32 check stays default
@pytest.mark.slow
def test_dsmc_float32_conserves_to_round_off_and_agrees_in_law_with_float64():
    """Hard spheres, no flow, anisotropic start diag(1.6, 0.9, 0.5), 3 × 4 000 simulators to
    t = 0.3: the float32 run stays float32, conserves energy to 2e-6 relative (float64: 1e-12),
    and its relaxing P_xx and collision count agree with the float64 run within 5 standard errors
    (the two precisions draw different random numbers: agreement in law, not sample by sample)."""
    cfg = ds.DSMCConfig(n=4_000, A=((0.0,) * 3,) * 3, rho0=1.0, dt_max=0.05, p_max=0.1)
    ens = ds.Ensemble(ds.DSMC(kernels.hard_sphere(1.0), cfg))
    sampler = ds.maxwellian_sampler(np.diag([1.6, 0.9, 0.5]))
    out = {}
    for dtype, tol in ((jnp.float64, 1e-12), (jnp.float32, 2e-6)):
        s0 = ens.init(jax.random.key(0), lambda k, n, dtype=dtype: sampler(k, n).astype(dtype), 3)
        s1 = ens.advance_to(s0, 0.3)
        assert _float_dtypes(s1) == {jnp.dtype(dtype)} and int(s1.status.max()) == 0
        # no flow: u = w; per replica ⟨|w|²⟩ (energy) and ρ⟨w_x²⟩ = P_xx
        e0, e1 = (np.sum(np.asarray(s.u, float) ** 2, axis=(1, 2)) for s in (s0, s1))
        assert np.abs(e1 / e0 - 1).max() < tol, (dtype, e1 / e0 - 1)
        out[dtype] = np.mean(np.asarray(s1.u, float)[..., 0] ** 2, axis=1), np.asarray(s1.collisions, float)
    (p64, c64), (p32, c32) = out[jnp.float64], out[jnp.float32]
    assert 1.0 < p64.mean() < 1.55  # relaxing from 1.6 towards 1
    assert abs(p32.mean() - p64.mean()) < 5 * np.hypot(p32.std(ddof=1), p64.std(ddof=1)) / np.sqrt(3)
    assert abs(c32.mean() - c64.mean()) < 5 * np.hypot(c32.std(ddof=1), c64.std(ddof=1)) / np.sqrt(3)


def test_vlasov_float32_matches_float64():
    """Landau damping (Vlasov–Poisson, k = 0.5, 32 × 64 grid, 20 Strang steps of 0.1): the float32
    run stays float32; f agrees to 2e-5 of max f (measured 3e-6), the mass to 1e-6 and the field
    energy (second order in the 1 % perturbation) to 1e-3 relative (measured 8e-5)."""
    g = PhaseGrid.from_shape([32, 64], 2 * np.pi / 0.5, 6.0)
    solver = VlasovSolver(VlasovModel(g, coulomb(1, g.lengths)), 0.1)
    f0 = InitialLaw("landau", 1, amplitude=0.01, wavenumber=0.5).on_grid(g)
    s64 = solver.advance(solver.init(jnp.asarray(f0, jnp.float64)), 20)
    s32 = solver.advance(solver.init(jnp.asarray(f0, jnp.float32)), 20)
    assert s32.f.dtype == jnp.float32 and s32.t.dtype == jnp.float32
    f64 = np.asarray(s64.f)
    assert np.abs(np.asarray(s32.f, float) - f64).max() < 2e-5 * f64.max()
    o64, o32 = solver.observe(s64), solver.observe(s32)
    assert abs(o32["mass"] - o64["mass"]) < 1e-6 * o64["mass"]
    assert abs(o32["field_energy"] - o64["field_energy"]) < 1e-3 * o64["field_energy"]
