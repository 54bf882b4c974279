"""The run driver shared by every time-dependent level (STYLE.md §2).

A solver is a :class:`bbgky.core.Stepper` over a :class:`bbgky.core.State`; the driver advances it in
chunks of ``steps_per_save`` steps (each chunk one jitted ``lax.scan`` or one compiled kernel call),
and between chunks it records observables, checks the state's health (NaN, blow-up, overflow) and
writes a checkpoint atomically. ``resume=True`` reloads the last checkpoint and continues
bit-identically: the chunks are deterministic functions of the state.
"""

from __future__ import annotations

import hashlib
import json
import os
import time as _time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import numpy as np

from .errors import ConfigError, NumericalFailure

#: the checkpoint format written by :class:`Checkpoint` (version 1: anonymous ``leaf_k`` arrays).
CHECKPOINT_FORMAT = "bbgky-checkpoint"
CHECKPOINT_VERSION = 2
#: the run's manifest in the checkpoint folder: the configuration the checkpoints belong to.
MANIFEST = "run.json"


def _unreadable(path: Path, why: str) -> ConfigError:
    return ConfigError([("--resume", f"{path} is not a usable bbgky checkpoint: {why}; start the run again "
                         "without --resume (or in a new --out folder)")])


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint file without knowing its level: ``{"meta": {...}, "state": {name: array},
    "records": {name: array with a leading save axis}}``.

    ``meta`` holds ``format`` and ``version`` (:data:`CHECKPOINT_FORMAT`, :data:`CHECKPOINT_VERSION`),
    ``chunk`` (saves done), ``records``, ``step`` and ``time`` of the state, ``config_hash`` (of
    the resumable configuration, :func:`config_hash`) and ``leaves`` (the state's array names: the
    ``jax.tree_util.keystr`` paths of its pytree, e.g. ``.position``). Any damage — an empty,
    truncated or foreign file — raises :class:`ConfigError` naming the file and what is wrong.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            if "meta" not in z.files:
                raise _unreadable(path, "no 'meta' entry (not written by bbgky)")
            meta = json.loads(bytes(z["meta"]).decode())
            if not isinstance(meta, dict) or "chunk" not in meta or "records" not in meta:
                raise _unreadable(path, "its 'meta' entry lacks chunk/records")
            leaves = meta.get("leaves") or sorted((k for k in z.files if k.startswith("leaf_")),
                                                  key=lambda k: int(k[5:]))
            state = {name: np.asarray(z[_state_key(name, meta)]) for name in leaves}
            records = {k[len("record_"):]: np.asarray(z[k]) for k in z.files if k.startswith("record_")}
    except ConfigError:
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise _unreadable(path, f"{type(exc).__name__}: {exc}") from None
    version = meta.get("version", 1)
    if meta.get("format", CHECKPOINT_FORMAT) != CHECKPOINT_FORMAT or version > CHECKPOINT_VERSION:
        raise _unreadable(path, f"format {meta.get('format')!r} version {meta.get('version')!r} (this bbgky "
                          f"reads {CHECKPOINT_FORMAT!r} up to version {CHECKPOINT_VERSION})")
    return {"meta": meta, "state": state, "records": records}


def _state_key(name: str, meta: dict) -> str:
    return f"state{name}" if meta.get("version", 1) >= 2 else name


def leaf_names(state: Any) -> list[str]:
    """Names of a state's arrays: ``jax.tree_util.keystr`` of each leaf's path (``.position``,
    ``['grid'].f``, ``[0]``): new leaves get names without special cases."""
    paths, _ = jax.tree_util.tree_flatten_with_path(state)
    return [jax.tree_util.keystr(p) for p, _ in paths]


def resumable_config(cfg: Any) -> dict[str, Any]:
    """The configuration as a mapping, less what a resume may change (``time.end``) and what does
    not touch the numbers (``title``)."""
    data = cfg.model_dump(mode="json")
    data.pop("title", None)
    data.get("time", {}).pop("end", None)
    return data


