"""Boolean expressions of a structural equation: a tokenizer, a recursive-descent
parser (never eval) and an evaluator.

Operators, tightest first: NOT; AND, NAND; XOR, XNOR; OR, NOR; IMPLIES. IMPLIES
is right-associative (a IMPLIES b IMPLIES c = a IMPLIES (b IMPLIES c)), the
others left-associative. Operands: names, the constants 0 and 1, parentheses,
and MAJ(a, b, c, ...): 1 where more than half of its operands are 1."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping, Union

BINARY: dict[str, Callable[[int, int], int]] = {
    "AND": lambda a, b: a & b,
    "NAND": lambda a, b: 1 - (a & b),
    "XOR": lambda a, b: a ^ b,
    "XNOR": lambda a, b: 1 - (a ^ b),
    "OR": lambda a, b: a | b,
    "NOR": lambda a, b: 1 - (a | b),
    "IMPLIES": lambda a, b: (1 - a) | b,
}
OPERATOR_WORDS = frozenset({"NOT", "MAJ", *BINARY})
# Binary operators by precedence level, loosest first (IMPLIES handled apart).
LEVELS: tuple[tuple[str, ...], ...] = (("OR", "NOR"), ("XOR", "XNOR"), ("AND", "NAND"))
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class ExpressionError(ValueError):
    """A malformed expression; `column` is 1-based within the expression text."""

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message)
        self.message, self.column = message, column


@dataclass(frozen=True)
class Const:
    value: int


@dataclass(frozen=True)
class Var:
    name: str
    column: int
    """Where the name starts in the expression text (1-based), for error messages."""


@dataclass(frozen=True)
class Not:
    operand: "Expr"


@dataclass(frozen=True)
class Majority:
    operands: tuple


@dataclass(frozen=True)
class Binary:
    op: str
    left: "Expr"
    right: "Expr"


Expr = Union[Const, Var, Not, Binary]


@dataclass(frozen=True)
class Token:
    kind: str  # "name", "const", "op", "(", ")", "end"
    text: str
    column: int


MAX_LENGTH = 2_000
"""The longest equation's right-hand side read (the bundled ones are a few dozen characters)."""
MAX_TOKENS = 256
MAX_DEPTH = 32
"""Parentheses nested at most this deep: the parser and the evaluator recurse, and stay far from Python's limit."""


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"is {len(text):,} characters long; an equation has at most {MAX_LENGTH:,}")
    tokens, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "(),":
            tokens.append(Token(ch, ch, i + 1))
            i += 1
        elif ch in "01" and not (i + 1 < len(text) and (text[i + 1].isalnum() or text[i + 1] == "_")):
            tokens.append(Token("const", ch, i + 1))
            i += 1
        else:
            m = NAME.match(text, i)
            if not m:
                raise ExpressionError(f"unexpected {ch!r}", i + 1)
            word = m.group()
            tokens.append(Token("op" if word in OPERATOR_WORDS else "name", word, i + 1))
            i = m.end()
    tokens.append(Token("end", "", len(text) + 1))
    if len(tokens) > MAX_TOKENS:
        raise ExpressionError(f"has {len(tokens) - 1:,} words and signs; an equation has at most {MAX_TOKENS - 1}")
    depth = 0
    for token in tokens:
        depth += (token.kind == "(") - (token.kind == ")")
        if depth > MAX_DEPTH:
            raise ExpressionError(f"nests parentheses deeper than {MAX_DEPTH}", token.column)
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.pos = 0

    @property
    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def parse(self) -> Expr:
        if self.peek.kind == "end":
            raise ExpressionError("empty expression", self.peek.column)
        expr = self.implies()
        if self.peek.kind != "end":
            tok = self.peek
            what = "')'" if tok.kind == ")" else repr(tok.text)
            raise ExpressionError(f"unexpected {what}: an operator ({', '.join(sorted(OPERATOR_WORDS))}) "
                                  "or the end was expected", tok.column)
        return expr

    def implies(self) -> Expr:
        left = self.level(0)
        if self.peek.kind == "op" and self.peek.text == "IMPLIES":
            self.take()
            return Binary("IMPLIES", left, self.implies())  # right-associative
        return left

    def level(self, i: int) -> Expr:
        if i == len(LEVELS):
            return self.unary()
        left = self.level(i + 1)
        while self.peek.kind == "op" and self.peek.text in LEVELS[i]:
            op = self.take().text
            left = Binary(op, left, self.level(i + 1))
        return left

    def unary(self) -> Expr:
        if self.peek.kind == "op" and self.peek.text == "NOT":
            self.take()
            return Not(self.unary())
        return self.primary()

    def primary(self) -> Expr:
        tok = self.take()
        if tok.kind == "name":
            return Var(tok.text, tok.column)
        if tok.kind == "const":
            return Const(int(tok.text))
        if tok.kind == "(":
            inner = self.implies()
            if self.peek.kind != ")":
                raise ExpressionError("missing ')'", self.peek.column)
            self.take()
            return inner
        if tok.kind == "end":
            raise ExpressionError("the expression ends where an operand was expected", tok.column)
        if tok.kind == "op" and tok.text == "MAJ":
            return _majority(self, tok)
        if tok.kind == "op":
            raise ExpressionError(f"{tok.text} needs an operand before it", tok.column)
        raise ExpressionError(f"unexpected {tok.text!r}", tok.column)


