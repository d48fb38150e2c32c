"""Tables of rows (dicts) as text and as files: CSV and Markdown for the
terminal, CSV and Parquet files (written atomically) for other tools.
Parquet needs pyarrow (`uv sync --extra parquet`)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from causal_tui.errors import UserError
from causal_tui.store import atomic

FORMATS = ("csv", "parquet")


def csv_text(rows: list[dict], columns: list[str] | None = None) -> str:
    """A header of the columns (the first row's keys), then every row; None as an empty cell."""
    columns = list(columns or (rows[0] if rows else []))
    if not columns:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
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


def check_output(path: Path, force: bool, owned: tuple[Path, ...]) -> None:
    """An export's file is never inside the tool's own folders (out/, dataset/:
    it could replace a model's weights or a split), and never replaces an
    existing file unless asked (--force)."""
    path = Path(path)
    resolved = path.resolve()
    for folder in owned:
        root = Path(folder).resolve()
        if resolved == root or root in resolved.parents:
            raise UserError(f"--output {path} is inside {folder}/, which causal-tui writes: write it elsewhere")
    if os.path.lexists(path):
        if not path.is_file() or path.is_symlink():
            raise UserError(f"--output {path} exists and is not a regular file: refusing to replace it")
        if not force:
            raise UserError(f"--output {path} exists: add --force to replace it")


def write(rows: list[dict], columns: list[str], path: Path, fmt: str | None = None) -> Path:
    """Write the rows to `path` as csv or parquet (from its suffix unless `fmt`
    says), atomically: a crash leaves the old file or the new one."""
    path = Path(path)
    fmt = fmt or path.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise UserError(f"{path}: a table file is .csv or .parquet (or give --format csv|parquet)")
    if fmt == "csv":
        content = csv_text(rows, columns).encode("utf-8")
    else:
        content = _parquet(rows, columns)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_bytes(path, content)
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror or e}") from None
    return path


def _parquet(rows: list[dict], columns: list[str]) -> bytes:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise UserError("--format parquet needs pyarrow: install it with `uv sync --extra parquet`") from None
    table = pa.Table.from_pylist(rows, schema=None) if rows else pa.table({c: [] for c in columns})
    table = table.select(columns)
    buffer = pa.BufferOutputStream()
    pq.write_table(table, buffer)
    return buffer.getvalue().to_pybytes()
