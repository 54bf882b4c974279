"""Report building blocks: a :class:`Section`, number formatting, and the two renderings.

Shared by :mod:`.report` and the modules that contribute sections (:mod:`.knudsen`,
:mod:`.particles_kinetic`, :mod:`.reductions`), so that none of them imports the report itself.
``report.md`` escapes ``|`` inside table cells (so ⟨|w|²⟩ does not split a column);
``report.html`` inlines its PNG images as base64 so that it opens offline on its own.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass
class Section:
    heading: str
    text: list[str] = field(default_factory=list)
    table: tuple[list[str], list[list[str]]] | None = None
    images: list[str] = field(default_factory=list)
    #: free lines after the table (references, footnotes), rendered verbatim as paragraphs
    after: list[str] = field(default_factory=list)


def unavailable(heading: str, why: str) -> Section:
    """A section that could not be computed for this run, saying why."""
    return Section(heading, [f"Not computed for this run: {why}"])


def fmt(x: float | None, digits: int = 4) -> str:
    """``digits`` significant figures, "—" for a missing or non-finite number."""
    if x is None:
        return "—"
    x = float(x)
    return "—" if not np.isfinite(x) else f"{x:.{digits}g}"


def pm(value: float, err: float, digits: int = 4) -> str:
    """ "value ± err" (just the value when the error is unknown)."""
    return (
        f"{fmt(value, digits)} ± {fmt(err, 2)}"
        if err is not None and np.isfinite(err)
        else fmt(value, digits)
    )


_UNIT_WORDS = (
    ("k_B-1", "/k_B"),
    ("sigma-d", "σ^-d"),
    ("sigma-1", "σ^-1"),
    ("sigma-2", "σ^-2"),
    ("sigma", "σ"),
    ("epsilon", "ε"),
    ("1/2", "½"),
)


def units(text: str | None, dimension: int = 3) -> str:
    """A CF ``units`` string in reduced-unit symbols: 'epsilon sigma-d' → 'ε σ^-3'."""
    if not text or text == "1":
        return "dimensionless"
    for word, symbol in _UNIT_WORDS:
        text = text.replace(word, symbol)
    return text.replace("^-d", f"^-{dimension}")


def label(name: str, var=None, dimension: int = 3) -> str:
    """An axis label 'name [units]' from a DataArray's ``units`` attribute."""
    return f"{name}  [{units(getattr(var, 'attrs', {}).get('units'), dimension)}]"


#: the reduced units every plot uses (lengths σ, energies ε, k_B = 1, mass m)
TIME_LABEL = "t  [σ (m/ε)^½]"


def md_cell(text: str) -> str:
    """A markdown table cell: ``|`` escaped, no line breaks."""
    return str(text).replace("|", r"\|").replace("\n", " ")


def render_markdown(title: str, sections: list[Section]) -> str:
    lines = [f"# {title}", ""]
    for s in sections:
        lines += [f"## {s.heading}", ""]
        for t in s.text:
            lines += [t, ""]
        if s.table:
            head, rows = s.table
            lines += ["| " + " | ".join(md_cell(h) for h in head) + " |", "|" + "---|" * len(head)]
            lines += ["| " + " | ".join(md_cell(c) for c in r) + " |" for r in rows]
            lines.append("")
        lines += [f"![{img}]({img})" for img in s.images]
        lines.append("")
        for t in s.after:
            lines += [t, ""]
    return "\n".join(lines)


def _inline(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def render_html(title: str, sections: list[Section], folder: Path, footer: str = "") -> str:
    """One self-contained page: styles inline, images as data URIs (no file next to it needed)."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}"
        "table{border-collapse:collapse;font-size:90%;margin:0.6em 0}"
        "td,th{border:1px solid #aaa;padding:3px 7px;vertical-align:top}th{background:#eee}"
        "img{max-width:100%}p.ref{font-size:85%;margin:0.2em 0}</style>",
        f"</head><body><h1>{e(title)}</h1>",
    ]
    for s in sections:
        parts.append(f"<h2>{e(s.heading)}</h2>")
        parts += [f"<p>{e(t)}</p>" for t in s.text]
        if s.table:
            head, rows = s.table
            parts.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>")
            parts += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows]
            parts.append("</table>")
        for img in s.images:
            path = Path(folder) / img
            src = _inline(path) if path.is_file() else e(img)
            parts.append(
                f"<figure><img src='{src}' alt='{e(img)}'><figcaption>{e(img)}</figcaption></figure>"
            )
        parts += [f"<p class='ref'>{e(t)}</p>" for t in s.after]
    parts.append(f"<p><small>{e(footer)}</small></p></body></html>")
    return "\n".join(parts)


__all__ = [
    "TIME_LABEL",
    "Section",
    "fmt",
    "label",
    "md_cell",
    "pm",
    "render_html",
    "render_markdown",
    "unavailable",
    "units",
]
