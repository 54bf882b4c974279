"""Compile a later level's kernels on the idle core while an earlier level runs (first runs only).

Compiling the threaded Numba DSMC kernel takes 10–20 s of one core, and Numba compiles on one
thread; the particle level before it spends most of a first run compiling on one core too. So when
a run has a particle level and a Numba DSMC level, :func:`start` launches ``python -m
bbgky.scenarios.warmup run_dir/config.toml``: the same configuration with a handful of simulators,
advanced one step, which compiles exactly the kernels (same types, same threading) the real level
will call and writes them to the shared cache (:mod:`bbgky.caches`). :func:`wait` is called before
the Boltzmann level starts; that level then loads the kernels from the cache. Numbers are
unchanged: the warm-up writes only compiled code. Any failure of the warm-up is ignored (the level
then compiles for itself, as without it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from .. import caches
from ..config import Config

WAIT_SECONDS = 300.0


def start(cfg: Config, out: Path) -> subprocess.Popen | None:
    """Launch the warm-up for ``cfg`` (its ``out/config.toml``), or None where it cannot help: no
    cache, one core, no earlier level to overlap with, or no Numba DSMC level."""
    b = cfg.levels.boltzmann
    if (b is None or b.method != "dsmc" or cfg.levels.particles is None
            or os.environ.get("BBGKY_NO_CACHE") or (os.cpu_count() or 1) < 2):
        return None
    from ..kinetic.boltzmann.level import dsmc_backend

    if dsmc_backend(b.backend, cfg.system.dimension) != "numba":
        return None
    try:
        return subprocess.Popen([sys.executable, "-m", __name__, str(out / "config.toml")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return None


def wait(proc: subprocess.Popen | None) -> None:
    """Let a running warm-up finish (its kernels are then in the cache), at most WAIT_SECONDS."""
    if proc is None:
        return
    try:
        proc.wait(timeout=WAIT_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()


def stop(proc: subprocess.Popen | None) -> None:
    """End a warm-up still running (the run failed or was interrupted)."""
    if proc is not None and proc.poll() is None:
        proc.kill()


def _compile(config_path: str) -> None:
    from .. import core
    from ..config import validate
    from ..precision import enable_float64

    caches.enable()
    enable_float64()
    raw = tomllib.loads(Path(config_path).read_text(encoding="utf-8"))
    raw["levels"]["boltzmann"].update(samples=64, velocity_samples=0,
                                      replicas=max(2, raw["levels"]["boltzmann"].get("replicas", 2)))
    stepper, state = core.build("boltzmann", "dsmc", validate(raw))
    stepper.advance(state, 1)


if __name__ == "__main__":
    _compile(sys.argv[1])
