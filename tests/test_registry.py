"""Generic tests over every registered solver (:mod:`bbgky.core`), on each registered example.

For each (level, method, example): the order fitted from runs at dt, dt/2, dt/4 equals the declared
order (self-convergence of the discrete solution, p = log2(|u_dt − u_dt/2| / |u_dt/2 − u_dt/4|));
the declared conserved quantities are conserved (to round-off when the declared tolerance is 0);
resume through the driver's checkpoint is bit-identical; a vmapped batch equals separate runs when
the solver declares itself vmappable. A solver registered with an example is covered without a
new test. Run with ``-s`` to print the fitted values (the table in docs/solvers.md).
"""

from __future__ import annotations

import copy
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bbgky import config, core, driver

#: relative change allowed for an exactly conserved quantity (declared tolerance 0)
ROUND_OFF = 1e-12
#: |fitted − declared| order (the splitting-order test of tests/kinetic/test_vlasov.py uses the same)
ORDER_TOLERANCE = 0.35

CASES = [pytest.param(level, name, example, id=f"{level}/{name}/{example}")
         for level in core.levels() for name, entry in sorted(core.registry(level).items())
         for example in entry.examples]


def example(level: str, name: str, ex: str, step_divisor: int = 1) -> dict:
    data = copy.deepcopy(core.registry(level)[name].examples[ex])
    data["time"]["step"] = data["time"]["step"] / step_divisor
    return data


@functools.cache
def built(level: str, name: str, ex: str, step_divisor: int = 1) -> tuple[core.Stepper, core.State]:
    """Built once per module (building compiles the solver's kernels)."""
    return core.build(level, name, config.validate(example(level, name, ex, step_divisor)))


def steps(level: str, name: str, ex: str) -> int:
    t = core.registry(level)[name].examples[ex]["time"]
    return round(t["end"] / t["step"])


def record(level, name, ex, what, value):
    print(f"\nREGISTRY {level}/{name}/{ex} {what}: {value}")


def test_every_time_dependent_level_has_registered_solvers_with_examples():
    for level in ("particles", "boltzmann", "vlasov", "hydro"):
        methods = core.registry(level)
        assert methods, level
        for name, entry in methods.items():
            assert entry.examples, f"{level}/{name} registers no example"
            stepper, state = built(level, name, next(iter(entry.examples)))
            assert isinstance(stepper, core.Stepper)
            for field in ("time", "step", "key", "status"):  # every state carries the common fields
                assert hasattr(state, field), (level, name, field)
            assert set(stepper.conserves) <= set(core.QUANTITIES) | {"entropy"}, stepper.conserves
            assert stepper.dt > 0 and stepper.backend
            assert stepper.order is not None or stepper.order_note, f"{level}/{name}: order without a reason"
    assert {"dsmc", "spectral", "bgk", "moments"} <= set(core.registry("boltzmann"))
    assert {"grid", "particles", "euler", "homogeneous"} <= set(core.registry("vlasov"))
    assert {"euler", "navier_stokes", "grad13"} <= set(core.registry("hydro"))
    assert {"verlet"} <= set(core.registry("particles"))


@pytest.mark.parametrize("level,name,ex", CASES)
def test_fitted_order_equals_declared_order(level, name, ex):
    stepper, _ = built(level, name, ex)
    if stepper.order is None or stepper.stochastic:
        pytest.skip(f"declared order {stepper.order}: {stepper.order_note}")
    n = steps(level, name, ex)
    u = []
    for k in (1, 2, 4):
        s, s0 = built(level, name, ex, k)
        end = s.advance(s0, n * k)
        assert float(end.time) == pytest.approx(float(built(level, name, ex)[0].dt * n), rel=1e-12)
        u.append(s.solution(end))
    e1, e2 = np.abs(u[0] - u[1]).max(), np.abs(u[1] - u[2]).max()
    fitted = math.log2(e1 / e2)
    record(level, name, ex, "order",
           f"declared {stepper.order}, fitted {fitted:.2f} (|Δu| {e1:.2e}, {e2:.2e})")
    assert abs(fitted - stepper.order) < ORDER_TOLERANCE, (e1, e2, fitted)


