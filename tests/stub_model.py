"""A hand-built 'model' with the standard interface (input_ids -> .logits)
whose answers are known: it writes the completion a rule function gives,
reading back what it has written so far. For hand-computed tests of the
interpretability tools."""

from __future__ import annotations

from types import SimpleNamespace

import torch

from causal_tui.systems.catalog import SEED


class StubModel(torch.nn.Module):
    """`answer(state, written) -> {field: value}`: the model's answers given the
    fields it has already written (a dict of the ones written so far)."""

    def __init__(self, tokenizer, answer, system=SEED):
        super().__init__()
        self.tokenizer, self.answer, self.system = tokenizer, answer, system
        self.config = SimpleNamespace(model_type="stub", use_cache=False)
        self.training = False

    @property
    def device(self):
        return torch.device("cpu")

    def completion_for(self, state, written: str) -> str:
        system = self.system
        parsed = system.parse_completion(written)
        values = {f: v for f, (v, span) in parsed.items() if v is not None and span and span[1] < len(written)}
        # a field is written once a character follows it (a separator or newline)
        return system.completion_from(self.answer(state, values)) if hasattr(system, "completion_from") else \
            _completion(system, self.answer(state, values))

    def forward(self, input_ids, **kwargs):
        tok, system = self.tokenizer, self.system
        vocab = len(tok)
        logits = torch.full((*input_ids.shape, vocab), -20.0)
        for b, row in enumerate(input_ids.tolist()):
            text = "".join(tok.convert_ids_to_tokens(t) for t in row)
            state = system.parse_state(text[:system.prompt_length])
            for t in range(system.prompt_length - 1, len(row)):
                written = text[system.prompt_length:t + 1]
                target = self.completion_for(state, written)
                nxt = target[len(written)] if len(written) < len(target) else None
                logits[b, t, tok.eos_token_id if nxt is None else tok.convert_tokens_to_ids(nxt)] = 20.0
        return SimpleNamespace(logits=logits)


def _completion(system, values: dict) -> str:
    text = "\n" + ",".join(str(values[o]) for o in system.outputs) + "\n"
    if system.sums:
        text += " - ".join(str(values[s.name]) for s in system.sums) + "\n"
    return text


def reads_what_it_wrote(state, written):
    """H1: newD = A OR the newB it wrote; sum2 = the sum of what it wrote."""
    a, b, c, d, e = state
    v = dict(written)
    v.setdefault("newA", a ^ c)
    v.setdefault("newB", 1 - d)
    v.setdefault("newC", b & e)
    v.setdefault("newD", a | v["newB"])
    v.setdefault("sum1", a + b + c + d + e)
    v.setdefault("sum2", v["newA"] + v["newB"] + v["newC"] + v["newD"])
    return v


def ignores_what_it_wrote(state, written):
    """H2: every answer from the inputs, whatever it wrote before."""
    return {**SEED.truth(state), **{k: v for k, v in written.items() if k in ("newA", "newB", "newC")}}


def or_instead_of_xor(state, written):
    """Reads what it wrote, but answers newA = A OR C (the A=1&C=1 failure)."""
    a, _, c, _, _ = state
    return reads_what_it_wrote(state, {"newA": a | c, **written})
