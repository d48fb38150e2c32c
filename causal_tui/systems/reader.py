"""Reading a causal system from TOML text and checking it.

    name = "seed"
    description = "The original experiment: five inputs, four equations, two sums."
    inputs = ["A", "B", "C", "D", "E"]
    equations = ["newA = A XOR C", "newB = NOT D", "newC = B AND E", "newD = A OR newB"]
    sums = ["sum1 = A + B + C + D + E", "sum2 = newA + newB + newC + newD"]

Every problem is a SystemFileError naming the file, the entry and, inside an
equation, the column; the dashboard's editor also gets the line and column
in the TOML text."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass

from causal_tui.errors import UserError
from causal_tui.systems import expressions
from causal_tui.systems.system import Equation, Sum, System

MAX_INPUTS, MAX_EQUATIONS, MAX_SUMS = 16, 8, 4
"""Up to 16 inputs: every one of the 2^16 = 65,536 states is evaluated exactly (probe, scorecard, spectrum)."""
MAX_SOURCE = 64 * 1024
"""The longest system file read (the bundled ones are under 2 KB)."""
KEYS = ("name", "description", "inputs", "equations", "sums")
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class SystemFileError(UserError):
    """A system file that cannot be used. `line` and `column` (1-based) point
    into the TOML text where that is known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line, self.column = line, column


@dataclass
class _Context:
    where: str
    source: str

    def locate(self, entry: str, column_in_entry: int | None = None) -> tuple[int | None, int | None]:
        """Line and column in the TOML text of an entry's string (and a column in it)."""
        for quote in ('"', "'"):
            at = self.source.find(quote + entry + quote)
            if at >= 0:
                line = self.source.count("\n", 0, at) + 1
                col = at - (self.source.rfind("\n", 0, at) + 1) + 2  # past the quote, 1-based
                return line, col + (column_in_entry - 1 if column_in_entry else 0)
        return None, None

    def error(self, message: str, entry: str | None = None, column: int | None = None) -> SystemFileError:
        line, col = self.locate(entry, column) if entry is not None else (None, None)
        return SystemFileError(f"{self.where}: {message}", line, col)


def parse(source: str, where: str = "<system>", default_name: str = "custom") -> System:
    """Check and build a System from TOML text; SystemFileError says what is wrong."""
    ctx = _Context(where, source)
    table = _read_toml(ctx)
    name, description = table.get("name", default_name), table.get("description", "")
    if not isinstance(name, str) or not isinstance(description, str):
        raise ctx.error('"name" and "description" must be strings')
    for key, text in (("name", name), ("description", description)):
        _printable(ctx, key, text)
    if len(name) > 64 or len(description) > 2_000:
        raise ctx.error('"name" is at most 64 characters and "description" at most 2,000')
    inputs = _string_list(ctx, table, "inputs", 1, MAX_INPUTS)
    equation_texts = _string_list(ctx, table, "equations", 0, MAX_EQUATIONS) if "equations" in table else []
    if not equation_texts:
        raise ctx.error('no "equations": a system needs at least one, e.g. equations = ["y = A AND B"]')
    sum_texts = _string_list(ctx, table, "sums", 0, MAX_SUMS) if "sums" in table else []
    names = _Names(ctx)
    for i, v in enumerate(inputs, start=1):
        names.declare(v, f"input {i}", v)
    equations = _equations(ctx, names, inputs, equation_texts)
    sums = _sums(ctx, names, inputs, equations, sum_texts)
    return System(name=name, description=description, inputs=tuple(inputs), equations=tuple(equations),
                  sums=tuple(sums), source=source)


def _read_toml(ctx: _Context) -> dict:
    """The TOML table, with only the keys a system has, and its inputs."""
    if len(ctx.source) > MAX_SOURCE:
        raise SystemFileError(f"{ctx.where}: {len(ctx.source):,} characters; a system file has at most "
                              f"{MAX_SOURCE:,}")
    try:
        table = tomllib.loads(ctx.source)
    except RecursionError:
        raise SystemFileError(f"{ctx.where}: nested too deeply to be a system file") from None
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        raise SystemFileError(f"{ctx.where}: not valid TOML: {e}",
                              *(map(int, m.groups()) if m else (None, None))) from None
    unknown = [k for k in table if k not in KEYS]
    if unknown:
        raise ctx.error(f"unknown key {unknown[0]!r} (a system has {', '.join(KEYS)})")
    if "inputs" not in table:
        raise ctx.error('no "inputs": list the input names, e.g. inputs = ["A", "B", "C"]')
    return table


