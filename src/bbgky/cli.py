"""The ``bbgky`` command line (INTERFACE.md): run, validate, examples, transport, --version.

Exit status: 0 success; 2 invalid input (every problem named with its key and the allowed range,
no traceback; also an unreadable configuration or an output folder that cannot be created);
3 a failure during a run (numerical: what, when, and the last good checkpoint; or a file that
could not be written, with its path); 130 interrupted (SIGINT, Ctrl-C) and 143 terminated
(SIGTERM): the last checkpoint is intact and the message gives the ``--resume`` command.
Text from the user (titles, keys, paths) is printed literally: no rich markup is interpreted and
control characters are shown escaped.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from . import __version__
from .errors import ConfigError, NumericalFailure

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="bbgky — one configured system at every level of the BBGKY hierarchy.")
out_console = Console()
err_console = Console(stderr=True)


def literal(text: object) -> Text:
    """User text as a rich Text: markup is not interpreted and control characters (ANSI escapes
    included) are shown as escapes, so nothing from a configuration drives the terminal."""
    raw = str(text)
    safe = "".join(c if c == "\n" or c.isprintable() else repr(c)[1:-1] for c in raw)
    return Text(safe)


def _say(console: Console, label: str, message: object) -> None:
    console.print(Text(label, style="bold red") + literal(message), highlight=False, soft_wrap=True)


def _fail(exc: ConfigError | NumericalFailure) -> None:
    if isinstance(exc, ConfigError):
        _say(err_console, "error: ", exc.render())
    else:
        partial = getattr(exc, "partial", None)
        partial = f"\nresults up to the last good save: {partial}" if partial else ""
        _say(err_console, "numerical failure: ", f"{exc}{partial}")
    raise typer.Exit(exc.exit_status)


class _Terminated(Exception):
    """SIGTERM during a run (turned into an exception so that the run unwinds like on Ctrl-C)."""


def _on_sigterm(signum, frame):  # pragma: no cover - exercised by a subprocess test
    raise _Terminated


def _interrupted(out: Path, config: Path | None, example: str | None, status: int) -> None:
    from .driver import checkpoint_files

    what = "interrupted (SIGINT)" if status == 130 else "terminated (SIGTERM)"
    found = checkpoint_files(out)
    if found:
        source = f"--example {example}" if example else str(config)
        msg = (f"{what}. The last checkpoint is intact: {', '.join(str(p) for p in found)}\n"
               f"resume with: bbgky run {source} --out {out} --resume")
    else:
        msg = f"{what} before the first checkpoint was written; nothing to resume in {out}"
    _say(err_console, "stopped: ", msg)
    raise typer.Exit(status)


def _version(value: bool) -> None:
    if value:
        out_console.print(f"bbgky {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                help="Print the version and exit.")] = False) -> None:
    """bbgky — particles, kinetic equations and hydrodynamics of one system, side by side."""


class _Bars:
    """One rich progress bar per level: steps done, steps/s, time left."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, level: str, done: int, total: int) -> None:
        if level not in self.tasks:
            self.tasks[level] = self.progress.add_task(level, total=total)
        self.progress.update(self.tasks[level], completed=done)


class _RateColumn(TextColumn):
    """Steps per second, from rich's own running estimate."""

    def __init__(self) -> None:
        super().__init__("")

    def render(self, task):
        from rich.text import Text

        return Text(f"{task.speed:,.0f} steps/s" if task.speed else "… steps/s")


@app.command()
def run(config: Annotated[Path | None, typer.Argument(help="TOML configuration")] = None,
        out: Annotated[Path | None, typer.Option("--out", help="output folder (default runs/<title>-<time>)")]
        = None,
        resume: Annotated[bool, typer.Option("--resume", help="continue from OUT/checkpoint")] = False,
        example: Annotated[str | None, typer.Option("--example", help="run a bundled scenario")] = None,
        ) -> None:
    """Run every level the configuration enables; write netCDF files and the report."""
    from . import caches

    caches.enable()  # before anything imports numba: NUMBA_CACHE_DIR is read at its import
    from .config import load
    from .scenarios import examples
    from .scenarios.runner import check_levels, default_out
    from .scenarios.runner import run as run_scenario

    try:
        if (config is None) == (example is None):
            raise ConfigError([("CONFIG", "give exactly one of a configuration file or --example NAME "
                                f"(examples: {', '.join(examples.names())})")])
        cfg = examples.load(example) if example else load(config)
        check_levels(cfg)
        if out is not None and out.exists() and not out.is_dir():
            raise ConfigError([("--out", f"{out} exists and is not a folder")])
        if resume:
            from .driver import resume_problems

            if out is None:
                raise ConfigError([("--resume", "needs --out pointing to the folder of an earlier run")])
            resume_problems(cfg, out)
        out = out if out is not None else default_out(cfg)
    except ConfigError as exc:
        _fail(exc)
    progress = Progress(TextColumn("[bold]{task.description:>13}"), BarColumn(),
                        TextColumn("{task.completed}/{task.total} steps"), _RateColumn(),
                        TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                        console=err_console)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        with progress:
            result = run_scenario(cfg, out, resume=resume, progress=_Bars(progress), checked=True)
    except (ConfigError, NumericalFailure) as exc:
        _fail(exc)
    except KeyboardInterrupt:
        _interrupted(out, config, example, 130)
    except _Terminated:
        _interrupted(out, config, example, 143)
    except OSError as exc:
        where = exc.filename or out
        _say(err_console, "error: ", f"could not write {where}: {exc.strerror or exc} (during the run; "
             f"outputs written so far are in {out})")
        raise typer.Exit(3) from None
    except Exception as exc:  # the contract: exit 0, 2 or 3, never a traceback
        if os.environ.get("BBGKY_DEBUG"):
            raise
        _say(err_console, "internal error: ", f"{type(exc).__name__}: {exc} (a bug: please report it with "
             f"the configuration; BBGKY_DEBUG=1 shows the traceback; outputs so far are in {out})")
        raise typer.Exit(3) from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    table = Table(title=literal(f"{cfg.title} → {result.out}"))
    for col in ("level", "file", "saves", "θ(end)", "wall s"):
        table.add_column(col)
    for name, ds in result.datasets.items():
        table.add_row(name, f"{name}.nc", str(ds.sizes["time"]), f"{float(ds.temperature[-1]):.6g}",
                      f"{result.wall_seconds[name]:.1f}")
    out_console.print(table)
    others = sorted(p.name for p in Path(result.out).glob("*.nc") if p.stem not in result.datasets)
    if others:  # e.g. statistics.nc: no θ(end) row, but a user must see it was written
        out_console.print(literal(f"also written: {', '.join(others)}"))
    if result.report is not None:
        out_console.print(literal(f"report: {result.report} (and report.html)"))


