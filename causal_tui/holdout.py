"""Which states to hold out: explicit lists, random-K, conditions like A=1&C=1;
and which held-out answers never occur in training ("unseen labels")."""

from __future__ import annotations

import random
import re

from . import data
from .errors import UserError
from .rules import State, System

_RANDOM = re.compile(r"^random-(\d+)$")
_TERM = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)=([01])$")


def parse(preset: str, system: System, seed: int = 0) -> tuple[State, ...]:
    """An omit list ('1,1,1,1,1;0,0,0,0,0'), 'random-K' (K states drawn with
    `seed`), or a condition on the system's inputs ('A=1&C=1': every state
    where A and C are 1)."""
    preset = preset.strip()
    states_all = system.all_states
    m = _RANDOM.match(preset)
    if m:
        k = int(m.group(1))
        if not 1 <= k < len(states_all):
            raise UserError(f"holdout {preset!r}: K must be between 1 and {len(states_all) - 1}")
        return tuple(sorted(random.Random(seed).sample(states_all, k)))
    if "=" in preset:
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
        states = tuple(s for s in states_all if all(s[i] == v for i, v in wanted.items()))
        if not states:
            raise UserError(f"holdout {preset!r} selects no state")
        if len(states) == len(states_all):
            raise UserError(f"holdout {preset!r} holds out every state: nothing would be left to train on")
        return states
    return data.parse_omit(preset, system)


def trained_states(held_out, system: System) -> tuple[State, ...]:
    held = set(held_out)
    return tuple(s for s in system.all_states if s not in held)


def unseen_labels(held_out, system: System) -> dict[State, set[str]]:
    """Per held-out state, the fields whose true value never occurs in that
    field over the trained states: a model cannot have seen that answer there."""
    seen = {f: {system.truth(t)[f] for t in trained_states(held_out, system)} for f in system.fields}
    return {s: {f for f, v in system.truth(s).items() if v not in seen[f]} for s in held_out}


def unseen_label_lines(unseen: dict[State, set[str]], system: System) -> list[str]:
    """unseen_labels() as 'state: field, field' lines, for any front end."""
    return [f"{system.format_state(s)}: {', '.join(sorted(fields, key=system.fields.index))}"
            for s, fields in sorted(unseen.items()) if fields]
