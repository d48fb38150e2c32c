"""Rows as CSV (the standard library's csv) or Markdown text, for --format csv and markdown."""

from __future__ import annotations

import csv
import io


def csv_text(rows: list[dict]) -> str:
    """A header of the first row's keys, then every row; None as an empty cell."""
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def markdown_text(rows: list[dict]) -> str:
    """A Markdown table of the rows (None as an empty cell)."""
    if not rows:
        return ""
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "|".join("---" for _ in keys) + "|"]
    for row in rows:
        lines.append("| " + " | ".join("" if row[k] is None else str(row[k]) for k in keys) + " |")
    return "\n".join(lines) + "\n"
