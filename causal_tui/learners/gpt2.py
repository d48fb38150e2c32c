"""The seed's learner: a tiny GPT-2 from transformers, and its intervention
sites (learners/sites.py): the residual stream after the embeddings ("emb")
and after each block ("0", "1", ...), at each token position."""

from __future__ import annotations

from contextlib import contextmanager

from causal_tui.learners import runtime
from causal_tui.learners.runtime import prefix_cache
from causal_tui.learners.sites import Patch, Sites


def build(config, tokenizer, system):
    from transformers import GPT2Config, GPT2LMHeadModel

    gpt_config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=system.sequence_length,
        n_embd=config.n_embd,
        n_layer=config.n_layer,
        n_head=config.n_head,
        bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        # GPT-2's gelu_new is this same tanh approximation written as five
        # elementwise ops; PyTorch's fused kernel makes a step ~20% faster on CPU.
        activation_function="gelu_pytorch_tanh",
    )
    model = GPT2LMHeadModel(gpt_config)
    # transformers guesses the loss from the class name, fails for GPT-2 and
    # warns on every run; name the loss it falls back to anyway.
    model.loss_type = "ForCausalLM"
    return model


def sites(model) -> Sites:
    n = len(model.transformer.h)
    return Sites("gpt2", ["emb"] + [str(i) for i in range(n)], model.config.n_embd, True, _capture, _patching,
                 logits_after=logits_after, prefix_cache=prefix_cache)


def _module(model, layer: str):
    return model.transformer.drop if layer == "emb" else model.transformer.h[int(layer)]


def _hidden(output):
    return output[0] if isinstance(output, tuple) else output


def _capture(model, ids) -> dict:
    import torch

    grabbed: dict[str, object] = {}
    layers = ["emb"] + [str(i) for i in range(len(model.transformer.h))]
    handles = [_module(model, name).register_forward_hook(
        lambda m, i, o, name=name: grabbed.__setitem__(name, _hidden(o).detach())) for name in layers]
    try:
        with torch.inference_mode():
            cache = getattr(model(input_ids=ids, use_cache=True), "past_key_values", None)
    finally:
        for h in handles:
            h.remove()
    # A model without a key-value cache (a hand-built one in the tests) is patched by whole passes.
    return grabbed, runtime.key_values(cache)


def logits_after(model, layer: str, hidden, kv, rows, start: int):
    """Logits at positions start.. of runs whose output of block `layer` at
    those positions is `hidden` ([B, T - start, width]) and whose earlier
    positions are `rows` of a captured run (`kv`): only the blocks after
    `layer` run. Where a patched run's tokens are the base's own, its blocks
    up to the patched one compute the captured run again: this skips them."""
    import torch
    from transformers.masking_utils import create_causal_mask

    cache = prefix_cache(kv, rows, start)
    position_ids = torch.arange(start, start + hidden.shape[1], device=hidden.device)[None]
    mask = create_causal_mask(config=model.config, inputs_embeds=hidden, attention_mask=None,
                              past_key_values=cache, position_ids=position_ids)
    for block in model.transformer.h[int(layer) + 1:]:
        hidden = _hidden(block(hidden, cache, mask, None, use_cache=cache is not None, position_ids=position_ids))
    return model.lm_head(model.transformer.ln_f(hidden))


@contextmanager
def _patching(model, patch: Patch):
    def hook(module, inputs, output):
        hidden = _hidden(output)
        p = patch.at(hidden.shape[1])
        if p is None:
            return output
        hidden = hidden.clone()
        hidden[:, p] = patch.value(patch.rows, hidden[:, p]).to(hidden.dtype)
        return (hidden, *output[1:]) if isinstance(output, tuple) else hidden

    handle = _module(model, patch.layer).register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()
