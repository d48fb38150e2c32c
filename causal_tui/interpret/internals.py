"""One state seen from inside a GPT-2: attention, the logit lens and causal
tracing (activation patching). Each says where in the model an answer forms.

Conventions (TransformerLens's patching.py; Zhang & Nanda 2023, "Towards Best
Practices of Activation Patching"): a corrupted run flips one input bit (an
in-distribution counterfactual), and recovery is read both as the clean
answer's probability and as the normalised logit difference between the
clean and the corrupted answer, (patched - corrupted) / (clean - corrupted),
which also shows components that push the other way."""

from __future__ import annotations

from contextlib import contextmanager

from causal_tui.interpret.common import encode, learner_of, parent_positions, token_labels
from causal_tui.learners.runtime import autocast
from causal_tui.systems.system import State, System


class NotApplicable(Exception):
    """The tool needs something this learner does not have (attention, layers)."""


def _needs_attention(model, what: str) -> None:
    learner = learner_of(model)
    if not learner.has_attention:
        raise NotApplicable(f"{what} needs a transformer; this model is {learner.name}")


def _prefix_ids(tokenizer, system: System, state: State, completion: str, field: str):
    """Token ids of prompt + completion up to the field's first character, and
    that character: the last position is the one that predicts it."""
    value, span = system.parse_completion(completion)[field]
    if span is None:
        raise ValueError(f"the completion {completion!r} has no {field}")
    text = system.prompt(state) + completion[:span[0]]
    return encode(tokenizer, text), completion[span[0]], text


def attention(model, tokenizer, system: System, state: State, field: str, completion: str) -> dict:
    """Attention from the position that predicts `field` (in the model's own
    `completion`) to every earlier token, per layer and head."""
    import torch

    _needs_attention(model, "attention")
    ids, _, text = _prefix_ids(tokenizer, system, state, completion, field)
    previous = model.config._attn_implementation
    # SDPA returns no weights (transformers then gives an empty tuple): eager does.
    model.set_attn_implementation("eager")
    try:
        with torch.inference_mode(), autocast(model):
            out = model(input_ids=torch.tensor([ids], device=model.device), output_attentions=True)
    finally:
        model.set_attn_implementation(previous)
    rows, weights = [], []
    for layer, att in enumerate(out.attentions):
        for head in range(att.shape[1]):
            rows.append(f"{layer}.{head}")
            weights.append([round(float(w), 6) for w in att[0, head, -1]])
    return {"field": field, "position": len(ids) - 1, "tokens": token_labels(text),
            "parents": parent_positions(system, field, completion), "rows": rows, "weights": weights}


def logit_lens(model, tokenizer, system: System, state: State) -> dict:
    """Per layer and field: the probability of the right answer when that
    layer's residual stream, at the position that predicts the field (the
    true completion fed in), goes through the final layer norm and the LM head."""
    import torch

    _needs_attention(model, "the logit lens")
    truth = system.completion(state)
    ids = encode(tokenizer, system.prompt(state) + truth)
    with torch.inference_mode(), autocast(model):
        out = model(input_ids=torch.tensor([ids], device=model.device), output_hidden_states=True)
        hidden = out.hidden_states
        spans = system.parse_completion(truth)
        layers = ["emb"] + [str(i) for i in range(len(hidden) - 1)]
        fields = {}
        for f in system.fields:
            start = spans[f][1][0]
            pos = system.prompt_length + start - 1
            target = tokenizer.convert_tokens_to_ids(truth[start])
            probs = []
            for i, h in enumerate(hidden):
                # The last entry is already after ln_f; the others are raw residuals.
                x = h[0, pos] if i == len(hidden) - 1 else model.transformer.ln_f(h[0, pos])
                probs.append(round(float(model.lm_head(x).float().softmax(-1)[target]), 6))
            fields[f] = probs
    return {"layers": layers, "fields": fields, "truth": truth}


