"""Small objective-MD systems for the particle-level tests (float64, JAX backend)."""

from __future__ import annotations

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.models.potentials import make_potential
from bbgky.particles import initial, integrator
from bbgky.particles.simulation import Simulation, default_method
from bbgky.particles.state import System


def make_md(n: int = 108, rho: float = 0.8442, theta: float = 1.44, *, potential="lj", d: int = 3,
            A=None, dt: float = 0.005, method: str | None = None, skin: float = 0.3, seed: int = 0,
            melt_steps: int = 0, backend: str = "jax", **pot_kwargs):
    """(Simulation, prepared state) on a lattice start; ``melt_steps`` isokinetic steps at θ first."""
    pot = make_potential(potential, **pot_kwargs) if isinstance(potential, str) else potential
    side = (n / rho) ** (1 / d)
    A = np.zeros((d, d)) if A is None else np.asarray(A, float)
    if method is None:
        method = default_method(n, side * np.eye(d), pot.cutoff, skin)
    system = System.make(pot, A, side * np.eye(d), dt, skin=skin, method=method)
    key = jax.random.PRNGKey(seed)
    x = jnp.asarray(initial.lattice_sites(n, d, side))
    if melt_steps:
        eq_sys = dataclasses.replace(system, A=tuple((0.0,) * d for _ in range(d)), isokinetic=theta)
        eq = Simulation(eq_sys)
        v = initial.maxwellian_velocities(jax.random.fold_in(key, 1), n, d, theta)
        s = eq.advance(eq.prepare(integrator.new_state(x, v, eq_sys)), melt_steps)
        x = s.position
    w = initial.maxwellian_velocities(jax.random.fold_in(key, 2), n, d, theta)
    sim = Simulation(system, backend=backend)
    state = sim.prepare(integrator.new_state(x, w + x @ jnp.asarray(A).T, system))
    return sim, state


@pytest.fixture
def md():
    return make_md
