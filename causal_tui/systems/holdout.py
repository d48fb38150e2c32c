"""The states held out of training, as one type: parsed from an omit list
('1,1,1,1,1;0,0,0,0,0'), 'random-K' or a condition ('A=1&C=1'); written back
as an omit list; and which held-out answers never occur in training
("unseen labels")."""

from __future__ import annotations

import random
import re
from typing import Iterable

from causal_tui.errors import UserError
from causal_tui.systems.system import State, System

_RANDOM = re.compile(r"^random-(\d+)$")
_TERM = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)=([01])$")
MAX_TEXT = 100_000
"""The longest holdout text read (an omit list of every state of 8 inputs is about 4,000 characters)."""


class HeldOut(tuple):
    """States held out of training: sorted, each once, with the system they
    are states of and the text the user wrote for them ('A=1&C=1'), from the
    first parse to every record and figure title.

    A tuple of states, so it compares, hashes, pickles and serialises to JSON
    as one (an empty HeldOut equals `()`; the system and text do not take
    part in comparisons)."""

    system: System
    source: str | None
    """What the user wrote ('A=1&C=1', 'random-3', an omit list); None where the states came otherwise."""

    def __new__(cls, states: Iterable[State] = (), system: System | None = None, source: str | None = None):
        self = super().__new__(cls, sorted({tuple(s) for s in states}))
        if system is not None:
            width = len(system.inputs)
            bad = next((s for s in self if len(s) != width or any(b not in (0, 1) for b in s)), None)
            if bad is not None:
                raise UserError(f"held-out state {bad} is not a state of the {system.name} system "
                                f"({width} bits of 0 or 1)")
        self.system, self.source = system, source
        return self

    def __reduce__(self):
        return (HeldOut, (tuple(self), self.system, self.source))

    def __contains__(self, state) -> bool:
        # A set beside the tuple: a 16-input system holds thousands of states out.
        members = self.__dict__.get("_members")
        if members is None:
            members = self.__dict__["_members"] = frozenset(tuple.__iter__(self))
        return state in members

    @property
    def described(self) -> str:
        """How to name it in titles and tables: what the user wrote, else the omit list."""
        return self.source if self.source else (self.text() or "none")

    # -- reading ------------------------------------------------------------
    @classmethod
    def parse(cls, preset: str, system: System, seed: int = 0) -> "HeldOut":
        """An omit list ('1,1,1,1,1;0,0,0,0,0'), 'random-K' (K states drawn with
        `seed`), or a condition on the system's inputs ('A=1&C=1': every state
        where A and C are 1). UserError says what is wrong, in one line."""
        if not isinstance(preset, str):
            raise UserError(f"holdout must be text such as 'A=1&C=1', got {preset!r}")
        if len(preset) > MAX_TEXT:
            raise UserError(f"holdout is {len(preset):,} characters long: at most {MAX_TEXT:,}")
        preset = preset.strip()
        m = _RANDOM.match(preset)
        if m:
            held = cls._random(preset, int(m.group(1)), system, seed)
        elif "=" in preset:
            held = cls._condition(preset, system)
        else:
            held = cls.parse_list(preset, system)
        return cls(held, system, preset or None)

    @classmethod
    def parse_list(cls, text: str | None, system: System) -> "HeldOut":
        """An omit list, `'1,1,1,1,1;0,0,0,0,0'` (the original's -o), into sorted,
        unique states. UserError names the bad entry; omitting every state
        leaves nothing to train on."""
        if text is None or text == "":
            return cls((), system)
        if len(text) > MAX_TEXT:
            raise UserError(f"omit list is {len(text):,} characters long: at most {MAX_TEXT:,}")
        states = set()
        for i, entry in enumerate(text.split(";"), start=1):
            if entry == "":
                raise UserError(f"omit list {text!r}: entry {i} is empty")
            try:
                states.add(system.parse_state(entry))
            except ValueError as e:
                raise UserError(f"omit list entry {i}: {e}") from None
        if len(states) == len(system.all_states):
            raise UserError(f"omit list omits all {len(system.all_states)} states: nothing would be left to train on")
        return cls(states, system, text)

    @classmethod
    def from_labels(cls, labels: Iterable[str], system: System, source: str | None = None) -> "HeldOut":
        """The states a manifest lists (["1,0,1,0,1", ...]); ValueError where one is not a state."""
        return cls((system.parse_state(s) for s in labels), system, source)

    @classmethod
    def _random(cls, preset: str, k: int, system: System, seed: int) -> "HeldOut":
        every = system.all_states
        if not 1 <= k < len(every):
            raise UserError(f"holdout {preset!r}: K must be between 1 and {len(every) - 1}")
        return cls(random.Random(seed).sample(every, k), system)

    @classmethod
    def _condition(cls, preset: str, system: System) -> "HeldOut":
        wanted: dict[int, int] = {}
        for term in preset.split("&"):
            t = _TERM.match(term.strip())
            if not t or t.group(1) not in system.inputs:
                raise UserError(f"holdout {preset!r}: {term.strip()!r} is not like {system.inputs[0]}=1 "
                                f"(inputs {', '.join(system.inputs)}; bits 0 or 1; terms joined by &)")
            i, value = system.inputs.index(t.group(1)), int(t.group(2))
            if i in wanted:
                problem = "repeats" if wanted[i] == value else "contradicts itself on"
                raise UserError(f"holdout {preset!r} {problem} {t.group(1)}: name each input at most once")
            wanted[i] = value
        states = [s for s in system.all_states if all(s[i] == v for i, v in wanted.items())]
        if not states:
            raise UserError(f"holdout {preset!r} selects no state")
        if len(states) == len(system.all_states):
            raise UserError(f"holdout {preset!r} holds out every state: nothing would be left to train on")
        return cls(states, system)

    # -- writing ------------------------------------------------------------
    def text(self) -> str:
        """As an omit list: '1,1,1,1,1;0,0,0,0,0' ('' for none); parse_list reads it back."""
        return ";".join(",".join(str(b) for b in s) for s in self)

    def labels(self) -> list[str]:
        """Each state as its prompt text, as manifests and scorecards record them."""
        return [self.system.format_state(s) for s in self]

    # -- changing (a new value each time) -------------------------------------
    def toggled(self, state: State) -> "HeldOut":
        """This set with `state` added, or removed where it was in."""
        states = [s for s in self if s != state] if state in self else [*self, state]
        return HeldOut(states, self.system)

    # -- what it means for a system --------------------------------------------
    def trained(self) -> tuple[State, ...]:
        """The states a model trains on: every other one, in the system's order."""
        held = set(self)
        return tuple(s for s in self.system.all_states if s not in held)

    def unseen_labels(self) -> dict[State, set[str]]:
        """Per held-out state, the fields whose true value never occurs in that
        field over the trained states: a model cannot have seen that answer there."""
        system = self.system
        trained = self.trained()
        seen = {f: {system.truth(t)[f] for t in trained} for f in system.fields}
        return {s: {f for f, v in system.truth(s).items() if v not in seen[f]} for s in self}


def unseen_label_lines(unseen: dict[State, set[str]], system: System) -> list[str]:
    """HeldOut.unseen_labels() as 'state: field, field' lines, for any front end."""
    return [f"{system.format_state(s)}: {', '.join(sorted(fields, key=system.fields.index))}"
            for s, fields in sorted(unseen.items()) if fields]
