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

import xarray as xr

from .. import caches
from ..config import Config, to_toml
from ..errors import ConfigError
from ..precision import enable_float64

#: level name -> (module, keyword arguments of its ``run``). Order: bottom of the hierarchy first.
LEVELS: dict[str, tuple[str, dict]] = {
    "particles": ("bbgky.particles.level", {}),
    "vlasov": ("bbgky.kinetic.vlasov.level", {}),
    "boltzmann": ("bbgky.kinetic.boltzmann.level", {}),
    "navier_stokes": ("bbgky.hydro.level", {"level": "navier_stokes"}),
    "euler": ("bbgky.hydro.level", {"level": "euler"}),
}

Progress = Callable[[str, int, int], None]


@dataclass
class RunResult:
    out: Path
    datasets: dict[str, xr.Dataset] = field(default_factory=dict)
    wall_seconds: dict[str, float] = field(default_factory=dict)
    report: Path | None = None


def default_out(cfg: Config) -> Path:
    """``runs/<title>-<time>`` with the title made filesystem-safe."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", cfg.title).strip("-").lower() or "run"
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
    for name in LEVELS:
        check = getattr(_level_module(name), "check", None) if name in cfg.levels.enabled() else None
        try:
            if check is not None:
                check(cfg)
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)


def available_levels() -> list[str]:
    return [name for name, (module, _) in LEVELS.items() if importlib.util.find_spec(module) is not None]


def run(cfg: Config, out: Path | None = None, *, resume: bool = False,
        progress: Progress | None = None, report: bool = True) -> RunResult:
    """Run every enabled level in float64, write ``<level>.nc`` files and the report."""
    caches.enable()  # compiled kernels persist in the user's cache folder (a second run starts fast)
    enable_float64()
    out = Path(out) if out is not None else default_out(cfg)
    enabled = cfg.levels.enabled()
    runners = {name: level_runner(name) for name in LEVELS if name in enabled}  # fail before running
    check_levels(cfg)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.toml").write_text(to_toml(cfg))
    result = RunResult(out)
    for name, runner in runners.items():
        start = _time.perf_counter()
        cb = (lambda done, total, _n=name: progress(_n, done, total)) if progress else None
        result.datasets[name] = runner(cfg, out, resume=resume, progress=cb)
        result.wall_seconds[name] = _time.perf_counter() - start
    studies = run_studies(cfg, out)
    if report:
        from .report import write_report

        result.report = write_report(cfg, result.datasets, out, wall_seconds=result.wall_seconds,
                                     studies=studies)
    return result


def run_studies(cfg: Config, out: Path) -> dict[str, xr.Dataset]:
    """Limit studies a configuration asks for (several runs of one level), saved as netCDF."""
    studies: dict[str, xr.Dataset] = {}
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