@contextmanager
def _patching(model, layer: int, rows_positions, clean):
    """Replace, in row b, the hidden state at position rows_positions[b] of the
    given layer (-1: the embeddings) with the clean run's."""
    target = model.transformer.drop if layer < 0 else model.transformer.h[layer]

    def hook(module, inputs, output):
        hidden = output[0] if isinstance(output, tuple) else output
        hidden = hidden.clone()
        for b, pos in enumerate(rows_positions):
            hidden[b, pos] = clean[b if clean.shape[0] > 1 else 0, pos]
        return (hidden, *output[1:]) if isinstance(output, tuple) else hidden

    handle = target.register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


def _capture(model, ids):
    """Run once and keep every layer's output (embeddings first)."""
    import torch

    grabbed: dict[int, object] = {}
    handles = [model.transformer.drop.register_forward_hook(lambda m, i, o: grabbed.__setitem__(-1, o))]
    for k, block in enumerate(model.transformer.h):
        handles.append(block.register_forward_hook(
            lambda m, i, o, k=k: grabbed.__setitem__(k, o[0] if isinstance(o, tuple) else o)))
    try:
        with torch.inference_mode(), autocast(model):
            logits = model(input_ids=ids).logits
    finally:
        for h in handles:
            h.remove()
    return logits, grabbed


def trace(model, tokenizer, system: System, state: State, field: str, flip: str | None,
          completion: str) -> dict:
    """Causal tracing for one state, field and input: run the state with input
    `flip` flipped, restore the clean run's hidden state at one (layer,
    position) at a time, and record how much of the clean answer comes back.
    `flip=None` flips nothing (a check: everything is restored)."""
    import torch

    _needs_attention(model, "causal tracing")
    ids, answer_char, text = _prefix_ids(tokenizer, system, state, completion, field)
    clean_ids = torch.tensor([ids], device=model.device)
    corrupt = list(ids)
    if flip is not None:
        i = system.inputs.index(flip)
        corrupt[2 * i] = tokenizer.convert_tokens_to_ids(str(1 - state[i]))
    corrupt_ids = torch.tensor([corrupt], device=model.device)
    clean_answer = tokenizer.convert_tokens_to_ids(answer_char)
    clean_logits, clean_hidden = _capture(model, clean_ids)
    with torch.inference_mode(), autocast(model):
        corrupt_logits = model(input_ids=corrupt_ids).logits
    last = len(ids) - 1
    c_logit, x_logit = clean_logits[0, last].float(), corrupt_logits[0, last].float()
    corrupt_answer = int(x_logit.argmax())
    clean_p = float(c_logit.softmax(-1)[clean_answer])
    corrupt_p = float(x_logit.softmax(-1)[clean_answer])

    def diff(logits):  # clean answer against the corrupted run's answer
        return logits[..., clean_answer] - logits[..., corrupt_answer]

    clean_d, corrupt_d = float(diff(c_logit)), float(diff(x_logit))
    normalise = corrupt_answer != clean_answer and abs(clean_d - corrupt_d) > 1e-9
    layers = ["emb"] + [str(k) for k in range(len(model.transformer.h))]
    positions = list(range(len(ids)))
    probs, ldiff = [], []
    batch = corrupt_ids.expand(len(positions), -1)
    for layer in range(-1, len(model.transformer.h)):
        with _patching(model, layer, positions, clean_hidden[layer]), torch.inference_mode(), \
                autocast(model):
            logits = model(input_ids=batch).logits[:, last].float()
        probs.append([round(float(p), 6) for p in logits.softmax(-1)[:, clean_answer]])
        if normalise:
            ldiff.append([round((float(d) - corrupt_d) / (clean_d - corrupt_d), 6) for d in diff(logits)])
    return {
        "field": field, "flipped": flip, "tokens": token_labels(text),
        "clean_answer": answer_char, "corrupted_answer": tokenizer.convert_ids_to_tokens(corrupt_answer),
        "clean_prob": round(clean_p, 6), "corrupted_prob": round(corrupt_p, 6),
        "layers": layers, "recovered_prob": probs,
        "normalized_logit_diff": ldiff if normalise else None,
        "note": None if normalise else "flipping it does not change the model's answer: nothing to recover",
    }
