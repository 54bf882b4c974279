"""The bundled scenarios (``bbgky examples``, ``bbgky run --example NAME``)."""

from __future__ import annotations

import tomllib
from importlib import resources

from ..config import Config, validate
from ..errors import ConfigError


def _folder():
    return resources.files("bbgky.scenarios") / "examples"


def names() -> list[str]:
    return sorted(p.name.removesuffix(".toml") for p in _folder().iterdir() if p.name.endswith(".toml"))


def text(name: str) -> str:
    path = _folder() / f"{name}.toml"
    if name not in names():  # a bundled name, never a path
        raise ConfigError([("--example", f"unknown example {name!r}; available: {', '.join(names())}")])
    return path.read_text()


def load(name: str) -> Config:
    return validate(tomllib.loads(text(name)))


def levels(name: str) -> list[str]:
    """The levels the example runs, bottom of the hierarchy first."""
    return load(name).levels.enabled()


def run_time(name: str) -> str:
    """The example's expected wall time, from its ``# expected run time: …`` comment ("?" if none)."""
    key = "# expected run time:"
    return next((line[len(key):].strip() for line in text(name).splitlines() if line.startswith(key)), "?")


def summary(name: str) -> str:
    """The example's title and the first comment line after it."""
    first = next((line.lstrip("# ").strip() for line in text(name).splitlines()
                  if line.startswith("#") and not line.startswith("# expected run time:")), "")
    return f"{load(name).title} — {first}" if first else load(name).title
