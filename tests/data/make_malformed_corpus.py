"""Generate ``malformed_configs.json``: configurations that ``bbgky validate`` must refuse (exit 2)
with the named key, one entry per case: ``{"category", "key", "toml"}`` (or ``"bytes_b64"`` for
files that are not UTF-8 text).

Run ``python tests/data/make_malformed_corpus.py`` after a schema change: the numeric fields are
read from the pydantic models, so a new field gets its wrong-type, non-finite and out-of-bounds
cases without editing this script. ``tests/test_malformed_corpus.py`` checks every entry.
"""

from __future__ import annotations

import base64
import json
import typing
from pathlib import Path

from bbgky import config as C

HERE = Path(__file__).parent

#: a valid configuration for each table to live in: the level tables are enabled beside a setting
#: they accept, so that only the mutated value is wrong.
CONTEXT = {
    "system": {},
    "interaction": {},
    "flow": {"flow": {"kind": "simple_shear", "rate": 0.1}},
    "time": {},
    "initial": {},
    "levels.particles": {},
    "levels.boltzmann": {"interaction": {"potential": "hard_sphere"}, "levels": {"boltzmann": {}}},
    "levels.vlasov": {"system": {"dimension": 1, "density": 1.0},
                      "interaction": {"potential": "coulomb", "scaling": "mean_field"},
                      "initial": {"kind": "landau"}, "levels": {"vlasov": {}}},
    "levels.navier_stokes": {"levels": {"navier_stokes": {}}},
    "levels.euler": {"levels": {"euler": {}}},
}


def _table(annotation) -> type | None:
    for a in (annotation, *typing.get_args(annotation)):
        if isinstance(a, type) and issubclass(a, C._Table):
            return a
    return None


def _models() -> dict[str, type]:
    """Every table of the schema (new tables included), ``levels.X`` for the level tables."""
    out = {}
    for name, field in C.Config.model_fields.items():
        model = _table(field.annotation)
        if model is C.Levels:
            out |= {f"levels.{k}": _table(f.annotation) for k, f in C.Levels.model_fields.items()}
        elif model is not None:
            out[name] = model
    return out


def _kind(annotation) -> str | None:
    """'int', 'float', 'list' (of numbers) or None for a field's annotation."""
    text = repr(annotation)
    if "list" in text:
        return "list"
    if "Literal" in text:
        return "literal"
    if "int" in text:
        return "int"
    if "float" in text:
        return "float"
    return None


def toml_value(v) -> str:
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string is a TOML basic string (control characters escaped)
    return C._toml_value(v)


def render(data: dict) -> str:
    """A (nested) mapping as TOML text: scalars first, then sub-tables."""
    lines: list[str] = []

    def emit(prefix, table):
        scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
        subs = {k: v for k, v in table.items() if isinstance(v, dict)}
        if prefix:
            lines.append(f"[{prefix}]")
        for k, v in scalars.items():
            bare = k.replace("_", "").replace("-", "").isalnum()
            lines.append(f"{k if bare else json.dumps(k)} = {v if isinstance(v, _Raw) else toml_value(v)}")
        for k, v in subs.items():
            emit(f"{prefix}.{k}" if prefix else k, v)

    emit("", data)
    return "\n".join(lines) + "\n"


class _Raw(str):
    """A value written into the TOML text as is."""


def merge(base: dict, table: str, key: str, value) -> dict:
    import copy

    data = copy.deepcopy(base)
    node = data
    for part in table.split("."):
        node = node.setdefault(part, {})
    node[key] = value
    return data


def field_cases() -> list[dict]:
    cases = []
    for table, model in _models().items():
        base = CONTEXT.get(table, {})
        for key, field in model.model_fields.items():
            kind = _kind(field.annotation)
            full = f"{table}.{key}"

            def add(category, value, _t=table, _k=key, _f=full, _b=base):
                cases.append({"category": category, "key": _f, "toml": render(merge(_b, _t, _k, value))})

            if kind in ("int", "float"):
                add("wrong_type_string", "64" if kind == "int" else "1.5")
                add("wrong_type_boolean", True)
                add("non_finite", _Raw("inf"))
                add("non_finite", _Raw("nan"))
                add("huge", _Raw("1e300") if kind == "float" else 2**64)
                if kind == "int":
                    add("wrong_type_float", 2.0)
                    add("huge", 10**30)
                else:
                    add("non_finite", _Raw("-inf"))
                    add("tiny", _Raw("1e-300"))
            elif kind == "literal":
                add("wrong_type_boolean", True)
                add("markup_and_control", "[bold]x[/bold]\u001b[31m")
                add("bad_choice", "no_such_choice")
            elif kind == "list":
                add("non_finite_in_list", _Raw("[[1.0, nan], [inf, 1.0]]" if "list[list" in
                                               repr(field.annotation) else "[1.0, nan]"))
                add("wrong_type_in_list", _Raw('["a", "b"]'))
            add_unknown = f"{key}_typo"
            cases.append({"category": "unknown_key", "key": f"{table}.{add_unknown}",
                          "toml": render(merge(base, table, add_unknown, 1))})
    return cases