class _Names:
    """Every name declared so far (inputs, outputs, sums) and what it is."""

    def __init__(self, ctx: _Context):
        self.ctx, self.seen = ctx, {}

    def declare(self, new: str, what: str, entry: str, column: int | None = None) -> None:
        ctx = self.ctx
        if not NAME.match(new):
            raise ctx.error(f"{what}: {new!r} is not a name (a letter, then letters, digits or _)", entry, column)
        if new.upper() in expressions.OPERATOR_WORDS:
            raise ctx.error(f"{what}: {new!r} is an operator word and cannot be a name", entry, column)
        if new in self.seen:
            raise ctx.error(f"{what}: {new!r} is already {self.seen[new]}", entry, column)
        self.seen[new] = what


def _equations(ctx: _Context, names: _Names, inputs: list[str], texts: list[str]) -> list[Equation]:
    """Each 'name = expression' parsed, reading only inputs and earlier outputs."""
    later = {}
    for i, text in enumerate(texts, start=1):
        lhs = text.split("=", 1)[0].strip()
        if NAME.match(lhs):
            later.setdefault(lhs, i)
    equations: list[Equation] = []
    for i, text in enumerate(texts, start=1):
        label = f"equation {i} ({_short(text)!r})"
        out, expr_text, expr_col = _split(ctx, text, label)
        names.declare(out, label, text, 1 + len(text) - len(text.lstrip()))
        try:
            expr = expressions.parse(expr_text)
        except RecursionError:
            raise ctx.error(f"{label}: nested too deeply", text) from None
        except expressions.ExpressionError as e:
            col = expr_col + (e.column or 1) - 1
            raise ctx.error(f"{label}, column {col}: {e.message}", text, col) from None
        for var in expressions.names(expr):
            col = expr_col + var.column - 1
            if var.name == out:
                raise ctx.error(f"{label}, column {col}: {out} reads itself (a cycle)", text, col)
            if var.name in inputs or var.name in (eq.name for eq in equations):
                continue
            if var.name in later:
                raise ctx.error(f"{label}, column {col}: {var.name} is defined later (equation "
                                f"{later[var.name]}); equations are evaluated in order, so an equation "
                                "reads only inputs and earlier outputs", text, col)
            raise ctx.error(f"{label}, column {col}: unknown name {var.name!r}", text, col)
        equations.append(Equation(out, expr, expr_text.strip()))
    return equations


def _sums(ctx: _Context, names: _Names, inputs: list[str], equations: list[Equation],
          texts: list[str]) -> list[Sum]:
    """Each 'name = term + term': distinct inputs and equation outputs."""
    sums: list[Sum] = []
    outputs = {eq.name for eq in equations}
    for i, text in enumerate(texts, start=1):
        label = f"sum {i} ({_short(text)!r})"
        out, expr_text, expr_col = _split(ctx, text, label)
        names.declare(out, label, text, 1 + len(text) - len(text.lstrip()))
        terms, col = [], expr_col
        for piece in expr_text.split("+"):
            term = piece.strip()
            at = col + len(piece) - len(piece.lstrip())
            if not term:
                raise ctx.error(f"{label}, column {at}: a term is missing around '+'", text, at)
            if term not in inputs and term not in outputs:
                what = "a sum" if term in (s.name for s in sums) else "unknown"
                raise ctx.error(f"{label}, column {at}: {term!r} is {what}: a sum adds inputs and "
                                "equation outputs", text, at)
            if term in terms:
                raise ctx.error(f"{label}, column {at}: {term} is added twice", text, at)
            terms.append(term)
            col += len(piece) + 1
        sums.append(Sum(out, tuple(terms)))
    return sums


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _string_list(ctx: _Context, data: dict, key: str, least: int, most: int) -> list[str]:
    value = data[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ctx.error(f'"{key}" must be a list of strings')
    if not least <= len(value) <= most:
        raise ctx.error(f'"{key}" has {len(value)} entries; a system has {least} to {most}')
    for text in value:
        _printable(ctx, key, text)
    return value


def _printable(ctx: _Context, key: str, text: str) -> None:
    """Text from a user's file is printed as text: no control characters (a
    terminal would act on escape sequences)."""
    bad = next((ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t"), None)
    if bad is not None:
        raise ctx.error(f'"{key}" holds a control character (U+{ord(bad):04X}): only printable text')


def _split(ctx: _Context, text: str, label: str) -> tuple[str, str, int]:
    """'name = expression' -> (name, expression, column where the expression starts)."""
    if "=" not in text:
        raise ctx.error(f"{label}: expected 'name = expression'", text, 1)
    lhs, rhs = text.split("=", 1)
    return lhs.strip(), rhs, len(lhs) + 2
