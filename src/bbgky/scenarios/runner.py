"""Run one configured system at every level its ``[levels]`` table enables.

Each level lives in its own module exposing ``run(cfg, out, *, resume, progress) -> xr.Dataset``;
levels are imported lazily so that a run pays only for what it uses. The datasets of all levels
go to :mod:`bbgky.scenarios.report`, which compares them.
"""

from __future__ import annotations

import importlib
import re
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr

from .. import caches, core
from ..config import Config, to_toml
from ..driver import resume_problems, write_manifest
from ..errors import ConfigError, NumericalFailure
from ..output import write_atomic_text
from ..precision import enable_float64
from . import warmup

#: level name -> (module, keyword arguments of its ``run``): :data:`bbgky.core.LEVELS`.
LEVELS = core.LEVELS

#: enabled tables that are not levels of their own: they observe a level (its ``run`` gets their
#: frame observers, from their module's ``observer(cfg)``) and have their own ``check(cfg)``.
#: name -> (module, observed level).
OBSERVERS: dict[str, tuple[str, str]] = {
    "statistics": ("bbgky.statistics.level", "particles"),
}

Progress = Callable[[str, int, int], None]


@dataclass
class RunResult:
    out: Path
    datasets: dict[str, xr.Dataset] = field(default_factory=dict)
    wall_seconds: dict[str, float] = field(default_factory=dict)
    report: Path | None = None


def default_out(cfg: Config) -> Path:
    """``runs/<title>-<time>``: the title reduced to at most 60 letters, digits and dashes, so the
    folder is always one level inside ``runs/`` whatever the title (``..``, ``/``, very long)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", cfg.title)[:60].strip("-").lower() or "run"
    return Path("runs") / f"{slug}-{_time.strftime('%Y%m%d-%H%M%S')}"


def _level_module(name: str):
    module, _ = LEVELS[name]
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            raise ConfigError([(f"levels.{name}", "this level is not available in this version of bbgky; "
                                f"available: {', '.join(available_levels())}")]) from None
        raise


def level_runner(name: str) -> Callable:
    mod, kwargs = _level_module(name), LEVELS[name][1]

    def run(cfg: Config, out: Path, **kw):
        return mod.run(cfg, out, **kwargs, **kw)

    return run


def check_levels(cfg: Config) -> None:
    """Every enabled level's own checks (its module's ``check(cfg)``), all problems at once, before
    anything runs: a mistake in a later level must not surface after an earlier level has run."""
    enable_float64()
    problems: list[tuple[str, str]] = []
    checks = {}
    for name in LEVELS:
        if name in cfg.levels.enabled():
            mod = _level_module(name)
            checks[mod.__name__] = mod.check  # one check per module (euler and navier_stokes share one)
    for name, (module, _) in OBSERVERS.items():
        if name in cfg.levels.enabled():
            checks[module] = importlib.import_module(module).check
    if cfg.levels.statistics is not None and cfg.levels.statistics.n_study is not None:
        from . import n_study

        checks["n_study"] = n_study.check
    for check in checks.values():
        try:
            check(cfg)
        except ConfigError as exc:
            problems += [p for p in exc.problems if p not in problems]
    if problems:
        raise ConfigError(problems)


def validate(data: dict) -> Config:
    """The whole validation of a parsed configuration: the schema (:func:`bbgky.config.validate`)
    and every enabled level's ``check`` (:func:`check_levels`); what it accepts, runs."""
    from ..config import validate as schema

    cfg = schema(data)
    check_levels(cfg)
    return cfg


def available_levels() -> list[str]:
    return [name for name, (module, _) in LEVELS.items() if importlib.util.find_spec(module) is not None]


def observers_of(cfg: Config, level: str) -> tuple:
    """The frame observers of the enabled observer tables (:data:`OBSERVERS`) that watch ``level``."""
    enabled = cfg.levels.enabled()
    return tuple(importlib.import_module(module).observer(cfg)
                 for name, (module, watched) in OBSERVERS.items() if name in enabled and watched == level)