@pytest.mark.parametrize("level,name,ex", CASES)
def test_declared_conserved_quantities_are_conserved(level, name, ex):
    stepper, s0 = built(level, name, ex)
    if not stepper.conserves:
        pytest.skip("declares no conserved quantity")
    s1 = stepper.advance(s0, steps(level, name, ex))
    before, after = stepper.invariants(s0), stepper.invariants(s1)
    for quantity, tol in stepper.conserves.items():
        if quantity == "phase_space_volume":  # a volume-preserving step has |det ∂z'/∂z| = 1
            z, step = stepper.phase_space_map(s0)
            sign, logdet = jnp.linalg.slogdet(jax.jacfwd(step)(z))
            err = abs(math.expm1(float(logdet)))
            assert float(sign) != 0
        else:
            i0, i1 = np.asarray(before[quantity], float), np.asarray(after[quantity], float)
            err = float(np.abs(i1 - i0).max() / max(np.abs(i0).max(), 1.0))
        record(level, name, ex, f"conservation {quantity}",
               f"relative error {err:.1e} (allowed {tol or ROUND_OFF:g})")
        assert err <= max(tol, ROUND_OFF), (quantity, err)


def _assert_trees_equal(a, b):
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))


@pytest.mark.parametrize("level,name,ex", CASES)
def test_resume_through_the_driver_is_bit_identical(level, name, ex, tmp_path):
    stepper, s0 = built(level, name, ex)
    t = core.registry(level)[name].examples[ex]["time"]
    per = driver.steps_between_saves(t["step"], t["save_every"])
    full, ref = driver.run(stepper, s0, saves=2, steps_per_save=per,
                           checkpoint=driver.Checkpoint(tmp_path / "full", "x"))
    ck = driver.Checkpoint(tmp_path / "cut", "x")
    driver.run(stepper, s0, saves=1, steps_per_save=per, checkpoint=ck)
    resumed, rec = driver.run(stepper, s0, saves=2, steps_per_save=per, checkpoint=ck, resume=True)
    _assert_trees_equal(full, resumed)
    assert len(rec) == len(ref) == 3
    for a, b in zip(ref, rec, strict=True):
        assert a.keys() == b.keys()
        for k in a:
            np.testing.assert_array_equal(a[k], b[k])


@pytest.mark.parametrize("level,name,ex", CASES)
def test_vmapped_batch_equals_separate_runs(level, name, ex):
    stepper, s0 = built(level, name, ex)
    if not stepper.vmappable:
        pytest.skip("declares itself not vmappable")
    n = steps(level, name, ex)

    def perturbed(i):  # three different initial data: every floating field scaled by 1 + 0.01 i
        return s0.replace(data=jax.tree_util.tree_map(
            lambda x: x * (1 + 0.01 * i) if jnp.issubdtype(jnp.asarray(x).dtype, jnp.floating)
            and jnp.ndim(x) > 0 else x, s0.data))

    states = [perturbed(i) for i in range(3)]
    batch = jax.tree_util.tree_map(lambda *x: jnp.stack(x), *states)
    out = jax.vmap(lambda s: stepper.advance(s, n))(batch)
    worst = 0.0
    for i, s in enumerate(states):
        alone = stepper.advance(s, n)
        for x, y in zip(jax.tree_util.tree_leaves(alone), jax.tree_util.tree_leaves(out), strict=True):
            x, y = np.asarray(x), np.asarray(y)[i]
            scale = max(np.abs(x).max(), 1e-300) if x.dtype.kind == "f" else 1
            worst = max(worst, float(np.abs(x - y).max() / scale))
    record(level, name, ex, "vmap", f"max relative difference {worst:.1e}")
    assert worst <= ROUND_OFF
