"""The configuration reference, generated from the pydantic models (``docs/configuration.md``)."""

from __future__ import annotations

import types
import typing

from pydantic import BaseModel

from . import config

TABLES: list[tuple[str, type[BaseModel]]] = [
    ("(top level)", config.Config),
    ("[system]", config.System),
    ("[interaction]", config.Interaction),
    ("[flow]", config.Flow),
    ("[time]", config.Time),
    ("[initial]", config.Initial),
    ("[ensemble]", config.Ensemble),
    ("[output]", config.Output),
    ("[thermostat]", config.Thermostat),
    ("[external]", config.External),
    ("[levels.particles]", config.ParticlesLevel),
    ("[levels.statistics]", config.StatisticsLevel),
    ("[levels.boltzmann]", config.BoltzmannLevel),
    ("[levels.vlasov]", config.VlasovLevel),
    ("[levels.navier_stokes] / [levels.euler]", config.HydroLevel),
]


def _type(ann) -> str:
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a!r}`".replace("'", '"') for a in args)
    if origin is typing.Annotated:
        return _type(args[0])
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join("unset" if a is type(None) else _type(a) for a in args)
    return (getattr(ann, "__name__", None) or str(ann)).replace("|", "\\|")


def _is_table(ann) -> bool:
    return any(isinstance(a, type) and issubclass(a, BaseModel) for a in (ann, *typing.get_args(ann)))


def _constraints(field) -> str:
    parts = []
    metadata = list(field.metadata)
    for arg in typing.get_args(field.annotation):  # Optional[Annotated[...]] keeps them inside
        metadata += list(getattr(arg, "__metadata__", ()))
    for m in metadata:
        for name, sym in (("gt", ">"), ("ge", "≥"), ("lt", "<"), ("le", "≤")):
            v = getattr(m, name, None)
            if v is not None:
                parts.append(f"{sym} {v}")
    return ", ".join(parts)


def configuration_reference() -> str:
    lines = ["# Configuration reference", "",
             "Generated from the pydantic models in `src/bbgky/config.py` by "
             "`python docs/gen_config_reference.py`; do not edit by hand.", "",
             "A configuration is a UTF-8 TOML file (at most 1 MB, nested at most 12 deep); unknown keys "
             "are errors. Each `[levels.X]` table that is "
             "present enables that level (without any `[levels]` table, only the particle level runs). "
             "Types are strict: `\"64\"`, `true` or `64.0` where an integer is expected (or a string or "
             "boolean where a number is) are refused, not converted. Every number, also inside arrays, "
             "is finite, 0 or between 1e-12 and 1e12 in magnitude, and integers are at most 2³¹ − 1 "
             "(on top of the bounds in the tables below). "
             "Cross-field checks: `time.step ≤ time.save_every`; `save_every` is a whole number of "
             "steps and `end` a whole number of save intervals (nothing is rounded: other values are "
             "refused with the nearest valid ones); at most 1e8 steps and 100 000 saves; the flow's "
             "singular time t* (det(I + tA) = 0) must lie after `time.end`. Each enabled level then "
             "runs its own checks (`bbgky validate` runs them all): e.g. at the particle level the "
             "cut-off (times `interaction.range` under Boltzmann–Grad scaling) must not exceed half "
             "the initial cell width (N/ρ0)^(1/d) nor, under a flow, half the width of the reduced cell "
             "before `time.end`; every level's estimated memory must stay below "
             "`BBGKY_MEMORY_FRACTION` (default 0.5) of the physical memory. See docs/reliability.md.",
             ""]
    for title, model in TABLES:
        lines += [f"## {title}", "", (model.__doc__ or "").strip(), ""]
        rows = [(name, f) for name, f in model.model_fields.items() if not _is_table(f.annotation)]
        if not rows:
            lines += ["(no keys)", ""]
            continue
        lines += ["| key | type | default | allowed | meaning |", "|---|---|---|---|---|"]
        for name, f in rows:
            default = "" if f.default is None else f"`{f.default!r}`".replace("'", '"')
            lines.append(f"| `{name}` | {_type(f.annotation)} | {default} | {_constraints(f)} | "
                         f"{f.description or ''} |")
        lines.append("")
    return "\n".join(lines)
