"""The causal system as data: the one place that knows it.

A `System` holds the inputs, the structural equations (evaluated in order, so
a later one may read an earlier output) and the sums. Everything else the
project knows about the task is derived from it: the field names, the truth
for a state, the prompt and completion text and how to read a completion
back, which fields a rule reads, the dependency graph, the step-by-step
explanation. Systems are written as TOML files (reader.py reads them); the
seed's five equations are the bundled default, `catalog.SEED`."""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Mapping

from causal_tui.systems import expressions
from causal_tui.systems.expressions import Expr

State = tuple[int, ...]
"""One input state: a bit per input variable, in the system's input order."""

SUM_SEPARATOR = " - "
OUTPUT_SEPARATOR = ","


@dataclass(frozen=True)
class Equation:
    """`name = expression`, with the expression as written."""

    name: str
    expr: Expr = field(compare=False)
    text: str


@dataclass(frozen=True)
class Sum:
    """A count of ones over inputs and equation outputs."""

    name: str
    over: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class System:
    name: str
    description: str
    inputs: tuple[str, ...]
    equations: tuple[Equation, ...]
    sums: tuple[Sum, ...]
    source: str = field(default="", repr=False)
    """The TOML text it was read from (shown and edited in the dashboard)."""

    def __eq__(self, other) -> bool:
        return isinstance(other, System) and other.digest == self.digest

    def __hash__(self) -> int:
        return hash(self.digest)

    # -- names and states ----------------------------------------------------
    @cached_property
    def outputs(self) -> tuple[str, ...]:
        return tuple(eq.name for eq in self.equations)

    @cached_property
    def fields(self) -> tuple[str, ...]:
        """Every scored field, in completion order."""
        return self.outputs + tuple(s.name for s in self.sums)

    @cached_property
    def all_states(self) -> tuple[State, ...]:
        """All 2**n input states, from all zeros to all ones."""
        return tuple(itertools.product((0, 1), repeat=len(self.inputs)))

    @cached_property
    def reads(self) -> dict[str, tuple[str, ...]]:
        """For each field, the other fields its rule reads (newD reads newB)."""
        out = {}
        for eq in self.equations:
            named = {v.name for v in expressions.names(eq.expr)}
            out[eq.name] = tuple(f for f in self.fields if f in named)
        for s in self.sums:
            out[s.name] = tuple(f for f in self.fields if f in s.over)
        return out

    @cached_property
    def composed(self) -> tuple[str, ...]:
        """Fields whose rule reads other fields: a model can apply such a rule
        to its own (possibly wrong) answers for them."""
        return tuple(f for f in self.fields if self.reads[f])

    @cached_property
    def default_field(self) -> str:
        """The field the inside views start on: the first whose rule reads
        other fields (the seed's newD), else the first field."""
        return self.composed[0] if self.composed else self.fields[0]

    @cached_property
    def depends_on(self) -> dict[str, tuple[str, ...]]:
        """For each field, the inputs it is written in terms of, through the
        outputs it reads too (newD = A OR newB, newB = NOT D: A and D)."""
        direct: dict[str, set[str]] = {}
        for eq in self.equations:
            direct[eq.name] = {v.name for v in expressions.names(eq.expr)}
        for s in self.sums:
            direct[s.name] = set(s.over)

        def inputs_of(name: str) -> set[str]:
            if name in self.inputs:
                return {name}
            return set().union(*(inputs_of(n) for n in direct[name])) if direct[name] else set()

        return {f: tuple(v for v in self.inputs if v in inputs_of(f)) for f in self.fields}

    @cached_property
    def max_values(self) -> dict[str, int]:
        """The largest value each field can take (1 for an equation, the
        number of terms for a sum)."""
        return {**{o: 1 for o in self.outputs}, **{s.name: len(s.over) for s in self.sums}}

    # -- truth ---------------------------------------------------------------
    def evaluate(self, state: State) -> dict[str, int]:
        """The value of every variable: the inputs, each output and each sum."""
        if len(state) != len(self.inputs):
            raise ValueError(f"a state has {len(self.inputs)} bits, got {len(state)}")
        values: dict[str, int] = dict(zip(self.inputs, state))
        for eq in self.equations:
            values[eq.name] = expressions.evaluate(eq.expr, values)
        for s in self.sums:
            values[s.name] = sum(values[v] for v in s.over)
        return values

    def counterfactual(self, state: State, setting: Mapping[str, int]) -> dict[str, int]:
        """The scored fields of `state` with the variables in `setting` held at
        those values (do(V = v)) and everything downstream of them recomputed;
        everything else as the state has it."""
        unknown = set(setting) - set(self.outputs)
        if unknown:
            raise KeyError(f"only equation outputs can be set, not {', '.join(sorted(unknown))}")
        values: dict[str, int] = dict(zip(self.inputs, state))
        for eq in self.equations:
            values[eq.name] = setting[eq.name] if eq.name in setting else expressions.evaluate(eq.expr, values)
        for s in self.sums:
            values[s.name] = sum(values[v] for v in s.over)
        return {f: values[f] for f in self.fields}

    @cached_property
    def intermediates(self) -> tuple[str, ...]:
        """The causal variables between the inputs and other equations: outputs
        that a later equation reads (the seed's newB, which newD reads). These
        are the ones worth looking for inside a model (interpret/interchange.py)."""
        return tuple(o for o in self.outputs if any(o in self.reads[eq.name] for eq in self.equations))

    def readers(self, variable: str) -> tuple[str, ...]:
        """The fields whose rule reads `variable`, directly or through other
        fields (the seed's newB: newD and sum2), in completion order."""
        found: set[str] = {variable}
        for f in self.fields:
            if any(r in found for r in self.reads[f]):
                found.add(f)
        return tuple(f for f in self.fields if f in found and f != variable)

    def first_reader(self, variable: str) -> str:
        """The first equation (in completion order) whose rule reads `variable`."""
        return next(eq.name for eq in self.equations if variable in self.reads[eq.name])

    def truth(self, state: State) -> dict[str, int]:
        """The scored fields for a state."""
        return {f: v for f, v in self._truth_table[state].items()}

    @cached_property
    def _truth_table(self) -> dict[State, dict[str, int]]:
        return {s: {f: v for f, v in self.evaluate(s).items() if f in self.fields} for s in self.all_states}

    def rule_on(self, field: str, state: State, answers: Mapping[str, int | None]) -> int | None:
        """`field`'s rule on the inputs of `state` and, for the fields it reads, on
        `answers` instead of the truth. None when an answer it needs is missing or
        not a bit (the fields a rule reads are equation outputs, 0 or 1)."""
        values: dict[str, int | None] = dict(zip(self.inputs, state))
        for f in self.reads[field]:
            a = answers.get(f)
            values[f] = a if a in (0, 1) else None
        if any(values.get(f) is None for f in self.reads[field]):
            return None
        for eq in self.equations:
            if eq.name == field:
                return expressions.evaluate(eq.expr, values)
        for s in self.sums:
            if s.name == field:
                return sum(values[v] for v in s.over)
        raise KeyError(field)

    def informative(self, field: str, state: State) -> bool:
        """Whether `field`'s rule, at this state's inputs, depends on the answers it
        reads: only there does "the model applied the rule to its own answers" say
        anything (newD = A OR newB is 1 whatever newB is when A = 1)."""
        reads = self.reads[field]
        outcomes = {self.rule_on(field, state, dict(zip(reads, bits)))
                    for bits in itertools.product((0, 1), repeat=len(reads))}
        return len(outcomes) > 1

    # -- text ----------------------------------------------------------------
    def format_state(self, state: State) -> str:
        """The prompt text of a state: bits joined by commas."""
        # Called for every state by every table and record: 65,536 of them on 16 inputs.
        text = self._state_texts.get(state)
        return text if text is not None else ",".join("1" if b else "0" for b in state)

    @cached_property
    def _state_texts(self) -> dict[State, str]:
        return {s: ",".join("1" if b else "0" for b in s) for s in self.all_states}

    def parse_state(self, text: str) -> State:
        """Parse `0,1,1,1,0` into a state; ValueError saying what is wrong."""
        parts = text.split(",")
        n = len(self.inputs)
        if len(parts) != n:
            example = self.format_state(self.all_states[len(self.all_states) * 2 // 3])
            raise ValueError(f"{text!r} has {len(parts)} values; a state has {n} bits like '{example}'")
        for p in parts:
            if p not in ("0", "1"):
                raise ValueError(f"{text!r}: {p!r} is not 0 or 1")
        return tuple(int(p) for p in parts)

    def prompt(self, state: State) -> str:
        return self.format_state(state)

    def completion(self, state: State) -> str:
        """The target completion, e.g. "\\n1,0,0,0\\n3 - 1\\n" for 0,1,1,1,0:
        the outputs joined by commas, then the sums joined by " - " (if any)."""
        return self.completion_of(self._truth_table[state])

    def completion_of(self, values: Mapping[str, int]) -> str:
        """The completion that writes these field values."""
        text = "\n" + OUTPUT_SEPARATOR.join(str(values[o]) for o in self.outputs) + "\n"
        if self.sums:
            text += SUM_SEPARATOR.join(str(values[s.name]) for s in self.sums) + "\n"
        return text

    @cached_property
    def prompt_length(self) -> int:
        return 2 * len(self.inputs) - 1

    @cached_property
    def completion_length(self) -> int:
        """The longest completion (sums of 10 or more take two characters)."""
        return max(len(self.completion(s)) for s in self.all_states)

    @cached_property
    def sequence_length(self) -> int:
        """Prompt, the longest completion and the end-of-sequence token."""
        return self.prompt_length + self.completion_length + 1

    def read_fields(self, text: str) -> dict[str, int | None]:
        """Field values read off a (possibly wrong) completion; None where a
        field's text is missing or not a number."""
        return {f: v for f, (v, _) in self.parse_completion(text).items()}

    def parse_completion(self, text: str) -> dict[str, tuple[int | None, tuple[int, int] | None]]:
        """Each field's value and its (start, end) characters in `text`, read by
        the completion's structure: line 1 the outputs (comma-separated), line 2
        the sums (" - "-separated). None where the text does not say."""
        out: dict[str, tuple[int | None, tuple[int, int] | None]] = {f: (None, None) for f in self.fields}
        if not text.startswith("\n"):
            return out
        lines, pos = [], 1
        for line in text[1:].split("\n"):
            lines.append((pos, line))
            pos += len(line) + 1
        groups = [(self.outputs, OUTPUT_SEPARATOR)] + ([(tuple(s.name for s in self.sums), SUM_SEPARATOR)]
                                                      if self.sums else [])
        for (names, sep), (start, line) in zip(groups, lines):
            offset = start
            for name, piece in zip(names, line.split(sep)):
                span = (offset, offset + len(piece)) if piece else None
                out[name] = (int(piece) if piece.isascii() and piece.isdigit() else None, span)
                offset += len(piece) + len(sep)
        return out

    def alphabet(self) -> list[str]:
        """Every character a prompt or completion can contain, sorted."""
        chars = set()
        for state in self.all_states:
            chars.update(self.prompt(state))
            chars.update(self.completion(state))
        return sorted(chars)

    def formula(self, field: str) -> str:
        """How a field is computed: "A XOR C" for newA, "A+B+C+D+E" for sum1."""
        for eq in self.equations:
            if eq.name == field:
                return eq.text
        for s in self.sums:
            if s.name == field:
                return "+".join(s.over)
        raise KeyError(field)

    def explain(self, state: State) -> str:
        """Step-by-step evaluation, like the example block of the original README."""
        values = self.evaluate(state)
        lines = [f"{name} = {values[name]}" for name in self.inputs]
        lines.append("")
        width = max(len(f"{name} = {self.formula(name)}") for name in self.outputs) + 2
        for name in self.outputs:
            lines.append(f"{f'{name} = {self.formula(name)}':<{width}}-> {values[name]}")
        if self.sums:
            lines.append("")
            lhs = SUM_SEPARATOR.join(f"{s.name}({'+'.join(s.over)})" for s in self.sums)
            rhs = SUM_SEPARATOR.join(str(values[s.name]) for s in self.sums)
            lines.append(f"{lhs} -> {rhs}")
        return "\n".join(lines)

    # -- identity ------------------------------------------------------------
    @cached_property
    def digest(self) -> str:
        """What makes two systems the same task: inputs, equations and sums in a
        canonical form (names and descriptions aside). 16 hex digits of SHA-256."""
        canonical = {
            "inputs": list(self.inputs),
            "equations": [f"{eq.name} = {expressions.to_text(eq.expr)}" for eq in self.equations],
            "sums": [f"{s.name} = {' + '.join(s.over)}" for s in self.sums],
        }
        return hashlib.sha256(json.dumps(canonical, separators=(",", ":")).encode()).hexdigest()[:16]

    def summary(self) -> dict:
        """The whole system as plain data, for manifests: enough to rebuild it."""
        return {
            "name": self.name,
            "description": self.description,
            "inputs": list(self.inputs),
            "equations": [f"{eq.name} = {eq.text}" for eq in self.equations],
            "sums": [f"{s.name} = {' + '.join(s.over)}" for s in self.sums],
            "digest": self.digest,
        }

    def label(self) -> str:
        """How the system is named on screen: its name and digest."""
        return f"{self.name} ({self.digest[:8]})"
