"""The causal system as data.

Everything the rest of the project knows about the task is derived from the
tables below: the field names, the truth for a state, the prompt and
completion text, where each field sits in the completion, and the
step-by-step explanation. Nothing else hard-codes "newA" or the sum format.
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass
from typing import Callable, Mapping

State = tuple[int, ...]
"""One input state: a bit per input variable, in `INPUTS` order."""

INPUTS: tuple[str, ...] = ("A", "B", "C", "D", "E")


@dataclass(frozen=True)
class Equation:
    """One structural equation: `name = left OP right`.

    Operands name an input or the output of an earlier equation, which is how
    newD comes to depend on newB (a two-step dependency)."""

    name: str
    op: str
    operands: tuple[str, ...]

    @property
    def text(self) -> str:
        if self.op == "NOT":
            return f"NOT {self.operands[0]}"
        return f" {self.op} ".join(self.operands)


# Boolean operators by the name the equations and the explanation use.
OPERATORS: dict[str, Callable[..., int]] = {
    "XOR": operator.xor,
    "AND": operator.and_,
    "OR": operator.or_,
    "NOT": lambda a: 1 - a,
}

# Evaluated in order: a later equation may read an earlier output.
EQUATIONS: tuple[Equation, ...] = (
    Equation("newA", "XOR", ("A", "C")),
    Equation("newB", "NOT", ("D",)),
    Equation("newC", "AND", ("B", "E")),
    Equation("newD", "OR", ("A", "newB")),
)

OUTPUTS: tuple[str, ...] = tuple(eq.name for eq in EQUATIONS)


@dataclass(frozen=True)
class Sum:
    """A count of ones over a group of variables."""

    name: str
    label: str
    over: tuple[str, ...]


SUMS: tuple[Sum, ...] = (
    Sum("sum1", "sum", INPUTS),
    Sum("sum2", "sum2", OUTPUTS),
)

SUM_SEPARATOR = " - "

FIELDS: tuple[str, ...] = OUTPUTS + tuple(s.name for s in SUMS)
"""Every scored field, in completion order."""

ALL_STATES: tuple[State, ...] = tuple(itertools.product((0, 1), repeat=len(INPUTS)))
"""All 2**5 input states, from 0,0,0,0,0 to 1,1,1,1,1."""

READS: dict[str, tuple[str, ...]] = {
    **{eq.name: tuple(o for o in eq.operands if o in FIELDS) for eq in EQUATIONS},
    **{s.name: tuple(v for v in s.over if v in FIELDS) for s in SUMS},
}
"""For each field, the other fields its rule reads (newD reads newB)."""

COMPOSED: tuple[str, ...] = tuple(f for f in FIELDS if READS[f])
"""Fields whose rule reads other fields: a model can apply such a rule to its
own (possibly wrong) answers for them."""


def rule_on(field: str, state: State, answers: Mapping[str, int | None]) -> int | None:
    """`field`'s rule on the inputs of `state` and, for the fields it reads, on
    `answers` instead of the truth. None when an answer it needs is missing or
    not a bit (the fields a rule reads are equation outputs, 0 or 1)."""
    values: dict[str, int | None] = dict(zip(INPUTS, state))
    values.update({f: answers.get(f) if answers.get(f) in (0, 1) else None for f in READS[field]})
    for eq in EQUATIONS:
        if eq.name == field:
            operands = [values[o] for o in eq.operands]
            return None if None in operands else OPERATORS[eq.op](*operands)
    for s in SUMS:
        if s.name == field:
            terms = [values[v] for v in s.over]
            return None if None in terms else sum(terms)
    raise KeyError(field)


def informative(field: str, state: State) -> bool:
    """Whether `field`'s rule, at this state's inputs, depends on the answers it
    reads: only there does "the model applied the rule to its own answers" say
    anything (newD = A OR newB is 1 whatever newB is when A = 1)."""
    reads = READS[field]
    outcomes = {rule_on(field, state, dict(zip(reads, bits))) for bits in itertools.product((0, 1), repeat=len(reads))}
    return len(outcomes) > 1


def evaluate(state: State) -> dict[str, int]:
    """The value of every variable: the inputs, each output and each sum."""
    if len(state) != len(INPUTS):
        raise ValueError(f"a state has {len(INPUTS)} bits, got {len(state)}")
    values: dict[str, int] = dict(zip(INPUTS, state))
    for eq in EQUATIONS:
        values[eq.name] = OPERATORS[eq.op](*(values[o] for o in eq.operands))
    for s in SUMS:
        values[s.name] = sum(values[v] for v in s.over)
    return values


def truth(state: State) -> dict[str, int]:
    """The scored fields for a state."""
    values = evaluate(state)
    return {f: values[f] for f in FIELDS}


def _completion_segments(values: Mapping[str, int]) -> list[tuple[str | None, str]]:
    """The completion as (field or None, text) pieces: the single source of
    the completion format and of each field's position in it."""
    segments: list[tuple[str | None, str]] = [(None, "\n")]
    for i, name in enumerate(OUTPUTS):
        if i:
            segments.append((None, ","))
        segments.append((name, str(values[name])))
    segments.append((None, "\n"))
    for i, s in enumerate(SUMS):
        if i:
            segments.append((None, SUM_SEPARATOR))
        segments.append((s.name, str(values[s.name])))
    segments.append((None, "\n"))
    return segments