def config_hash(cfg: Any) -> str:
    """SHA-256 of :func:`resumable_config` (canonical JSON)."""
    text = json.dumps(resumable_config(cfg), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def write_manifest(cfg: Any, folder: str | Path) -> None:
    """Record the configuration the checkpoints of ``folder`` belong to (atomically)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    body = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "config_hash": config_hash(cfg),
            "config": resumable_config(cfg), "time_end": cfg.time.end}
    _atomic_bytes(folder / MANIFEST, json.dumps(body, indent=1, sort_keys=True).encode())


def _atomic_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _differences(old: Any, new: Any, prefix: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for k in sorted(set(old) | set(new)):
            out += _differences(old.get(k), new.get(k), f"{prefix}.{k}" if prefix else k)
        return out
    return [] if old == new else [prefix]


def checkpoint_files(out: str | Path) -> list[Path]:
    """The checkpoints of a run folder (not the temporary files a kill may leave behind)."""
    folder = Path(out) / "checkpoint"
    found = folder.glob("*.npz") if folder.is_dir() else []
    return sorted(p for p in found if not p.name.endswith(".tmp.npz"))


def resume_problems(cfg: Any, out: str | Path) -> None:
    """Refuse (ConfigError) a ``--resume`` that cannot continue ``out`` exactly: no checkpoint, a
    damaged or foreign one, or any configuration change other than a longer (or equal) time.end."""
    folder = Path(out) / "checkpoint"
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise ConfigError([("--resume", f"no checkpoint in {folder} (missing {MANIFEST}): nothing to resume; "
                            "run without --resume")])
    try:
        body = json.loads(manifest.read_text())
        old_cfg, old_hash, old_end = body["config"], body["config_hash"], float(body["time_end"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise _unreadable(manifest, f"{type(exc).__name__}: {exc}") from None
    if old_hash != config_hash(cfg):
        keys = _differences(old_cfg, resumable_config(cfg)) or ["configuration"]
        raise ConfigError([(k, "differs from the run being resumed; --resume continues the same run and "
                            "only time.end may grow (start a new run for a changed configuration)")
                           for k in keys])
    if cfg.time.end < old_end:
        raise ConfigError([("time.end", f"{cfg.time.end:g} is shorter than the run being resumed "
                            f"({old_end:g}); --resume only continues a run to a later time.end")])
    for path in checkpoint_files(out):
        meta = read_checkpoint(path)["meta"]
        if meta.get("config_hash") not in (None, old_hash):
            raise _unreadable(path, "it belongs to another configuration than checkpoint/run.json")


class Checkpoint:
    """Atomic, self-describing checkpoints of a state pytree and the records so far, under one
    folder (format: :func:`read_checkpoint`)."""

    def __init__(self, folder: str | Path, name: str):
        self.folder = Path(folder)
        self.path = self.folder / f"{name}.npz"

    def _hash(self) -> str | None:
        try:
            return json.loads((self.folder / MANIFEST).read_text()).get("config_hash")
        except (OSError, ValueError):
            return None

    def save(self, state: Any, records: list[dict[str, np.ndarray]], chunk: int, *,
             step: int | None = None, time: float | None = None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        names = leaf_names(state)
        arrays = {f"state{n}": np.asarray(x) for n, x in zip(names, jax.tree_util.tree_leaves(state),
                                                               strict=True)}
        for name in records[0] if records else ():
            arrays[f"record_{name}"] = np.stack([r[name] for r in records])
        meta = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "chunk": chunk,
                "records": len(records), "step": step, "time": time, "leaves": names,
                "config_hash": self._hash()}
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        tmp = self.path.with_name(self.path.name + ".tmp")  # not *.npz: never taken for a checkpoint
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)

    def exists(self) -> bool:
        return self.path.is_file()

    def load(self, template: Any) -> tuple[Any, list[dict[str, np.ndarray]], int]:
        """State (shaped like ``template``), records and the number of chunks done; a checkpoint
        whose arrays do not match the template (names, ranks, dtypes) is a ConfigError. Sizes may
        differ: buffers such as neighbour lists are sized at run time (a changed configuration is
        caught by the configuration hash, :func:`resume_problems`)."""
        data = read_checkpoint(self.path)
        meta, saved = data["meta"], data["state"]
        leaves, treedef = jax.tree_util.tree_flatten(template)
        if meta.get("version", 1) >= 2:
            names = leaf_names(template)
        else:  # version 1: anonymous leaf_k in flattening order
            names = sorted(saved, key=lambda k: int(k[5:]))
        if len(names) != len(saved) or set(names) != set(saved):
            raise _unreadable(self.path, f"its state arrays {sorted(saved)} are not those of this level "
                              f"({names})")
        new = []
        for name, old in zip(names, leaves, strict=True):
            x = saved[name]
            if x.ndim != np.ndim(old) or x.dtype != np.asarray(old).dtype:
                raise _unreadable(self.path, f"array {name!r} is {x.dtype}{list(x.shape)}, this run needs "
                                  f"{np.asarray(old).dtype}{list(np.shape(old))} (was the configuration "
                                  "changed?)")
            # leaves come back as the template's kind: JAX arrays stay JAX arrays (same dtype)
            new.append(jax.numpy.asarray(x) if isinstance(old, jax.Array) else x)
        state = jax.tree_util.tree_unflatten(treedef, new)
        n = meta["records"]
        records = [{name: v[i] for name, v in data["records"].items()} for i in range(n)]
        return state, records, meta["chunk"]


def _state_time(state: Any) -> float:
    """The state's physical time (an ensemble's replicas share it)."""
    return float(np.ravel(np.asarray(state.time))[0])


def run(solver: Any, state: Any, *, saves: int, steps_per_save: int, dt: float | None = None,
        checkpoint: Checkpoint | None = None, resume: bool = False,
        progress: Callable[[int, int], None] | None = None) -> tuple[Any, list[dict[str, np.ndarray]]]:
    """Advance ``state`` through ``saves`` chunks, recording observables at t0 and after each chunk.

    ``solver``: any :class:`bbgky.core.Stepper` (its ``advance(state, n)``, ``observe``, ``health``;
    the state's ``time``); ``dt`` is unused (the stepper holds its time step).

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
                                   time=_state_time(state))
        records.append(solver.observe(state))
        if checkpoint is not None:
            checkpoint.save(state, records, 0, step=0, time=_state_time(state))
    total = saves * steps_per_save
    for chunk in range(done, saves):
        new = solver.advance(state, steps_per_save)
        problem = solver.health(new)
        if problem:
            last = str(checkpoint.path) if checkpoint is not None and checkpoint.exists() else None
            k, bad = _first_bad_step(solver, state, steps_per_save)
            if bad is not None:
                problem, new = solver.health(bad) or problem, bad
            failure = NumericalFailure(problem, step=chunk * steps_per_save + k, time=_state_time(new),
                                       checkpoint=last)
            failure.records = records  # the saves up to the last good one, for a partial output file
            raise failure
        state = new
        records.append(solver.observe(state))
        if checkpoint is not None:
            checkpoint.save(state, records, chunk + 1, step=(chunk + 1) * steps_per_save,
                            time=_state_time(state))
        if progress is not None:
            progress((chunk + 1) * steps_per_save, total)
    return state, records