def targeted_cases() -> list[dict]:
    """Out-of-range values, sizes beyond memory, run lengths, cross-field and level checks."""
    B = CONTEXT["levels.boltzmann"]
    V = CONTEXT["levels.vlasov"]
    specs = [
        ("out_of_range", "system.density", {"system": {"density": -1.0}}),
        ("out_of_range", "system.particles", {"system": {"particles": 1}}),
        ("out_of_range", "system.dimension", {"system": {"dimension": 4}}),
        ("out_of_range", "system.seed", {"system": {"seed": -1}}),
        ("out_of_range", "system.temperature", {"system": {"temperature": 0.0}}),
        ("out_of_range", "time.step", {"time": {"step": -0.1}}),
        ("out_of_range", "interaction.exponent", {"interaction": {"exponent": 2.0}}),
        ("out_of_range", "levels.particles.threads", {"levels": {"particles": {"threads": 0}}}),
        ("out_of_range", "levels.boltzmann.grid", {**B, "levels": {"boltzmann": {"grid": 4}}}),
        ("out_of_range", "levels.boltzmann.replicas", {**B, "levels": {"boltzmann": {"replicas": 0}}}),
        ("out_of_range", "levels.boltzmann.collision_fraction",
         {**B, "levels": {"boltzmann": {"collision_fraction": 0.9}}}),
        ("out_of_range", "levels.vlasov.grid", {**V, "levels": {"vlasov": {"grid": [4, 8]}}}),
        ("out_of_range", "levels.vlasov.grid", {**V, "levels": {"vlasov": {"grid": [17, 32]}}}),
        ("out_of_range", "levels.vlasov.stability_limit",
         {**V, "levels": {"vlasov": {"stability_limit": 2.0}}}),
        ("memory", "system.particles", {"system": {"particles": 10**9}}),
        ("memory", "system.particles", {"system": {"particles": 2_000_000_000}}),
        ("memory", "system.particles", {"system": {"particles": 100_000},
                                        "interaction": {"scaling": "mean_field"}}),
        ("memory", "levels.boltzmann.samples", {**B, "levels": {"boltzmann": {"samples": 10**9}}}),
        ("memory", "levels.boltzmann.samples",
         {**B, "levels": {"boltzmann": {"samples": 10**8, "replicas": 1000}}}),
        ("memory", "levels.vlasov.grid",
         {"system": {"dimension": 2, "density": 1.0}, "interaction": {"potential": "gaussian"},
          "initial": {"kind": "maxwellian"}, "levels": {"vlasov": {"grid": [4096, 4096, 4096, 4096]}}}),
        ("memory", "levels.vlasov.particles", {**V, "levels": {"vlasov": {"particles": 1_000_000_000}}}),
        ("memory", "levels.vlasov.particles",
         {**V, "levels": {"vlasov": {"initial_samples": 2_000_000_000}}}),
        ("run_length", "time.step", {"time": {"step": 1e-11, "save_every": 1e-11, "end": 10.0}}),
        ("run_length", "time.save_every", {"time": {"step": 1e-4, "save_every": 1e-4, "end": 100.0}}),
        ("run_length", "initial.equilibration",
         {"initial": {"equilibration": 1e6}, "time": {"step": 1e-3, "save_every": 0.1}}),
        ("run_length", "system.density", {**B, "system": {"density": 1e9}}),
        ("run_length", "system.density", {**B, "system": {"density": 1e11}}),
        ("no_silent_rounding", "time.save_every", {"time": {"step": 0.004, "save_every": 0.05, "end": 2.0}}),
        ("no_silent_rounding", "time.save_every", {"time": {"step": 0.003, "save_every": 0.1}}),
        ("no_silent_rounding", "time.end", {"time": {"step": 0.005, "save_every": 0.1, "end": 2.05}}),
        ("no_silent_rounding", "time.end", {"time": {"step": 0.01, "save_every": 0.3, "end": 1.0}}),
        ("cross_field", "time.step", {"time": {"step": 0.5, "save_every": 0.1}}),
        ("cross_field", "time.step", {"time": {"step": 1.0, "save_every": 1.0, "end": 0.5}}),
        ("cross_field", "time.end",
         {"flow": {"kind": "planar_extension", "rate": 0.5}, "time": {"end": 3.0}}),
        ("cross_field", "time.end", {"flow": {"kind": "isotropic_expansion", "rate": -0.5},
                                     "time": {"end": 3.0}}),
        ("cross_field", "time.end",
         {"flow": {"kind": "planar_extension", "rate": 0.2}, "time": {"end": 4.5}}),
        ("cross_field", "flow.matrix", {"flow": {"kind": "matrix", "matrix": [[0.0, 1.0], [0.0, 0.0]]}}),
        ("cross_field", "flow.matrix", {"flow": {"kind": "matrix"}}),
        ("cross_field", "flow.kind", {"system": {"dimension": 2},
                                      "flow": {"kind": "uniaxial_extension", "rate": 0.1}}),
        ("cross_field", "interaction.range", {"interaction": {"scaling": "boltzmann_grad"}}),
        ("cross_field", "interaction.cutoff", {"system": {"particles": 10, "density": 0.9},
                                               "interaction": {"potential": "lj"}}),
        ("cross_field", "time.step", {"system": {"particles": 500, "density": 10.0},
                                      "interaction": {"scaling": "boltzmann_grad", "range": 0.05}}),
        ("level_check", "system.dimension",
         {"system": {"dimension": 2}, "levels": {"particles": {}, "navier_stokes": {}}}),
        ("level_check", "system.dimension", {"system": {"dimension": 1}, **B}),
        ("level_check", "system.dimension", {**V, "system": {"dimension": 3}}),
        ("level_check", "interaction.potential", {"interaction": {"potential": "maxwell"}}),
        ("level_check", "interaction.potential", {"interaction": {"potential": "gaussian"},
                                                  "levels": {"navier_stokes": {}}}),
        ("level_check", "initial.kind", {"initial": {"kind": "bkw"}}),
        ("level_check", "initial.kind", {**B, "initial": {"kind": "landau"}}),
        ("level_check", "initial.path", {"initial": {"kind": "file", "path": "/no/such/file.xyz"}}),
        ("level_check", "initial.path", {"initial": {"kind": "file", "path": "/etc/passwd"}}),
        ("level_check", "initial.temperature_tensor", {**B, "initial": {"kind": "anisotropic"}}),
        ("level_check", "initial.temperature_tensor",
         {**B, "initial": {"kind": "anisotropic",
                           "temperature_tensor": [[1.0, 0, 0], [0, -1.0, 0], [0, 0, 1.0]]}}),
        ("level_check", "levels.boltzmann.method",
         {**B, "levels": {"boltzmann": {"method": "moments"}}}),
        ("level_check", "levels.vlasov.velocity_max", {**V, "levels": {"vlasov": {"velocity_max": 1.0}}}),
        ("level_check", "interaction.scaling",
         {**V, "interaction": {"potential": "coulomb", "scaling": "boltzmann_grad", "range": 0.1}}),
        ("level_check", "time.step", {**V, "time": {"step": 2.0, "save_every": 2.0, "end": 10.0}}),
        ("level_check", "levels.vlasov.grid", {**V, "levels": {"vlasov": {"grid": [16, 16, 16, 16]}}}),
        ("level_check", "initial.wavenumber", {**V, "initial": {"kind": "landau", "wavenumber": 0.5},
                                               "levels": {"vlasov": {"box_length": 3.0}}}),
        ("unknown_key", "bogus", {"bogus": 1}),
        ("unknown_key", "levels.hydro", {"levels": {"hydro": {}}}),
        ("wrong_type_table", "system", {"system": _Raw('"not a table"')}),
        ("wrong_type_table", "levels.particles", {"levels": {"particles": _Raw("3")}}),
        ("markup_and_control", "interaction.potential", {"interaction": {"potential": "[/bold]"}}),
        ("markup_and_control", "system.[red]x[/red]", {"system": {"[red]x[/red]": 1}}),
        ("markup_and_control", "title", {"title": 5}),
    ]
    return [{"category": c, "key": k, "toml": render(d)} for c, k, d in specs]


