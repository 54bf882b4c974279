"""Neighbour-list forces equal the literal autodiff forces of the all-pairs energy
(``-jax.grad`` of E = Σ_{i<j} U, minimum image), in cubic, sheared-and-reduced and general
deformed cells, in 2D and 3D, for every registered potential; pair observables agree with them."""

import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.models.potentials import REGISTRY, from_function, make_potential
from bbgky.particles import integrator, neighbours, pairs
from bbgky.particles.simulation import Simulation
from bbgky.particles.state import System

SHEAR = np.array([[0.0, 0.6, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
MIXED = np.array([[0.1, 0.3, 0.2], [-0.2, 0.05, 0.1], [0.3, 0.0, -0.1]])


def _random_fluid(n, d, side, rng):
    """A jittered simple lattice (no overlaps, every particle off its symmetric site)."""
    m = int(np.ceil(n ** (1 / d)))
    grid = np.array(np.meshgrid(*[np.arange(m)] * d, indexing="ij")).reshape(d, -1).T[:n]
    a = side / m
    return (grid + 0.5 + rng.uniform(-0.15, 0.15, (n, d))) * a


def _prepared(pot, n, d, rho, A, t, dt=0.005, method="verlet", seed=0):
    rng = np.random.default_rng(seed)
    side = (n / rho) ** (1 / d)
    A = np.zeros((d, d)) if A is None else A[:d, :d]
    system = System.make(pot, A, side * np.eye(d), dt, skin=0.3, method=method)
    x = _random_fluid(n, d, side, rng)
    F = np.eye(d) + t * A
    x = x @ F.T  # the same fluid, deformed with the cell
    step = round(t / dt)
    sim = Simulation(system)
    state = sim.prepare(integrator.new_state(jnp.asarray(x), jnp.zeros((n, d)), system, time=step * dt,
                                             step=step))
    return sim, state


def _check(sim, state, rtol=1e-11):
    ref = np.asarray(pairs.reference_forces(sim.system, state.position, state.time, state.basis))
    got = np.asarray(state.force)
    scale = np.abs(ref).max()
    assert scale > 0
    assert np.abs(got - ref).max() <= rtol * scale
    return ref


@pytest.mark.parametrize("d,n,rho", [(3, 500, 0.3), (3, 300, 0.8442), (2, 400, 0.5)])
@pytest.mark.parametrize("flow", ["none", "shear", "mixed"])
def test_list_forces_equal_autodiff_all_pairs(d, n, rho, flow):
    A = {"none": None, "shear": SHEAR, "mixed": MIXED}[flow]
    t = {"none": 0.0, "shear": 1.35, "mixed": 1.1}[flow]
    sim, state = _prepared(make_potential("lj"), n, d, rho, A, t)
    _check(sim, state)
    if flow == "shear":
        assert not np.array_equal(np.asarray(state.basis), np.eye(d))  # a reduced cell was in use


@pytest.mark.parametrize("flow", ["none", "shear"])
def test_cell_candidates_are_exercised(flow):
    sim, state = _prepared(make_potential("lj"), 1100, 3, 0.3, SHEAR if flow == "shear" else None, 1.35)
    grid = tuple(int(g) for g in np.asarray(state.nbr.grid))
    assert neighbours.use_cells(grid, 1100)
    _check(sim, state)


def test_all_pairs_method():
    sim, state = _prepared(make_potential("lj"), 100, 3, 0.3, MIXED, 0.7, method="all_pairs")
    _check(sim, state)


@pytest.mark.parametrize("name", sorted(REGISTRY))
@pytest.mark.parametrize("scaling", ["physical", "mean_field", "boltzmann_grad"])
def test_every_potential_and_scaling(name, scaling):
    kw = {"range_": 0.5} if scaling == "boltzmann_grad" else {}
    n = 343
    pot = make_potential(name, scaling=scaling, particles=n, **kw)
    method = "all_pairs" if scaling == "mean_field" else "verlet"
    side = 2.8 * (pot.cutoff + 0.3)  # wide enough for the list radius in the sheared cell
    rho = n / side**3
    sim, state = _prepared(pot, n, 3, rho, SHEAR, 0.9, method=method)
    _check(sim, state)


def test_user_function_potential():
    pot = from_function(lambda r: jnp.exp(-r) / r**2, cutoff=2.0, cutoff_mode="shifted_force")
    sim, state = _prepared(pot, 200, 3, 0.6, MIXED, 0.5)
    _check(sim, state)


def test_pair_observables_agree_with_forces_and_energy():
    sim, state = _prepared(make_potential("lj"), 300, 3, 0.8442, SHEAR, 1.2)
    w = jnp.zeros_like(state.position)
    u, vir, heat, f = pairs.pair_observables(sim.system, state.position, w, state.time, state.basis,
                                             state.nbr)
    ref_e = float(pairs.total_energy(sim.system, state.position, state.time, state.basis))
    assert np.isclose(float(jnp.sum(u)), ref_e, rtol=1e-12)
    assert np.allclose(np.asarray(f), np.asarray(state.force), rtol=0, atol=1e-11)
    assert np.allclose(np.asarray(vir), np.asarray(vir).T, atol=1e-10)  # central forces
    assert np.allclose(np.asarray(heat), 0.0)  # w = 0


def test_momentum_conserving_forces():
    _sim, state = _prepared(make_potential("lj"), 300, 3, 0.8442, MIXED, 0.9)
    total = np.asarray(jnp.sum(state.force, axis=0))
    assert np.abs(total).max() < 1e-11 * np.abs(np.asarray(state.force)).max() * 300
