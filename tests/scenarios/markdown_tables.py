"""Markdown tables of a report, parsed by a real markdown parser (markdown-it-py, GFM tables)."""

from markdown_it import MarkdownIt


def tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every table as (header cells, body rows), cell text as rendered (``\\|`` unescaped)."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    out, head, rows, row, cell, part = [], [], [], None, None, None
    for tok in tokens:
        if tok.type == "table_open":
            head, rows = [], []
        elif tok.type == "thead_open":
            part = "head"
        elif tok.type == "tbody_open":
            part = "body"
        elif tok.type == "tr_open":
            row = []
        elif tok.type in ("th_open", "td_open"):
            cell = ""
        elif tok.type == "inline" and cell is not None:
            cell = tok.content.replace("\\|", "|")
        elif tok.type in ("th_close", "td_close"):
            row.append(cell)
            cell = None
        elif tok.type == "tr_close":
            (head.extend if part == "head" else rows.append)(row)
        elif tok.type == "table_close":
            out.append((head, rows))
    return out


def table_after(text: str, heading: str) -> tuple[list[str], list[list[str]]]:
    """The first table of the section ``## heading``."""
    return tables("## " + text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0])[0]