def format_state(state: State) -> str:
    """The prompt text of a state: bits joined by commas."""
    return ",".join(str(b) for b in state)


def parse_state(text: str) -> State:
    """Parse `0,1,1,1,0` into a state; ValueError saying what is wrong."""
    parts = text.split(",")
    if len(parts) != len(INPUTS):
        raise ValueError(
            f"{text!r} has {len(parts)} values; a state has {len(INPUTS)} bits like "
            f"'{format_state(ALL_STATES[21])}'"
        )
    for p in parts:
        if p not in ("0", "1"):
            raise ValueError(f"{text!r}: {p!r} is not 0 or 1")
    return tuple(int(p) for p in parts)


def prompt(state: State) -> str:
    return format_state(state)


def completion(state: State) -> str:
    """The target completion, e.g. "\\n1,0,0,0\\n3 - 1\\n" for 0,1,1,1,0."""
    return "".join(text for _, text in _completion_segments(evaluate(state)))


def field_offsets() -> dict[str, int]:
    """Character offset of each field inside the completion.

    Every field is one digit for every state, so the offsets are fixed."""
    offsets: dict[str, int] = {}
    pos = 0
    for field, text in _completion_segments(evaluate(ALL_STATES[0])):
        if field is not None:
            offsets[field] = pos
        pos += len(text)
    return offsets


COMPLETION_LENGTH = len(completion(ALL_STATES[0]))
PROMPT_LENGTH = len(prompt(ALL_STATES[0]))


def read_fields(text: str) -> dict[str, int | None]:
    """Field values read off a (possibly wrong) completion; None where the
    character at a field's position is not a digit."""
    out: dict[str, int | None] = {}
    for field, pos in field_offsets().items():
        ch = text[pos] if pos < len(text) else ""
        out[field] = int(ch) if ch.isdigit() else None
    return out


def formula(field: str) -> str:
    """How a field is computed: "A XOR C" for newA, "A+B+C+D+E" for sum1."""
    for eq in EQUATIONS:
        if eq.name == field:
            return eq.text
    for s in SUMS:
        if s.name == field:
            return "+".join(s.over)
    raise KeyError(field)


def alphabet() -> list[str]:
    """Every character a prompt or completion can contain, sorted."""
    chars = set()
    for state in ALL_STATES:
        chars.update(prompt(state))
        chars.update(completion(state))
    return sorted(chars)


def explain(state: State) -> str:
    """Step-by-step evaluation, like the example block of the original README."""
    values = evaluate(state)
    lines = [f"{name} = {values[name]}" for name in INPUTS]
    lines.append("")
    width = max(len(f"{name} = {formula(name)}") for name in OUTPUTS) + 2
    for name in OUTPUTS:
        lines.append(f"{f'{name} = {formula(name)}':<{width}}-> {values[name]}")
    lines.append("")
    lhs = SUM_SEPARATOR.join(f"{s.label}({'+'.join(s.over)})" for s in SUMS)
    rhs = SUM_SEPARATOR.join(str(values[s.name]) for s in SUMS)
    lines.append(f"{lhs} -> {rhs}")
    return "\n".join(lines)


def rules_summary() -> dict:
    """The rules as plain data, for manifests."""
    return {
        "inputs": list(INPUTS),
        "equations": [f"{eq.name} = {eq.text}" for eq in EQUATIONS],
        "sums": [f"{s.name} = {'+'.join(s.over)}" for s in SUMS],
    }