def run(cfg: Config, out: Path | None = None, *, resume: bool = False,
        progress: Progress | None = None, report: bool = True, checked: bool = False) -> RunResult:
    """Run every enabled level in float64, write ``<level>.nc`` files and the report. ``checked``:
    the caller has already run :func:`check_levels` on this configuration (the CLI does, before it
    picks the output folder), so the checks run once per run."""
    caches.enable()  # compiled kernels persist in the user's cache folder (a second run starts fast)
    enable_float64()
    out = Path(out) if out is not None else default_out(cfg)
    enabled = cfg.levels.enabled()
    runners = {name: level_runner(name) for name in LEVELS if name in enabled}  # fail before running
    if not checked:
        check_levels(cfg)
    if resume:
        resume_problems(cfg, out)
        _end_dependent(cfg, out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_atomic_text(out / "config.toml", to_toml(cfg))
        write_manifest(cfg, out / "checkpoint")
    except OSError as exc:
        raise ConfigError([("--out", f"cannot write the output folder {exc.filename or out}: "
                            f"{exc.strerror or exc}")]) from None
    result = RunResult(out)
    warming = warmup.start(cfg, out)  # the DSMC kernels compile on the idle core meanwhile
    try:
        for name, runner in runners.items():
            start = _time.perf_counter()
            if name == "boltzmann":
                warmup.wait(warming)
            cb = (lambda done, total, _n=name: progress(_n, done, total)) if progress else None
            watchers = observers_of(cfg, name)
            try:
                kw = {"observers": watchers} if watchers else {}
                result.datasets[name] = runner(cfg, out, resume=resume, progress=cb, **kw)
            except NumericalFailure as exc:
                if exc.records:
                    exc.partial = str(write_partial(cfg, name, exc, out))
                raise
            result.wall_seconds[name] = _time.perf_counter() - start
    finally:
        warmup.stop(warming)
    studies = run_studies(cfg, out)
    if report:
        from .report import write_report

        result.report = write_report(cfg, result.datasets, out, wall_seconds=result.wall_seconds,
                                     studies=studies)
    return result


def _end_dependent(cfg: Config, out: Path) -> None:
    """Refuse a longer time.end where a level derives a parameter from it (the continued run would
    not be the same run): the default mean-field cut-off of the particle level under a flow (half
    the narrowest reduced width up to time.end) and the DSMC collision capacity of Maxwell
    molecules under a flow (from the density bound up to time.end)."""
    import json

    from ..driver import MANIFEST

    old_end = json.loads((out / "checkpoint" / MANIFEST).read_text())["time_end"]
    if cfg.time.end == old_end or cfg.flow is None:
        return
    why = []
    if cfg.levels.particles is not None and cfg.interaction.scaling == "mean_field" and \
            cfg.interaction.cutoff is None:
        why.append("the default mean-field cut-off of the particle level depends on time.end")
    b = cfg.levels.boltzmann
    if b is not None and b.method == "dsmc" and "maxwell" in (b.kernel, cfg.interaction.potential):
        why.append("the DSMC collision capacity of Maxwell molecules depends on time.end")
    if why:
        raise ConfigError([("time.end", f"cannot continue this run to a later time.end: {'; '.join(why)} "
                            f"(run again from t = 0 with time.end = {cfg.time.end:g})")])


def write_partial(cfg: Config, name: str, failure: NumericalFailure, out: Path) -> Path:
    """``<level>.nc`` with every save before a numerical failure: the level's observables that
    have a declared name, units and long_name (:data:`bbgky.output.VARIABLES` and the level
    module's ``EXTRA_VARS``/``EXTRA``) at times k·save_every, and the failure in the attributes."""
    from ..driver import stack
    from ..output import VARIABLES, level_dataset, write_atomic

    mod = _level_module(name)
    spec = {**VARIABLES, **getattr(mod, "EXTRA_VARS", {}), **getattr(mod, "EXTRA", {})}
    data = stack(failure.records)
    data.pop("time", None)
    times = cfg.time.save_every * np.arange(len(failure.records))
    kept = {k: v for k, v in data.items() if k in spec and np.ndim(v) == 1 + len(spec[k][0])}
    attrs = {"partial": f"saves up to the last good one before: {failure}",
             "omitted_observables": ", ".join(sorted(set(data) - set(kept)))}
    ds = level_dataset(times, kept, level=name, config_toml=to_toml(cfg), seed=cfg.system.seed,
                       extra_vars=spec, attrs=attrs)
    return write_atomic(ds, out / f"{name}.nc")


def run_studies(cfg: Config, out: Path) -> dict[str, xr.Dataset]:
    """Limit studies a configuration asks for (several runs of one level), saved as netCDF."""
    studies: dict[str, xr.Dataset] = {}
    st = cfg.levels.statistics
    if st is not None and st.n_study is not None:  # its own report section (n_study.section)
        from . import n_study

        n_study.run(cfg, out)
    lv = cfg.levels.vlasov
    if lv is not None and (lv.w1_study or lv.knudsen_study):
        from ..kinetic.vlasov import limits
        from ..output import write_atomic

        if lv.w1_study:
            ds = limits.w1_study(cfg, lv.w1_study).to_dataset()
            studies["w1_vs_n"] = ds
            write_atomic(ds, out / "vlasov_w1_vs_n.nc")
        if lv.knudsen_study:
            h = limits.knudsen_study(cfg, lv.knudsen_study)
            ds = xr.Dataset({"density_error": (("knudsen", "time"), h.density_error),
                             "velocity_error": (("knudsen", "time"), h.velocity_error)},
                            coords={"knudsen": h.knudsens, "time": h.times}, attrs={"order": h.order})
            studies["hydro_vs_kn"] = ds
            write_atomic(ds, out / "vlasov_hydro_vs_kn.nc")
    return studies
