"""The chunked run driver: checkpoints, bit-identical resume, failures with step and time."""

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from bbgky import core, driver
from bbgky.errors import NumericalFailure


class WalkState(NamedTuple):
    time: jax.Array
    position: jax.Array
    key: jax.Array


DT = 0.1


@partial(jax.jit, static_argnums=2)
def _scan(state, growth, n=5):
    def step(s, _):
        key, sub = jax.random.split(s.key)
        x = growth * s.position + jax.random.normal(sub, s.position.shape)
        return WalkState(s.time + DT, x, key), None

    return jax.lax.scan(step, state, None, length=n)[0]


class Walk(core.Stepper):
    """A stepper of the protocol: a noisy linear map, 5 steps a compiled chunk."""

    dt = DT

    def __init__(self, growth=1.0, crash_after=None):
        self.growth, self.crash_after, self.calls = growth, crash_after, 0

    def advance(self, state, n):
        assert n in (1, 5)  # chunks of a save interval; single steps to locate a failure
        self.calls += 1
        if self.crash_after is not None and self.calls > self.crash_after:
            raise KeyboardInterrupt  # the machine went away mid-run
        return _scan(state, self.growth, n)

    def observe(self, s):
        return {"mean": np.asarray(s.position.mean()), "x": np.asarray(s.position)}

    def health(self, s):
        return None if bool(jnp.all(jnp.isfinite(s.position))) else "position is not finite"


def solver(growth=1.0, crash_after=None):
    return Walk(growth, crash_after)


def initial():
    return WalkState(jnp.asarray(0.0), jnp.zeros(16), jax.random.PRNGKey(3))


def test_resume_is_bit_identical(tmp_path):
    ref_state, ref = driver.run(solver(), initial(), saves=6, steps_per_save=5, dt=DT,
                                checkpoint=driver.Checkpoint(tmp_path / "a", "walk"))
    ck = driver.Checkpoint(tmp_path / "b", "walk")
    with pytest.raises(KeyboardInterrupt):
        driver.run(solver(crash_after=3), initial(), saves=6, steps_per_save=5, dt=DT, checkpoint=ck)
    state, records = driver.run(solver(), initial(), saves=6, steps_per_save=5, dt=DT, checkpoint=ck,
                                resume=True)
    assert len(records) == len(ref) == 7
    for a, b in zip(records, ref, strict=True):
        assert np.array_equal(a["x"], b["x"])
    assert np.array_equal(np.asarray(state.position), np.asarray(ref_state.position))
    assert float(state.time) == pytest.approx(3.0)


def test_blow_up_names_step_time_and_checkpoint(tmp_path):
    ck = driver.Checkpoint(tmp_path, "walk")
    with pytest.raises(NumericalFailure) as info:
        driver.run(solver(growth=1e40), initial(), saves=10, steps_per_save=5, dt=DT, checkpoint=ck)
    err = info.value
    # the first step whose state is not finite, found independently by single steps
    state, first = initial(), None
    for k in range(1, 51):
        state = _scan(state, 1e40, 1)
        if not bool(jnp.all(jnp.isfinite(state.position))):
            first = k
            break
    assert err.step == first and first % 5 != 0  # not the end of its save interval
    assert err.time == pytest.approx(err.step * DT)
    assert "not finite" in str(err)
    assert err.checkpoint == str(ck.path)


def test_progress_reports_every_chunk():
    seen = []
    driver.run(solver(), initial(), saves=3, steps_per_save=5, dt=DT,
               progress=lambda d, t: seen.append((d, t)))
    assert seen == [(5, 15), (10, 15), (15, 15)]


def test_stack_and_steps_between_saves():
    out = driver.stack([{"a": np.array(1.0)}, {"a": np.array(2.0)}])
    assert out["a"].tolist() == [1.0, 2.0]
    assert driver.steps_between_saves(0.005, 0.1) == 20


def test_one_save_schedule_rounds_to_whole_steps_and_whole_intervals():
    """Issue 9 item 4: one save schedule (driver.save_schedule) and its rounding rule."""
    from bbgky.driver import save_schedule

    assert save_schedule(0.1, 0.5, 1.0) == (5, 2)
    assert save_schedule(0.1, 0.26, 1.0) == (3, 3)  # interval 0.3: 3 saves end at 0.9 (nearest)
    assert save_schedule(0.1, 0.01, 0.05) == (1, 1)  # never fewer than one step or one save
