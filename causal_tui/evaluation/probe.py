"""Judge a model on every input state, every field, in one batched greedy pass.

There are at most 256 states, so the probe always evaluates all of them.
Results are plain data; the CLI prints them and the dashboard draws them."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from causal_tui.evaluation.decoding import decode_rows, greedy
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import State, System


@dataclass(frozen=True)
class FieldResult:
    predicted: int | None
    """The number the model wrote for this field (None: not a number)."""
    truth: int
    prob: float
    """The probability the model gave its own answer (the product over the
    answer's characters where it has two)."""

    @property
    def correct(self) -> bool:
        return self.predicted == self.truth


@dataclass(frozen=True)
class StateResult:
    state: State
    held_out: bool
    """Held out of training for this model (from its manifest)."""
    completion: str
    """The model's greedy completion up to its end-of-sequence token; '?'
    stands for any other special token."""
    fields: dict[str, FieldResult]
    target: str
    """The true completion."""

    @property
    def exact(self) -> bool:
        return self.completion == self.target


@dataclass
class ProbeReport:
    states: list[StateResult]
    system: System
    held_out: HeldOut = field(default_factory=HeldOut)

    def result(self, state: State) -> StateResult:
        return self._by_state[state]

    @property
    def _by_state(self) -> dict[State, StateResult]:
        cached = self.__dict__.get("_index")
        if cached is None:
            cached = self.__dict__["_index"] = {r.state: r for r in self.states}
        return cached

    def exact(self, held_out: bool) -> tuple[int, int]:
        """(exact, total) over trained (False) or held-out (True) states."""
        group = [r for r in self.states if r.held_out == held_out]
        return sum(r.exact for r in group), len(group)

    def field_accuracy(self, held_out: bool) -> dict[str, tuple[int, int]]:
        group = [r for r in self.states if r.held_out == held_out]
        return {f: (sum(r.fields[f].correct for r in group), len(group)) for f in self.system.fields}

    @property
    def all_trained_exact(self) -> bool:
        n, total = self.exact(held_out=False)
        return n == total

    def predictions(self) -> dict[str, dict[str, int | None]]:
        """Every state's answers as plain data: {"0,1,1,0,1": {field: value or None}}."""
        return {self.system.format_state(r.state): {f: fr.predicted for f, fr in r.fields.items()}
                for r in self.states}

    def record(self) -> dict:
        """What a model folder keeps of its probe (see from_record): each state's
        completion and each field's probability."""
        fmt = self.system.format_state
        return {"held_out": self.held_out.labels(),
                "states": {fmt(r.state): {"completion": r.completion,
                                          "probabilities": {f: fr.prob for f, fr in r.fields.items()}}
                           for r in self.states}}

    @classmethod
    def from_record(cls, record: dict, system: System) -> "ProbeReport":
        """The probe a record holds, rebuilt without the model (answers are read
        off the completions, truths from the system)."""
        held = HeldOut.from_labels(record["held_out"], system)
        results = []
        for state in system.all_states:
            entry = record["states"][system.format_state(state)]
            text, probs = entry["completion"], entry["probabilities"]
            parsed, truth = system.read_fields(text), system.truth(state)
            fields = {f: FieldResult(parsed[f], truth[f], probs[f]) for f in system.fields}
            results.append(StateResult(state, state in held, text, fields, system.completion(state)))
        return cls(results, system, held)

    def rows(self) -> list[dict]:
        """One row per state and field (a tidy table): state, held_out, field,
        truth, answer (None where the text is not a number), correct, probability."""
        fmt = self.system.format_state
        return [{"state": fmt(r.state), "held_out": r.held_out, "field": f, "truth": fr.truth,
                 "answer": fr.predicted, "correct": fr.correct, "probability": fr.prob}
                for r in self.states for f, fr in r.fields.items()]

    def summary(self) -> dict:
        """Plain numbers for manifests and logs."""
        t_n, t_total = self.exact(False)
        h_n, h_total = self.exact(True)
        return {
            "trained_exact": [t_n, t_total],
            "held_out_exact": [h_n, h_total],
            "held_out_field_accuracy": {f: list(v) for f, v in self.field_accuracy(True).items()},
            "wrong_states": [self.system.format_state(r.state) for r in self.states if not r.exact],
        }

    def summary_line(self) -> str:
        t_n, t_total = self.exact(False)
        text = f"trained states exact: {t_n}/{t_total}"
        h_n, h_total = self.exact(True)
        if h_total:
            per_field = " ".join(f"{f} {n}/{tot}" for f, (n, tot) in self.field_accuracy(True).items())
            text += f"; held-out exact: {h_n}/{h_total}; held-out fields: {per_field}"
        else:
            text += "; no held-out states"
        return text


def field_results(system: System, state: State, text: str, probs: list[float], parse=None) -> dict[str, FieldResult]:
    """Each field's answer in a completion, its truth and the probability of
    its characters. `parse`: system.parse_completion, or a cache of it (a
    probe of 65,536 states writes a few distinct completions)."""
    import math

    truth = system.truth(state)
    parsed = (parse or system.parse_completion)(text)
    out = {}
    for f in system.fields:
        value, span = parsed[f]
        p = math.prod(probs[span[0]:span[1]]) if span else 0.0
        out[f] = FieldResult(value, truth[f], p)
    return out


def run(model, tokenizer, system: System, held_out: HeldOut, known=None) -> ProbeReport:
    """Probe every state of the system. `known`: (states, token rows,
    probability rows) already decoded by this very model (the last
    --until-perfect check's): only the other states are decoded."""
    import torch

    states = list(system.all_states)
    done = dict(zip(known[0], zip(known[1], known[2]))) if known else {}
    todo = [s for s in states if s not in done]
    # In chunks: a forward pass over a few hundred sequences runs faster per
    # sequence than one over tens of thousands (benchmarks/cube16.py: 2.6 s
    # instead of 5.3 s for 16,384 states here).
    for i in range(0, len(todo), CHUNK):
        part = todo[i:i + CHUNK]
        tokens, probs = greedy(model, tokenizer, system, part)
        done.update(zip(part, zip(tokens, probs)))
    token_rows = torch.stack([done[s][0] for s in states])
    prob_rows = torch.stack([done[s][1] for s in states])
    texts = decode_rows(tokenizer, token_rows)
    held = set(held_out)
    parse = functools.lru_cache(maxsize=4096)(system.parse_completion)
    results = [StateResult(state, state in held, text, field_results(system, state, text, p, parse),
                           system.completion(state))
               for state, text, p in zip(states, texts, prob_rows.tolist())]
    return ProbeReport(results, system, held_out)


CHUNK = 256
"""States decoded per batch by the probe."""


def probe_saved(folder, device: str = "cpu"):
    """Load the model saved in `folder` and probe it: (ProbeReport, manifest).
    Plain data, so the dashboard can run it in its helper process."""
    from causal_tui.learners import loading

    loaded = loading.load(folder, device)
    return run(loaded.model, loaded.tokenizer, loaded.system, loaded.held_out), loaded.manifest
