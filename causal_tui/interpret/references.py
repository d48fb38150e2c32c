"""What an interchange's patched completion is held against, besides the
system's counterfactual (interchange.py), and how the pairs are split.

- **Relative**: the model's own answers on the base, with V set to the
  model's own V on the source and V's readers (the fields whose rule reads V,
  directly or through others) recomputed by their rules from those answers;
  every other field the base's own. On a held-out base whose newA the model
  gets wrong, no completion can equal the system's counterfactual, but this
  one asks the question that is left: do the readers follow the site?
- **do(X)**, for each input X that V's equation reads: the system's
  counterfactual with X set to X(source). A site that carries X rather than V
  (an input's embedding: interchanging it *is* do(X)) matches this better.
- **Same value**: pairs whose source has the base's V. Patching a site that
  holds V alone changes nothing there.
- **Halves**: the pairs with a trained base, split by a seed into a selection
  half (the best site is chosen on it) and an evaluation half (its IIA is
  reported on it); held-out bases never take part in the choice."""

from __future__ import annotations

import random
from dataclasses import dataclass

from causal_tui.evaluation import decoding
from causal_tui.systems import expressions
from causal_tui.systems.system import System

MAX_SAME = 256
"""Same-value pairs per variable (a seeded sample of those with trained bases)."""


@dataclass
class Reference:
    """Completions to compare patched ones with, one row per pair."""

    rows: object
    """[M, L] token ids (with eos, padded); rows of unreadable pairs are the base's own."""
    fields: list[dict | None]
    readable: object
    """[M] bool: the pair has a reference (relative: every answer it needs parses)."""


def relative_fields(system: System, variable: str, base_state, base_answers: dict, source_value) -> dict | None:
    """The relative reference of one pair (see the module doc); None where an
    answer it needs does not parse."""
    if source_value not in (0, 1):
        return None
    values = dict(base_answers)
    values[variable] = source_value
    for f in system.readers(variable):
        values[f] = system.rule_on(f, base_state, values)
    if any(values.get(f) is None for f in system.fields):
        return None
    return {f: values[f] for f in system.fields}


def relative(prep, tokenizer, variable: str, pairs) -> Reference:
    system, answers = prep.system, prep.answers
    found = [relative_fields(system, variable, answers.states[b], answers.fields[b], answers.fields[s][variable])
             for b, s in pairs]
    return _reference(prep, tokenizer, pairs, found)


def do_input(prep, tokenizer, variable: str, pairs, name: str) -> Reference:
    """The system's counterfactual of each pair's base with input `name` set to the source's."""
    system, states = prep.system, prep.answers.states
    i = system.inputs.index(name)
    found = []
    for b, s in pairs:
        state = list(states[b])
        state[i] = states[s][i]
        found.append(system.truth(tuple(state)))
    return _reference(prep, tokenizer, pairs, found)


def _reference(prep, tokenizer, pairs, found: list[dict | None]) -> Reference:
    import torch

    system = prep.system
    device = prep.prompts.device
    readable = torch.tensor([f is not None for f in found], dtype=torch.bool, device=device)
    # An unreadable pair's row is never compared (readable masks it): the base's own stands in.
    own = [system.completion_of(f) if f is not None else prep.answers.texts[b] for f, (b, _) in zip(found, pairs)]
    return Reference(decoding.completion_rows(tokenizer, system, own).to(device), found, readable)


def inputs_read(system: System, variable: str) -> list[str]:
    """The inputs V's own equation reads: the confounds whose do() specificity checks."""
    eq = next(e for e in system.equations if e.name == variable)
    names = {v.name for v in expressions.names(eq.expr)}
    return [v for v in system.inputs if v in names]


def same_value_pairs(system: System, variable: str, trained: set, seed: int, limit: int = MAX_SAME) -> list[tuple]:
    """(base, source) state indices with V(base) == V(source), base != source and
    the base trained; a seeded sample of `limit`."""
    values = [system.evaluate(s)[variable] for s in system.all_states]
    n = len(values)
    pairs = [(b, s) for b in range(n) if system.all_states[b] in trained
             for s in range(n) if s != b and values[s] == values[b]]
    if len(pairs) > limit:
        pairs = sorted(random.Random(seed).sample(pairs, limit))
    return pairs


def halves(trained_rows: list[int], seed: int) -> tuple[list[int], list[int]]:
    """The trained-base pair rows split in two by `seed`: (selection, evaluation),
    disjoint, the selection half the larger by at most one."""
    order = list(trained_rows)
    random.Random(seed).shuffle(order)
    cut = (len(order) + 1) // 2
    return sorted(order[:cut]), sorted(order[cut:])