@app.command()
def validate(config: Annotated[Path, typer.Argument(help="TOML configuration")]) -> None:
    """Check a configuration; print every problem with its key. Changes nothing."""
    from .config import load
    from .scenarios.runner import check_levels

    try:
        cfg = load(config)
        check_levels(cfg)
    except ConfigError as exc:
        _fail(exc)
    out_console.print(literal(f"{config}: valid — levels {', '.join(cfg.levels.enabled()) or 'none'}"))


@app.command()
def examples(show: Annotated[str | None, typer.Option("--show", help="print one example's TOML")] = None,
             ) -> None:
    """List the bundled scenarios (run one with `bbgky run --example NAME`)."""
    from .scenarios import examples as ex

    try:
        if show is not None:
            if show not in ex.names():  # a bundled name, never a path
                raise ConfigError([("--show", f"unknown example {show!r}; available: "
                                    f"{', '.join(ex.names())}")])
            sys.stdout.write(ex.text(show))
            return
        table = Table(title="bundled scenarios (run time: measured on a shared, loaded 2-core machine)")
        for col in ("name", "levels", "run time", "what"):
            table.add_column(col)
        for name in ex.names():
            table.add_row(name, ", ".join(ex.levels(name)), ex.run_time(name), literal(ex.summary(name)))
        out_console.print(table)
    except ConfigError as exc:
        _fail(exc)


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def transport(ctx: typer.Context,
              potential: Annotated[str, typer.Option("--potential", help="potential or kernel name")],
              temperature: Annotated[list[float] | None, typer.Option(
                  "--temperature", help="reduced temperatures T* = k_B T/ε (several may follow)")] = None,
              sonine_order: Annotated[int | None, typer.Option(
                  "--sonine-order", help="Sonine order (1..12; default 8: converged to ≤ 6e-7)")] = None,
              as_json: Annotated[bool, typer.Option("--json", help="print JSON records")] = False) -> None:
    """Chapman–Enskog viscosity, thermal conductivity and Ω^(2,2)* of a potential or kernel."""
    try:
        temps = list(temperature or [1.0])
        for extra in ctx.args:
            try:
                temps.append(float(extra))
            except ValueError:
                raise ConfigError([("--temperature", f"{extra!r} is not a number")]) from None
        try:
            from .models.transport import transport_table
        except ModuleNotFoundError:
            raise ConfigError([("transport", "not available in this version of bbgky")]) from None
        try:
            from .models.chapman_enskog import DEFAULT_SONINE_ORDER

            order = DEFAULT_SONINE_ORDER if sonine_order is None else sonine_order
            records = transport_table(potential, temps, sonine_order=order)
        except ConfigError as exc:  # name the command-line option, not the Python argument
            raise ConfigError([("--" + key.replace("_", "-"), msg) for key, msg in exc.problems]) from None
    except ConfigError as exc:
        _fail(exc)
    if as_json:
        sys.stdout.write(json.dumps(records, indent=1) + "\n")
        return
    table = Table(title=f"Chapman–Enskog transport: {potential} (Sonine order {order}; δ = truncation "
                  "estimate, the relative change of the factor from order N − 1)")
    for col in ("T*", "viscosity", "thermal conductivity", "Ω(2,2)*", "f_μ", "f_λ", "δ_μ", "δ_λ"):
        table.add_column(col, justify="right")
    for r in records:
        keys = ("temperature", "viscosity", "thermal_conductivity", "omega22")
        table.add_row(*(f"{r[k]:.6g}" for k in keys), f"{r['viscosity_factor']:.7f}",
                      f"{r['conductivity_factor']:.7f}", f"{r['viscosity_truncation']:.1e}",
                      f"{r['conductivity_truncation']:.1e}")
    out_console.print(table)


@app.command()
def cite(run_dir: Annotated[Path, typer.Argument(help="output folder of a run (holds config.toml)")]) -> None:
    """Print the BibTeX of the papers a run used: the source papers and every method of its levels."""
    from . import references
    from .config import load
    from .scenarios.runner import LEVELS

    try:
        if not (run_dir / "config.toml").is_file():
            raise ConfigError([("RUN_DIR", f"{run_dir} holds no config.toml; give the output folder of a "
                                "`bbgky run`")])
        cfg = load(run_dir / "config.toml")
    except ConfigError as exc:
        _fail(exc)
    ran = [name for name in LEVELS if (run_dir / f"{name}.nc").is_file()] or cfg.levels.enabled()
    sys.stdout.write(references.bibtex(references.used_by(cfg, ran)))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