def _first_bad_step(solver: Any, good: Any, n: int) -> tuple[int, Any]:
    """(k, state) of the first of ``n`` single steps from the sound state ``good`` whose state is not
    sound — the step a failure is reported at, not the end of its save interval. Costs at most n
    single steps, only on the failure path; ``(n, None)`` if single steps cannot reproduce it."""
    state = good
    try:
        for k in range(1, n + 1):
            state = solver.advance(state, 1)
            if solver.health(state):
                return k, state
    except (NumericalFailure, ArithmeticError, ValueError):
        return k, None
    return n, None


def stack(records: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Records (one mapping per save) -> one array per observable with a leading time axis."""
    return {name: np.stack([np.asarray(r[name]) for r in records]) for name in records[0]}


def steps_between_saves(step: float, save_every: float) -> int:
    """Number of steps per chunk; the save interval is rounded to a whole number of steps."""
    return max(1, round(save_every / step))


def save_schedule(step: float, save_every: float, end: float) -> tuple[int, int]:
    """(steps per save, saves): the one save schedule of every level.

    Rounding rule: the save interval is the nearest whole number of steps,
    Δ = step × max(1, round(save_every/step)); the run covers the nearest whole number of
    intervals, saves = max(1, round(end/Δ)) (Python's round: halves to even); the saved times are
    k·Δ, k = 0 … saves, so the last one is saves·Δ, which may differ from ``time.end``."""
    per = steps_between_saves(step, save_every)
    return per, max(1, round(end / (per * step)))


class Timer:
    """Wall-clock steps/s for progress reports and benchmarks."""

    def __init__(self) -> None:
        self.start = _time.perf_counter()

    def rate(self, steps: int) -> float:
        return steps / max(_time.perf_counter() - self.start, 1e-12)
