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


def summary(name: str) -> str:
    """The example's title and the first comment line after it."""
    first = next((line.lstrip("# ").strip() for line in text(name).splitlines() if line.startswith("#")), "")
    return f"{load(name).title} — {first}" if first else load(name).title
