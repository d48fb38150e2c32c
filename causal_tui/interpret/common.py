"""What the interpretability tools share: the model's own answers and where
each field sits in the token sequence."""

from __future__ import annotations

from dataclasses import dataclass

from causal_tui.evaluation import decoding
from causal_tui.learners import registry
from causal_tui.learners.registry import Learner
from causal_tui.systems import expressions
from causal_tui.systems.system import State, System


@dataclass
class Answers:
    """The model's greedy completions of some states."""

    states: list[State]
    tokens: object
    """[N, L] completion token ids (inference tensor)."""
    texts: list[str]
    fields: list[dict[str, int | None]]


def model_answers(model, tokenizer, system: System, states) -> Answers:
    states = list(states)
    tokens, _ = decoding.greedy(model, tokenizer, system, states)
    texts = decoding.decode_rows(tokenizer, tokens)
    return Answers(states, tokens, texts, [system.read_fields(t) for t in texts])


def learner_of(model) -> Learner:
    """What the model's learner can do (learners/registry.py)."""
    return registry.of_model(model)


def token_labels(text: str) -> list[str]:
    """Characters as shown in tables and heatmaps (a newline is ⏎)."""
    return ["⏎" if ch == "\n" else "␣" if ch == " " else ch for ch in text]


def parent_positions(system: System, field: str, completion: str) -> list[int]:
    """Token positions (in prompt + completion) of the inputs and fields a
    field's rule reads directly: where its true parents sit."""
    direct = set()
    for eq in system.equations:
        if eq.name == field:
            direct = {v.name for v in expressions.names(eq.expr)}
    for s in system.sums:
        if s.name == field:
            direct = set(s.over)
    positions = [2 * i for i, v in enumerate(system.inputs) if v in direct]
    spans = system.parse_completion(completion)
    for f in system.fields:
        if f in direct and spans[f][1] is not None:
            positions.append(system.prompt_length + spans[f][1][0])
    return sorted(positions)


def encode(tokenizer, text: str) -> list[int]:
    return tokenizer.convert_tokens_to_ids(list(text))
