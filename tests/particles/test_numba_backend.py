"""The Numba fast path equals the JAX particle level: forces, energies, observables, trajectories.

Reference: ``pairs.reference_forces`` / ``pairs.total_energy`` (literal ``-jax.grad`` of the
all-pairs energy, minimum image) and ``integrator.advance`` (the JAX step of ``state.py``).
Cells are sheared and lattice-reduced, so the image bookkeeping (codes, shifts, rounding) is
exercised along every axis.
"""

import jax.numpy as jnp
import numpy as np
import pytest

from bbgky.errors import NumericalFailure
from bbgky.models.potentials import REGISTRY, make_potential
from bbgky.particles import integrator, lattice, neighbours, observables, pairs
from bbgky.particles import numba_backend as nb
from bbgky.particles.state import System


def jittered_lattice(n, L, d, rng, jitter=0.08):
    """n points on a jittered simple-cubic lattice in [0, L)^d (no overlaps)."""
    g = int(np.ceil(n ** (1 / d)))
    grid = np.stack(np.meshgrid(*[np.arange(g)] * d, indexing="ij"), -1).reshape(-1, d)[:n]
    a = L / g
    return (grid + 0.5) * a + rng.normal(scale=jitter * a, size=(n, d))


def sheared_system(pot, n, rho, d=3, *, t=0.7, rate=0.45, seed=0, skin=0.3, extra_flow=True,
                   aspect=1.0):
    """A random triclinic H0 (last axis shorter by ``aspect``), a shear-plus-extension flow,
    time t, and the reduced basis at t."""
    rng = np.random.default_rng(seed)
    L = (n / rho / aspect) ** (1 / d)
    H0 = L * (np.eye(d) + 0.08 * np.triu(rng.normal(size=(d, d)), 1))
    H0[:, -1] *= aspect
    A = np.zeros((d, d))
    A[0, d - 1] = rate
    if extra_flow and d == 3:
        A[1, 1], A[2, 2] = 0.05, -0.05
    U = lattice.reduce_basis(lattice.cell_at(H0, A, np.eye(d), t))
    H = lattice.cell_at(H0, A, U, t)
    s = jittered_lattice(n, 1.0, d, rng, jitter=0.05)
    x = s @ H.T + H @ rng.integers(-1, 2, size=d)  # some particles start outside the cell
    v = rng.normal(size=(n, d))
    rl = pot.cutoff + skin
    grid = lattice.cell_grid(lattice.widths_over(H0, A, U, t, t + 0.5), rl)
    grid = grid if min(grid) >= 3 else ()
    cap = neighbours.initial_capacity(n, d, abs(np.linalg.det(H)), rl, grid)
    system = System.make(pot, A, H0, 0.005, skin=skin, method="verlet", grid=grid,
                         capacity=(cap[0] + 20, cap[1] + 20))
    return system, x, v, U, t


