"""The states held out of training, as one type: parsed from an omit list
('1,1,1,1,1;0,0,0,0,0'), 'random-K' or a condition ('A=1&C=1'); written back
as an omit list; and which held-out answers never occur in training
("unseen labels")."""

from __future__ import annotations

import random
import re
from typing import Iterable

from causal_tui.errors import UserError
from causal_tui.systems.catalog import SEED
from causal_tui.systems.system import State, System

_RANDOM = re.compile(r"^random-(\d+)$")
_TERM = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)=([01])$")


class HeldOut(tuple):
    """States held out of training: sorted, each once.

    A tuple of states, so it compares, hashes, pickles and serialises to JSON
    as one (an empty HeldOut equals `()`)."""

    def __new__(cls, states: Iterable[State] = ()):
        return super().__new__(cls, sorted({tuple(s) for s in states}))

    # -- reading ------------------------------------------------------------
    @classmethod
    def parse(cls, preset: str, system: System = SEED, seed: int = 0) -> "HeldOut":
        """An omit list ('1,1,1,1,1;0,0,0,0,0'), 'random-K' (K states drawn with
        `seed`), or a condition on the system's inputs ('A=1&C=1': every state
        where A and C are 1). UserError says what is wrong, in one line."""
        preset = preset.strip()
        m = _RANDOM.match(preset)
        if m:
            return cls._random(preset, int(m.group(1)), system, seed)
        if "=" in preset:
            return cls._condition(preset, system)
        return cls.parse_list(preset, system)

    @classmethod
    def parse_list(cls, text: str | None, system: System = SEED) -> "HeldOut":
        """An omit list, `'1,1,1,1,1;0,0,0,0,0'` (the original's -o), into sorted,
        unique states. UserError names the bad entry; omitting every state
        leaves nothing to train on."""
        if text is None or text == "":
            return cls()
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
        return cls(states)

    @classmethod
    def from_labels(cls, labels: Iterable[str], system: System = SEED) -> "HeldOut":
        """The states a manifest lists (["1,0,1,0,1", ...]); ValueError where one is not a state."""
        return cls(system.parse_state(s) for s in labels)

    @classmethod
    def _random(cls, preset: str, k: int, system: System, seed: int) -> "HeldOut":
        every = system.all_states
        if not 1 <= k < len(every):
            raise UserError(f"holdout {preset!r}: K must be between 1 and {len(every) - 1}")
        return cls(random.Random(seed).sample(every, k))

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
        return cls(states)

    # -- writing ------------------------------------------------------------
    def text(self) -> str:
        """As an omit list: '1,1,1,1,1;0,0,0,0,0' ('' for none); parse_list reads it back."""
        return ";".join(",".join(str(b) for b in s) for s in self)

    def labels(self, system: System = SEED) -> list[str]:
        """Each state as its prompt text, as manifests and scorecards record them."""
        return [system.format_state(s) for s in self]

    # -- changing (a new value each time) -------------------------------------
    def toggled(self, state: State) -> "HeldOut":
        """This set with `state` added, or removed where it was in."""
        return HeldOut(s for s in self if s != state) if state in self else HeldOut((*self, state))

    # -- what it means for a system --------------------------------------------
    def trained(self, system: System = SEED) -> tuple[State, ...]:
        """The states a model trains on: every other one, in the system's order."""
        held = set(self)
        return tuple(s for s in system.all_states if s not in held)

    def unseen_labels(self, system: System = SEED) -> dict[State, set[str]]:
        """Per held-out state, the fields whose true value never occurs in that
        field over the trained states: a model cannot have seen that answer there."""
        trained = self.trained(system)
        seen = {f: {system.truth(t)[f] for t in trained} for f in system.fields}
        return {s: {f for f, v in system.truth(s).items() if v not in seen[f]} for s in self}


def unseen_label_lines(unseen: dict[State, set[str]], system: System) -> list[str]:
    """HeldOut.unseen_labels() as 'state: field, field' lines, for any front end."""
    return [f"{system.format_state(s)}: {', '.join(sorted(fields, key=system.fields.index))}"
            for s, fields in sorted(unseen.items()) if fields]