def _majority(parser: _Parser, tok: Token) -> Expr:
    """MAJ(a, b, ...) after its keyword."""
    if parser.peek.kind != "(":
        raise ExpressionError("MAJ takes its operands in parentheses: MAJ(a, b, c)", tok.column)
    parser.take()
    operands = [parser.implies()]
    while parser.peek.kind == ",":
        parser.take()
        operands.append(parser.implies())
    if parser.peek.kind != ")":
        raise ExpressionError("missing ')' after MAJ's operands", parser.peek.column)
    parser.take()
    if len(operands) < 2:
        raise ExpressionError("MAJ needs at least two operands", tok.column)
    return Majority(tuple(operands))


def parse(text: str) -> Expr:
    """Parse an expression; ExpressionError with the column where it goes wrong."""
    return _Parser(text).parse()


def names(expr: Expr) -> list[Var]:
    """Every name the expression reads, in order of appearance."""
    if isinstance(expr, Var):
        return [expr]
    if isinstance(expr, Not):
        return names(expr.operand)
    if isinstance(expr, Binary):
        return names(expr.left) + names(expr.right)
    if isinstance(expr, Majority):
        return [v for operand in expr.operands for v in names(operand)]
    return []


def evaluate(expr: Expr, values: Mapping[str, int]) -> int:
    if isinstance(expr, Const):
        return expr.value
    if isinstance(expr, Var):
        return values[expr.name]
    if isinstance(expr, Not):
        return 1 - evaluate(expr.operand, values)
    if isinstance(expr, Majority):
        return int(2 * sum(evaluate(o, values) for o in expr.operands) > len(expr.operands))
    return BINARY[expr.op](evaluate(expr.left, values), evaluate(expr.right, values))


def to_text(expr: Expr, parent: int = -1) -> str:
    """A canonical rendering with the parentheses precedence needs (for digests)."""
    if isinstance(expr, Const):
        return str(expr.value)
    if isinstance(expr, Var):
        return expr.name
    if isinstance(expr, Not):
        return f"NOT {to_text(expr.operand, 99)}"
    if isinstance(expr, Majority):
        return "MAJ(" + ", ".join(to_text(o) for o in expr.operands) + ")"
    rank = 0 if expr.op == "IMPLIES" else 1 + next(i for i, ops in enumerate(LEVELS) if expr.op in ops)
    text = f"{to_text(expr.left, rank)} {expr.op} {to_text(expr.right, rank)}"
    return f"({text})" if rank <= parent else text
