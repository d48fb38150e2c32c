"""Judge a model on every input state, every field, in one batched greedy pass.

There are only 32 states, so the probe always evaluates all of them. Results
are plain data; the CLI prints them and the dashboard draws them."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import rules
from .rules import State


@dataclass(frozen=True)
class FieldResult:
    predicted: int | None
    """The digit the model wrote at this field's position (None: not a digit)."""
    truth: int
    prob: float
    """The probability the model gave its own prediction."""

    @property
    def correct(self) -> bool:
        return self.predicted == self.truth


@dataclass(frozen=True)
class StateResult:
    state: State
    held_out: bool
    """Held out of training for this model (from its manifest)."""
    completion: str
    """The model's greedy completion; '?' stands for a special token."""
    fields: dict[str, FieldResult]

    @property
    def exact(self) -> bool:
        return self.completion == rules.completion(self.state)


@dataclass
class ProbeReport:
    states: list[StateResult]
    held_out: tuple[State, ...] = field(default=())

    def result(self, state: State) -> StateResult:
        return next(r for r in self.states if r.state == state)

    def exact(self, held_out: bool) -> tuple[int, int]:
        """(exact, total) over trained (False) or held-out (True) states."""
        group = [r for r in self.states if r.held_out == held_out]
        return sum(r.exact for r in group), len(group)

    def field_accuracy(self, held_out: bool) -> dict[str, tuple[int, int]]:
        group = [r for r in self.states if r.held_out == held_out]
        return {f: (sum(r.fields[f].correct for r in group), len(group)) for f in rules.FIELDS}

    @property
    def all_trained_exact(self) -> bool:
        n, total = self.exact(held_out=False)
        return n == total

    def summary(self) -> dict:
        """Plain numbers for manifests and logs."""
        t_n, t_total = self.exact(False)
        h_n, h_total = self.exact(True)
        return {
            "trained_exact": [t_n, t_total],
            "held_out_exact": [h_n, h_total],
            "held_out_field_accuracy": {f: list(v) for f, v in self.field_accuracy(True).items()},
            "wrong_states": [rules.format_state(r.state) for r in self.states if not r.exact],
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


def encode_prompts(tokenizer, states):
    import torch

    ids = [tokenizer.convert_tokens_to_ids(list(rules.prompt(s))) for s in states]
    return torch.tensor(ids, dtype=torch.long)


def greedy(model, tokenizer, states):
    """Greedy completions of every state at once, with the probability of each
    chosen token. Returns (token id rows, probability rows) as tensors.

    Decoded by verify-and-correct (Jacobi) iterations rather than one token at
    a time: guess every completion (first guess: the truth), run one forward
    pass, keep each row's guess up to its first position where the argmax
    disagrees, take the argmax from there on, and repeat until no row
    disagrees. Each pass fixes at least one more position, so the result is
    exactly greedy decoding, and a model that is mostly right needs one or two
    passes instead of one per token."""
    import torch

    prompts = encode_prompts(tokenizer, states).to(model.device)
    guess = torch.tensor([tokenizer.convert_tokens_to_ids(list(rules.completion(s))) for s in states],
                         dtype=torch.long, device=model.device)
    length = guess.shape[1]
    positions = torch.arange(length, device=model.device)
    with torch.inference_mode():
        for _ in range(length + 1):
            # The last guessed token predicts nothing we need: leave it out.
            logits = model(input_ids=torch.cat([prompts, guess[:, :-1]], 1)).logits[:, rules.PROMPT_LENGTH - 1:]
            top_p, top = logits.float().softmax(-1).max(-1)
            wrong = top != guess
            if not wrong.any():
                break
            first = torch.where(wrong.any(1), wrong.float().argmax(1), torch.full_like(wrong[:, 0], length, dtype=torch.long))
            guess = torch.where(positions[None, :] < first[:, None], guess, top)
    return guess.cpu(), top_p.cpu()


def teacher_forced_exact(model, sequences) -> bool:
    """Whether greedy decoding would reproduce every sequence's completion."""
    return bool(teacher_forced_rows(model, sequences).all())


def teacher_forced_rows(model, sequences):
    """Per sequence: would greedy decoding reproduce its completion?

    Greedy decoding yields the target if and only if, fed the target, the
    argmax at every completion position is the next target token: so one
    forward pass over [N, L] token ids checks all N states at once."""
    import torch

    start = rules.PROMPT_LENGTH - 1  # the position that predicts the first completion token
    with torch.inference_mode():
        logits = model(input_ids=sequences.to(model.device)).logits
    predicted = logits[:, start:-1].argmax(-1)
    return (predicted == sequences[:, start + 1:].to(predicted.device)).all(1).cpu()


def run(model, tokenizer, held_out=()) -> ProbeReport:
    """Probe all 32 states."""
    held = set(held_out)
    states = list(rules.ALL_STATES)
    token_rows, prob_rows = greedy(model, tokenizer, states)
    special = set(tokenizer.all_special_ids)
    offsets = rules.field_offsets()
    results = []
    for state, token_ids, p in zip(states, token_rows.tolist(), prob_rows.tolist()):
        text = "".join("?" if t in special else tokenizer.convert_ids_to_tokens(t) for t in token_ids)
        predicted = rules.read_fields(text)
        truth = rules.truth(state)
        fields = {f: FieldResult(predicted[f], truth[f], p[offsets[f]]) for f in rules.FIELDS}
        results.append(StateResult(state, state in held, text, fields))
    return ProbeReport(results, tuple(sorted(held)))


def probe_saved(folder):
    """Load the model saved in `folder` and probe it: (ProbeReport, manifest).
    Plain data, so the dashboard can run it in its helper process."""
    from . import model_store

    loaded = model_store.load(folder)
    return run(loaded.model, loaded.tokenizer, loaded.held_out), loaded.manifest
