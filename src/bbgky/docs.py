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
    ("[thermostat]", config.Thermostat),
    ("[levels.particles]", config.ParticlesLevel),
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
             "A configuration is a TOML file; unknown keys are errors. Each `[levels.X]` table that is "
             "present enables that level (without any `[levels]` table, only the particle level runs). "
             "Cross-field checks: `time.step ≤ time.save_every`; the flow's singular time t* "
             "(det(I + tA) = 0) must lie after `time.end`; at the particle level the cut-off (times "
             "`interaction.range` under Boltzmann–Grad scaling) plus the skin must not exceed half the "
             "initial cell width (N/ρ0)^(1/d).", ""]
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
