"""Which states to hold out: explicit lists, random-K, conditions like A=1&C=1;
and which held-out answers never occur in training ("unseen labels")."""

from __future__ import annotations

import random
import re

from . import data, rules
from .errors import UserError
from .rules import State

_RANDOM = re.compile(r"^random-(\d+)$")
_TERM = re.compile(r"^([A-Z])=([01])$")


def parse(preset: str, seed: int = 0) -> tuple[State, ...]:
    """An omit list ('1,1,1,1,1;0,0,0,0,0'), 'random-K' (K states drawn with
    `seed`), or a condition on the inputs ('A=1&C=1': every state where A and C are 1)."""
    preset = preset.strip()
    m = _RANDOM.match(preset)
    if m:
        k = int(m.group(1))
        if not 1 <= k < len(rules.ALL_STATES):
            raise UserError(f"holdout {preset!r}: K must be between 1 and {len(rules.ALL_STATES) - 1}")
        return tuple(sorted(random.Random(seed).sample(rules.ALL_STATES, k)))
    if "=" in preset:
        wanted = {}
        for term in preset.split("&"):
            t = _TERM.match(term.strip())
            if not t or t.group(1) not in rules.INPUTS:
                raise UserError(f"holdout {preset!r}: {term.strip()!r} is not like A=1 "
                                f"(inputs {', '.join(rules.INPUTS)}; bits 0 or 1; terms joined by &)")
            i, value = rules.INPUTS.index(t.group(1)), int(t.group(2))
            if i in wanted:
                problem = "repeats" if wanted[i] == value else "contradicts itself on"
                raise UserError(f"holdout {preset!r} {problem} {t.group(1)}: name each input at most once")
            wanted[i] = value
        states = tuple(s for s in rules.ALL_STATES if all(s[i] == v for i, v in wanted.items()))
        if not states:
            raise UserError(f"holdout {preset!r} selects no state")
        if len(states) == len(rules.ALL_STATES):
            raise UserError(f"holdout {preset!r} holds out every state: nothing would be left to train on")
        return states
    return data.parse_omit(preset)


def trained_states(held_out) -> tuple[State, ...]:
    held = set(held_out)
    return tuple(s for s in rules.ALL_STATES if s not in held)


def unseen_labels(held_out) -> dict[State, set[str]]:
    """Per held-out state, the fields whose true value never occurs in that
    field over the trained states: a model cannot have seen that answer there."""
    seen = {f: {rules.truth(t)[f] for t in trained_states(held_out)} for f in rules.FIELDS}
    return {s: {f for f, v in rules.truth(s).items() if v not in seen[f]} for s in held_out}


def unseen_label_lines(unseen: dict[State, set[str]]) -> list[str]:
    """unseen_labels() as 'state: field, field' lines, for any front end."""
    return [f"{rules.format_state(s)}: {', '.join(sorted(fields, key=rules.FIELDS.index))}"
            for s, fields in sorted(unseen.items()) if fields]