def rel(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_forces_and_energy_equal_jax_autodiff(name):
    pot = make_potential(name)
    # list-wide cells fit (≥ 3 per axis) for the larger system: the cell path; the small one
    # has a single bin per axis: images by rounding
    rl = pot.cutoff + 0.3
    for n, L in ((80, 2.5 * rl), (250, 3.6 * rl)):
        rho = n / L**3
        system, x, _, U, t = sheared_system(pot, n, rho, seed=n)
        ref_f = np.asarray(pairs.reference_forces(system, jnp.asarray(x), t, jnp.asarray(U)))
        ref_e = float(pairs.total_energy(system, jnp.asarray(x), t, jnp.asarray(U)))
        w = np.zeros_like(x)
        u, _, _, f_sums = nb.pair_sums(system, x, w, t, U)
        f = nb.initial_forces(x, t=t, A=system.A_np, H0=system.H0_np, U=U, potential=pot)
        assert rel(f, ref_f) < 1e-12
        assert rel(f_sums, ref_f) < 1e-12
        assert float(np.sum(u)) == pytest.approx(ref_e, rel=1e-12, abs=1e-13)


@pytest.mark.parametrize(("d", "n", "rho"), [(1, 60, 0.8), (2, 400, 0.5)])
def test_low_dimensional_forces_equal_jax(d, n, rho):
    pot = make_potential("lj")
    system, x, _, U, t = sheared_system(pot, n, rho, d=d, seed=2)
    ref = np.asarray(pairs.reference_forces(system, jnp.asarray(x), t, jnp.asarray(U)))
    f = nb.initial_forces(x, t=t, A=system.A_np, H0=system.H0_np, U=U, potential=pot)
    assert rel(f, ref) < 1e-12


def test_trajectory_equals_jax_step():
    """50 steps of a sheared LJ liquid whose reduced cell has list-wide cells along two axes and
    a single bin (images by rounding) along the third."""
    pot = make_potential("lj")
    system, x, v, U, t = sheared_system(pot, 400, 0.6, seed=7, aspect=0.65)
    step = round(t / system.dt)
    state = integrator.prepare(integrator.new_state(x, v, system, time=step * system.dt, step=step,
                                                    basis=U), system)
    assert int(state.status) == 0
    ref = integrator.advance(state, 50, system)
    assert int(ref.status) == 0
    out = nb.advance(state, 50, system)
    assert int(out.step) == int(ref.step) and float(out.time) == float(ref.time)
    assert np.array_equal(np.asarray(out.basis), np.asarray(ref.basis))
    # the two backends wrap at different steps: compare modulo the lattice, with image velocities
    H = lattice.cell_at(system.H0_np, system.A_np, U, float(ref.time))
    dx = np.asarray(out.position) - np.asarray(ref.position)
    m = np.round(dx @ np.linalg.inv(H).T)
    dx -= m @ H.T
    dv = np.asarray(out.velocity) - np.asarray(ref.velocity) - m @ (system.A_np @ system.H0_np @ U).T
    assert np.max(np.abs(dx)) < 1e-10
    assert np.max(np.abs(dv)) < 1e-10
    assert rel(out.force, ref.force) < 1e-10
    # observables: of the same state to round-off, and of each backend's final state
    obs_ref = observables.observe(system, integrator.prepare(ref, system))
    same = nb.observe(system, ref)
    for key, val in obs_ref.items():
        assert np.allclose(same[key], val, rtol=1e-12, atol=1e-14), key
    obs = nb.observe(system, out)
    for key, val in obs_ref.items():
        assert np.allclose(obs[key], val, rtol=1e-9, atol=1e-12), key


def test_isokinetic_steps_and_prepare_equal_jax():
    """The isokinetic rescaling (the initial equilibration's thermostat) under a flow, and the
    forces of ``prepare``, agree with the JAX step to round-off."""
    import dataclasses

    pot = make_potential("wca")
    system, x, v, U, t = sheared_system(pot, 250, 0.7, seed=3)
    system = dataclasses.replace(system, isokinetic=0.8)
    step = round(t / system.dt)
    start = integrator.new_state(x, v, system, time=step * system.dt, step=step, basis=U)
    state = integrator.prepare(start, system)
    assert rel(nb.prepare(start, system).force, state.force) < 1e-12
    ref, out = integrator.advance(state, 12, system), nb.advance(state, 12, system)
    H = lattice.cell_at(system.H0_np, system.A_np, U, float(ref.time))
    dx = np.asarray(out.position) - np.asarray(ref.position)
    m = np.round(dx @ np.linalg.inv(H).T)
    dv = np.asarray(out.velocity) - np.asarray(ref.velocity) + m @ (system.A_np @ system.H0_np @ U).T
    assert np.max(np.abs(dx - m @ H.T)) < 1e-10 and np.max(np.abs(dv)) < 1e-10
    obs = nb.observe(system, out)
    assert float(obs["temperature"]) == pytest.approx(0.8, rel=1e-12)


def _all_pairs_count(x, H, rc):
    d = x[:, None, :] - x[None, :, :]
    ds = d @ np.linalg.inv(H).T
    d = (ds - np.round(ds)) @ H.T
    r2 = np.sum(d * d, axis=-1)
    iu = np.triu_indices(len(x), 1)
    return int(np.sum(r2[iu] < rc * rc))


def test_neighbour_list_never_misses_a_pair_under_deformation():
    """Over 300 steps of fast shear + extension (several rebuilds and a basis change), the list
    holds every pair inside r_c (count of listed pairs within r_c == all-pairs count) and its
    forces equal all-pairs forces."""
    pot = make_potential("lj")
    system, x, v, U, t = sheared_system(pot, 600, 0.6, seed=11, rate=1.5, t=0.2)
    v = 3.0 * v
    f0 = nb.initial_forces(x, t=t, A=system.A_np, H0=system.H0_np, U=U, potential=pot)
    checks = []

    def check(step, eng):
        tt = step * system.dt
        H = eng.H(tt)
        S = np.empty((27, 3))
        nb._shifts(H, S)
        _, _, _, f = eng.ker.pair_sums(eng.X, np.zeros_like(eng.X), S, eng.start, eng.nbr, eng.code,
                                       eng.rc**2)
        # listed pairs within r_c (each stored once, with its image)
        Xd = eng.X[:, :3]
        listed = 0
        for i in range(eng.n):
            js = eng.nbr[eng.start[i]:eng.start[i + 1]]
            dd = Xd[js] - Xd[i] + S[eng.code[eng.start[i]:eng.start[i + 1]]]
            listed += int(np.sum(np.sum(dd * dd, axis=1) < eng.rc**2))
        ref_f = np.asarray(pairs.reference_forces(system, jnp.asarray(Xd), tt, jnp.asarray(eng.U)))
        checks.append((listed, _all_pairs_count(Xd, H, eng.rc), rel(f, ref_f), rel(eng.F, ref_f)))

    stats = nb.Stats()
    step0 = round(t / system.dt)
    _, _, _, U1 = nb.run_arrays(x, v, f0, step=step0, n_steps=300, dt=system.dt, A=system.A_np,
                                H0=system.H0_np, U=U, potential=pot, skin=0.3, stats=stats,
                                every=50, callback=check)
    assert stats.builds >= 5
    assert not np.array_equal(U1, U)  # the cell was re-reduced during the run
    assert len(checks) >= 5
    for listed, full, err_sums, err_hot in checks:
        assert listed == full
        assert err_sums < 1e-12 and err_hot < 1e-12


def test_two_threads_equal_one_thread():
    pot = make_potential("wca")
    system, x, v, U, t = sheared_system(pot, 2000, 0.5, seed=5)
    f0 = nb.initial_forces(x, t=t, A=system.A_np, H0=system.H0_np, U=U, potential=pot)
    kw = dict(step=140, n_steps=40, dt=system.dt, A=system.A_np, H0=system.H0_np, U=U,
              potential=pot)
    x1, v1, _, _ = nb.run_arrays(x, v, f0, threads=1, **kw)
    x2, v2, _, _ = nb.run_arrays(x, v, f0, threads=2, **kw)
    assert np.max(np.abs(x1 - x2)) < 1e-10 and np.max(np.abs(v1 - v2)) < 1e-9


def test_cell_thinner_than_twice_the_cutoff_fails_loudly():
    pot = make_potential("lj")
    rng = np.random.default_rng(0)
    H0 = np.diag([20.0, 20.0, 4.0])  # 4 < 2 r_c = 5: no basis helps
    x = rng.uniform(size=(200, 3)) @ H0.T
    with pytest.raises(NumericalFailure, match="too thin"):
        nb.initial_forces(x, t=0.0, A=np.zeros((3, 3)), H0=H0, U=np.eye(3, dtype=int), potential=pot)


def _external_system():
    """A 2D Gaussian-core fluid in V0 cos(k x₁), sheared with the gradient along x₁ (u = (0, a x₁):
    V is the same at every image), and a prepared JAX state of it."""
    from bbgky.models.external import CosineExternal
    from bbgky.particles.simulation import default_method

    rng = np.random.default_rng(4)
    pot = make_potential("gaussian", cutoff=2.5)
    n, L = 120, 12.0
    A, H0 = np.array([[0.0, 0.0], [0.4, 0.0]]), L * np.eye(2)
    system = System.make(pot, A, H0, 0.01, skin=0.3, method=default_method(n, H0, pot.cutoff, 0.3),
                         external=CosineExternal(0.8, 2 * np.pi * 2 / L))
    x, step = rng.random((n, 2)) * L, 30
    v = rng.normal(size=(n, 2)) + x @ A.T
    state = integrator.prepare(integrator.new_state(x, v, system, time=step * system.dt, step=step),
                               system)
    return system, state


def test_external_potential_equals_jax():
    """[external] V0 cos(k x₁) on the Numba path: the forces (also from ``pair_sums``), the potential
    energy and every observable of one state against the JAX level, whose body force is −∇V by
    autodiff."""
    system, state = _external_system()
    x, t, U = np.asarray(state.position), float(state.time), np.eye(2, dtype=int)
    f = nb.initial_forces(x, t=t, A=system.A_np, H0=system.H0_np, U=U, potential=system.potential,
                          external=system.external)
    assert rel(f, state.force) < 1e-12
    without = nb.initial_forces(x, t=t, A=system.A_np, H0=system.H0_np, U=U, potential=system.potential)
    assert rel(without, state.force) > 0.1  # the body force matters
    assert rel(nb.pair_sums(system, x, np.zeros_like(x), t, U)[3], state.force) < 1e-12
    obs_ref, obs = observables.observe(system, state), nb.observe(system, state)
    for key, val in obs_ref.items():
        assert np.allclose(obs[key], val, rtol=1e-12, atol=1e-14), key


@pytest.mark.slow
def test_external_trajectory_equals_jax_step():
    """40 steps of the system of :func:`_external_system` on both backends (slow: compiles the
    Numba time loop with the external kernel)."""
    system, state = _external_system()
    A, H0 = system.A_np, system.H0_np
    ref = integrator.advance(state, 40, system)
    out = nb.advance(state, 40, system)
    H = lattice.cell_at(H0, A, np.eye(2), float(ref.time))
    dx = np.asarray(out.position) - np.asarray(ref.position)
    m = np.round(dx @ np.linalg.inv(H).T)  # out = ref + H m: the image moves with Ḣ m = A H0 m
    dx -= m @ H.T
    dv = np.asarray(out.velocity) - np.asarray(ref.velocity) - m @ (A @ H0).T
    assert np.max(np.abs(dx)) < 1e-10 and np.max(np.abs(dv)) < 1e-10
    assert rel(out.force, ref.force) < 1e-10


@pytest.mark.parametrize("threads", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_ensemble_in_one_call_equals_each_replica_alone(threads):
    """``advance_ensemble`` — every replica in one compiled call, with two threads over the
    replicas (slow: compiles the parallel ensemble) — gives bit for bit the single-system
    ``advance`` of each replica, through a basis change (the compiled loop hands a replica to the
    host path mid-step, which reduces the basis and resumes)."""
    import jax

    pot = make_potential("lj")
    system, x, v, U, t = sheared_system(pot, 300, 0.6, seed=11, rate=1.5, t=0.2)
    step = round(t / system.dt)
    f = nb.initial_forces(x, t=step * system.dt, A=system.A_np, H0=system.H0_np, U=U, potential=pot)
    reps = [integrator.new_state(x, s * v, system, time=step * system.dt, step=step, basis=U)
            ._replace(force=jnp.asarray(f)) for s in (1.0, 1.3)]
    stats = nb.Stats()
    together = nb.advance_ensemble(integrator.stack(reps), 200, system, threads=threads, stats=stats)
    apart = integrator.stack([nb.advance(r, 200, system) for r in reps])
    assert not np.array_equal(np.asarray(together.basis)[0], U)  # the host path ran
    assert stats.builds == int(np.sum(np.asarray(together.nbr.rebuilds))) >= 10
    for a, b in zip(jax.tree_util.tree_leaves(together), jax.tree_util.tree_leaves(apart), strict=True):
        assert np.array_equal(np.asarray(a), np.asarray(b))
