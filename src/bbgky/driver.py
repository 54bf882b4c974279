"""The run driver shared by every time-dependent level (STYLE.md §2).

A solver is a pair of pure functions over an explicit state pytree; the driver advances it in
chunks of ``steps_per_save`` steps (each chunk one jitted ``lax.scan`` or one compiled kernel call),
and between chunks it records observables, checks the state's health (NaN, blow-up, overflow) and
writes a checkpoint atomically. ``resume=True`` reloads the last checkpoint and continues
bit-identically: the chunks are deterministic functions of the state.
"""

from __future__ import annotations

import json
import os
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import numpy as np

from .errors import NumericalFailure


@dataclass(frozen=True)
class Solver:
    """What the driver needs from a level.

    ``advance(state, n)`` -> state after n steps (may raise :class:`NumericalFailure`);
    ``observe(state)`` -> mapping of observable name -> NumPy array at the state's time;
    ``health(state)`` -> None if the state is sound, else a sentence saying what went wrong;
    ``time(state)`` -> the state's physical time.
    """

    advance: Callable[[Any, int], Any]
    observe: Callable[[Any], dict[str, np.ndarray]]
    health: Callable[[Any], str | None]
    time: Callable[[Any], float]


class Checkpoint:
    """Atomic checkpoints of a state pytree and the records so far, under one folder."""

    def __init__(self, folder: str | Path, name: str):
        self.folder = Path(folder)
        self.path = self.folder / f"{name}.npz"

    def save(self, state: Any, records: list[dict[str, np.ndarray]], chunk: int) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        leaves = jax.tree_util.tree_leaves(state)
        arrays = {f"leaf_{k}": np.asarray(x) for k, x in enumerate(leaves)}
        for name in records[0] if records else ():
            arrays[f"record_{name}"] = np.stack([r[name] for r in records])
        arrays["meta"] = np.frombuffer(json.dumps({"chunk": chunk, "records": len(records)}).encode(),
                                       dtype=np.uint8)
        tmp = self.path.with_name(self.path.stem + ".tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, self.path)

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self, template: Any) -> tuple[Any, list[dict[str, np.ndarray]], int]:
        """State (shaped like ``template``), records and the number of chunks done."""
        with np.load(self.path) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            leaves, treedef = jax.tree_util.tree_flatten(template)
            new = [np.asarray(z[f"leaf_{k}"]) for k in range(len(leaves))]
            # leaves come back as the template's kind: JAX arrays stay JAX arrays (same dtype)
            state = jax.tree_util.tree_unflatten(treedef, [
                jax.numpy.asarray(x) if isinstance(old, jax.Array) else x
                for old, x in zip(leaves, new, strict=True)])
            names = [k[len("record_"):] for k in z.files if k.startswith("record_")]
            n = meta["records"]
            records = [{name: z[f"record_{name}"][i] for name in names} for i in range(n)]
        return state, records, meta["chunk"]


def run(solver: Solver, state: Any, *, saves: int, steps_per_save: int, dt: float,
        checkpoint: Checkpoint | None = None, resume: bool = False,
        progress: Callable[[int, int], None] | None = None) -> tuple[Any, list[dict[str, np.ndarray]]]:
    """Advance ``state`` through ``saves`` chunks, recording observables at t0 and after each chunk.

    ``progress(done_steps, total_steps)`` is called after every chunk.
    """
    records: list[dict[str, np.ndarray]] = []
    done = 0
    if resume and checkpoint is not None and checkpoint.exists():
        state, records, done = checkpoint.load(state)
    if not records:
        problem = solver.health(state)
        if problem:
            raise NumericalFailure(f"the initial state is not sound: {problem}", step=0,
                                   time=solver.time(state))
        records.append(solver.observe(state))
        if checkpoint is not None:
            checkpoint.save(state, records, 0)
    total = saves * steps_per_save
    for chunk in range(done, saves):
        new = solver.advance(state, steps_per_save)
        problem = solver.health(new)
        if problem:
            last = str(checkpoint.path) if checkpoint is not None and checkpoint.exists() else None
            raise NumericalFailure(problem, step=(chunk + 1) * steps_per_save, time=solver.time(new),
                                   checkpoint=last)
        state = new
        records.append(solver.observe(state))
        if checkpoint is not None:
            checkpoint.save(state, records, chunk + 1)
        if progress is not None:
            progress((chunk + 1) * steps_per_save, total)
    return state, records


def stack(records: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Records (one mapping per save) -> one array per observable with a leading time axis."""
    return {name: np.stack([np.asarray(r[name]) for r in records]) for name in records[0]}


def steps_between_saves(step: float, save_every: float) -> int:
    """Number of steps per chunk; the save interval is rounded to a whole number of steps."""
    return max(1, round(save_every / step))


class Timer:
    """Wall-clock steps/s for progress reports and benchmarks."""

    def __init__(self) -> None:
        self.start = _time.perf_counter()

    def rate(self, steps: int) -> float:
        return steps / max(_time.perf_counter() - self.start, 1e-12)
