"""The two tiers of errors (STYLE.md §6) and their exit statuses (INTERFACE.md)."""

from __future__ import annotations


class ConfigError(ValueError):
    """Invalid input. Carries every problem found, each as ``(key, message)``; exit status 2."""

    exit_status = 2

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = list(problems)
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"{len(self.problems)} problem(s) in the configuration:"]
        lines += [f"  - {key}: {msg}" for key, msg in self.problems]
        return "\n".join(lines)


class NumericalFailure(RuntimeError):
    """A run-time fault (NaN, blow-up, overflow, a flow singularity); exit status 3.

    The message says what happened, at which step and time, and where the last good checkpoint is.
    """

    exit_status = 3

    def __init__(self, what: str, *, step: int | None = None, time: float | None = None,
                 checkpoint: str | None = None):
        self.what, self.step, self.time, self.checkpoint = what, step, time, checkpoint
        self.records: list = []  # observables of the saves before the failure (set by the driver)
        self.partial: str | None = None  # the netCDF file holding them (set by the scenario runner)
        where = []
        if step is not None:
            where.append(f"step {step}")
        if time is not None:
            where.append(f"t = {time:.6g}")
        msg = what + (f" (at {', '.join(where)})" if where else "")
        if checkpoint:
            msg += f". Last good checkpoint: {checkpoint}"
        super().__init__(msg)
