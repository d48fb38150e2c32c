"""Judge a model on every input state, every field, in one batched greedy pass.

There are at most 256 states, so the probe always evaluates all of them.
Results are plain data; the CLI prints them and the dashboard draws them."""

from __future__ import annotations

from dataclasses import dataclass, field

from .rules import State, System


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
    held_out: tuple[State, ...] = field(default=())

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


def encode_prompts(tokenizer, system: System, states):
    import torch

    ids = [tokenizer.convert_tokens_to_ids(list(system.prompt(s))) for s in states]
    return torch.tensor(ids, dtype=torch.long)


def target_rows(tokenizer, system: System, states):
    """The true completion of each state followed by eos, padded to the longest
    completion plus one: the first guess of `greedy`, as token ids."""
    import torch

    length = system.completion_length + 1
    rows = []
    for s in states:
        ids = tokenizer.convert_tokens_to_ids(list(system.completion(s))) + [tokenizer.eos_token_id]
        rows.append(ids + [tokenizer.pad_token_id] * (length - len(ids)))
    return torch.tensor(rows, dtype=torch.long)


def greedy(model, tokenizer, system: System, states, prefix=None):
    """Greedy completions of every state at once, with the probability of each
    chosen token. Returns (token id rows, probability rows) as tensors.

    Decoded by verify-and-correct (Jacobi) iterations rather than one token at
    a time: guess every completion (first guess: the truth), run one forward
    pass, keep each row's guess up to its first position where the argmax
    disagrees, take the argmax from there on, and repeat until no row
    disagrees before its first end-of-sequence token. Each pass fixes at least
    one more position, so the result is exactly greedy decoding, and a model
    that is mostly right needs one or two passes instead of one per token.

    `prefix`, if given, is a [N, k] tensor of completion tokens to force: the
    first k tokens of every row are taken as given (an intervention) and the
    rest is decoded greedily after them."""
    import torch

    device = model.device
    prompts = encode_prompts(tokenizer, system, states).to(device)
    guess = target_rows(tokenizer, system, states).to(device)
    fixed = 0
    if prefix is not None:
        fixed = prefix.shape[1]
        guess[:, :fixed] = prefix.to(device)
    length = guess.shape[1]
    positions = torch.arange(length, device=device)
    eos = tokenizer.eos_token_id
    start = system.prompt_length - 1
    with torch.inference_mode():
        for _ in range(length + 1):
            # The last guessed token predicts nothing we need: leave it out.
            logits = model(input_ids=torch.cat([prompts, guess[:, :-1]], 1)).logits[:, start:]
            top_p, top = logits.float().softmax(-1).max(-1)
            # Forced tokens stay; positions after a kept end-of-sequence do not matter.
            after_eos = (torch.cumsum((guess == eos).long(), 1) - (guess == eos).long()) > 0
            wrong = (top != guess) & ~after_eos & (positions[None, :] >= fixed)
            if not wrong.any():
                break
            first = torch.where(wrong.any(1), wrong.float().argmax(1), torch.full_like(wrong[:, 0], length, dtype=torch.long))
            guess = torch.where(positions[None, :] < first[:, None], guess, top)
    probs = torch.where(positions[None, :] < fixed, torch.ones_like(top_p), top_p)
    return guess.cpu(), probs.cpu()


def decode_rows(tokenizer, token_rows) -> list[str]:
    """Token id rows as text, up to each row's end-of-sequence token ('?' for
    any other special token)."""
    special = set(tokenizer.all_special_ids)
    eos = tokenizer.eos_token_id
    texts = []
    for ids in token_rows.tolist():
        chars = []
        for t in ids:
            if t == eos:
                break
            chars.append("?" if t in special else tokenizer.convert_ids_to_tokens(t))
        texts.append("".join(chars))
    return texts


def teacher_forced_exact(model, sequences, labels) -> bool:
    """Whether greedy decoding would reproduce every sequence's completion."""
    return bool(teacher_forced_rows(model, sequences, labels).all())


def teacher_forced_rows(model, sequences, labels):
    """Per sequence: would greedy decoding reproduce its completion?

    Greedy decoding yields the target if and only if, fed the target, the
    argmax at every completion position (through the eos) is the next target
    token: so one forward pass over [N, L] token ids checks all N states at
    once. `labels` marks those positions (-100 elsewhere: prompt, padding)."""
    import torch

    with torch.inference_mode():
        logits = model(input_ids=sequences.to(model.device)).logits
    predicted = logits[:, :-1].argmax(-1)
    target = labels[:, 1:].to(predicted.device)
    return ((predicted == target) | (target == -100)).all(1).cpu()


def field_results(system: System, state: State, text: str, probs: list[float]) -> dict[str, FieldResult]:
    """Each field's answer in a completion, its truth and the probability of its characters."""
    import math

    truth = system.truth(state)
    parsed = system.parse_completion(text)
    out = {}
    for f in system.fields:
        value, span = parsed[f]
        p = math.prod(probs[span[0]:span[1]]) if span else 0.0
        out[f] = FieldResult(value, truth[f], p)
    return out


def run(model, tokenizer, system: System, held_out=()) -> ProbeReport:
    """Probe every state of the system."""
    held = set(held_out)
    states = list(system.all_states)
    token_rows, prob_rows = greedy(model, tokenizer, system, states)
    texts = decode_rows(tokenizer, token_rows)
    results = [StateResult(state, state in held, text, field_results(system, state, text, p), system.completion(state))
               for state, text, p in zip(states, texts, prob_rows.tolist())]
    return ProbeReport(results, system, tuple(sorted(held)))


def probe_saved(folder):
    """Load the model saved in `folder` and probe it: (ProbeReport, manifest).
    Plain data, so the dashboard can run it in its helper process."""
    from . import model_store

    loaded = model_store.load(folder)
    return run(loaded.model, loaded.tokenizer, loaded.system, loaded.held_out), loaded.manifest