def file_cases() -> list[dict]:
    """Files that are not UTF-8 TOML at all: key CONFIG, or the deep key."""
    utf16 = '[system]\nparticles = 64\n'.encode("utf-16")
    raw = [
        ("binary", bytes(range(256))),
        ("binary", b"\x00\x01\x02garbage\xff\xfe"),
        ("binary", b"PK\x03\x04" + bytes(60)),
        ("utf16", utf16),
        ("utf16", '[time]\nend = 1.0\n'.encode("utf-16-be")),
        ("not_toml", b"this is not toml"),
        ("not_toml", b"[system\nparticles = 3\n"),
        ("not_toml", b"{\"system\": {\"particles\": 64}}"),
        ("not_toml", b"system:\n  particles: 64\n"),
        ("not_toml", b"[system]\nparticles = 64\nparticles = 65\n"),
    ]
    out = [{"category": c, "key": "CONFIG", "bytes_b64": base64.b64encode(d).decode()} for c, d in raw]
    out += [  # nested beyond config.MAX_DEPTH (the key is named), or beyond what the parser recurses
        {"category": "deep_nesting", "key": "x", "toml": "x = " + "[" * 40 + "]" * 40 + "\n"},
        {"category": "deep_nesting", "key": "a", "toml": "a" + ".a" * 30 + " = 1\n"},
        {"category": "deep_nesting", "key": "CONFIG", "toml": "x = " + "[" * 3000 + "]" * 3000 + "\n"},
    ]
    return out


def main() -> None:
    cases = field_cases() + targeted_cases() + file_cases()
    path = HERE / "malformed_configs.json"
    path.write_text(json.dumps(cases, indent=0, ensure_ascii=True) + "\n")
    counts: dict[str, int] = {}
    for c in cases:
        counts[c["category"]] = counts.get(c["category"], 0) + 1
    print(f"wrote {len(cases)} cases to {path}")
    for k, v in sorted(counts.items()):
        print(f"  {k:22s} {v}")


if __name__ == "__main__":
    main()
