"""Where inside each learner an intervention can replace an activation: its
*sites*, named by layer and token position, read in one forward pass and
patched in later ones.

- GPT-2: the residual stream after the embeddings ("emb") and after each
  block ("0", "1", ...), at each token position.
- LSTM: each layer's state at each position, as one vector [h; c] (the
  output and the cell state: what the next position reads from that layer).
- MLP: each hidden layer (after its activation). It has no positions: the
  whole vector is one site, its position `None`.

A site's value is always one vector per state, so interchange (copy the
source's vector) and alignment search (rotate, copy a subspace) treat every
learner alike."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

from causal_tui.interpret.common import kind_of


@dataclass
class Patch:
    """What a patched forward pass writes at one site: `value(rows, current)`
    returns the vectors for those rows of the batch (the batch's rows are
    `rows` of the pairs being decoded), given the vectors the pass computed."""

    layer: str
    position: int | None
    value: Callable
    rows: object = None
    """Index tensor: which pairs the next forward pass's rows are (set by the decoder)."""
    offset: int = 0
    """The position the next forward pass's first token stands at (a cached
    one-token step runs later positions only: nothing to patch there)."""

    def at(self, length: int) -> int | None:
        """Where in a pass of `length` tokens the patched position is, if in it."""
        p = self.position - self.offset
        return p if 0 <= p < length else None


@dataclass
class Sites:
    kind: str
    layers: list[str]
    width: int
    """The length of one site's vector."""
    has_positions: bool = True
    _capture: Callable = field(repr=False, default=None)
    _patching: Callable = field(repr=False, default=None)

    def capture(self, model, ids) -> tuple[dict, object]:
        """One unpatched pass over `ids`: ({layer: [N, T, width] tensor} (MLP:
        [N, width]), and for GPT-2 its key-value cache as [(keys, values)] per
        block, else None)."""
        return self._capture(model, ids)

    def patching(self, model, patch: Patch):
        """A context in which every forward pass of `model` writes `patch`."""
        return self._patching(model, patch)


def of(model) -> Sites:
    kind = kind_of(model)
    if kind == "gpt2":
        n = len(model.transformer.h)
        return Sites(kind, ["emb"] + [str(i) for i in range(n)], model.config.n_embd, True, _gpt2_capture, _gpt2_patching)
    if kind == "mlp":
        return Sites(kind, [str(i) for i in range(len(_mlp_activations(model)))], model.config.n_embd, False,
                     _mlp_capture, _mlp_patching)
    if kind == "lstm":
        return Sites(kind, [str(i) for i in range(model.config.n_layer)], 2 * model.config.n_embd, True,
                     _lstm_capture, _lstm_patching)
    raise ValueError(f"no intervention sites known for a {kind} model")


# -- GPT-2 -------------------------------------------------------------------
def _gpt2_module(model, layer: str):
    return model.transformer.drop if layer == "emb" else model.transformer.h[int(layer)]


def _hidden(output):
    return output[0] if isinstance(output, tuple) else output


def _gpt2_capture(model, ids) -> dict:
    import torch

    grabbed: dict[str, object] = {}
    layers = ["emb"] + [str(i) for i in range(len(model.transformer.h))]
    handles = [_gpt2_module(model, name).register_forward_hook(
        lambda m, i, o, name=name: grabbed.__setitem__(name, _hidden(o).detach())) for name in layers]
    try:
        with torch.inference_mode():
            cache = getattr(model(input_ids=ids, use_cache=True), "past_key_values", None)
    finally:
        for h in handles:
            h.remove()
    # A model without a key-value cache (a hand-built one in the tests) is patched by whole passes.
    kv = [(layer.keys, layer.values) for layer in cache.layers] if hasattr(cache, "layers") else None
    return grabbed, kv


def prefix_cache(kv, rows, length: int):
    """A fresh key-value cache of `rows` of a captured run's first `length`
    positions (a forward pass extends the cache it is given: one per pass)."""
    from transformers import DynamicCache

    if length == 0:
        return None
    return DynamicCache(ddp_cache_data=[(k[rows, :, :length], v[rows, :, :length]) for k, v in kv])


def gpt2_logits_after(model, layer: str, hidden, kv, rows, start: int):
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
def _gpt2_patching(model, patch: Patch):
    def hook(module, inputs, output):
        hidden = _hidden(output)
        p = patch.at(hidden.shape[1])
        if p is None:
            return output
        hidden = hidden.clone()
        hidden[:, p] = patch.value(patch.rows, hidden[:, p]).to(hidden.dtype)
        return (hidden, *output[1:]) if isinstance(output, tuple) else hidden

    handle = _gpt2_module(model, patch.layer).register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


# -- MLP ----------------------------------------------------------------------
def _mlp_activations(model) -> list:
    from torch import nn

    return [m for m in model.body if isinstance(m, nn.GELU)]


def _mlp_capture(model, ids) -> dict:
    import torch

    grabbed: dict[str, object] = {}
    handles = [m.register_forward_hook(lambda mod, i, o, k=k: grabbed.__setitem__(str(k), o.detach()))
               for k, m in enumerate(_mlp_activations(model))]
    try:
        with torch.inference_mode():
            model(input_ids=ids)
    finally:
        for h in handles:
            h.remove()
    return grabbed, None


@contextmanager
def _mlp_patching(model, patch: Patch):
    def hook(module, inputs, output):
        return patch.value(patch.rows, output).to(output.dtype)

    handle = _mlp_activations(model)[int(patch.layer)].register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


# -- LSTM ---------------------------------------------------------------------
class _LayerByLayer:
    """The model's stacked LSTM run one layer at a time (the same weights), so
    that one layer's state can be replaced at one position."""

    def __init__(self, lstm):
        import torch
        from torch import nn

        self.lstm = lstm
        p = next(lstm.parameters())
        self.one = nn.LSTM(lstm.input_size, lstm.hidden_size, 1, batch_first=True).to(device=p.device, dtype=p.dtype)
        self.functional_call = torch.func.functional_call

    def layer(self, k: int, x, state=None):
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        weights = {f"{n}_l0": getattr(self.lstm, f"{n}_l{k}") for n in names}
        return self.functional_call(self.one, weights, (x, state) if state is not None else (x,))

    def states(self, x) -> list:
        """Per layer, [N, T, 2 * width]: [h; c] after each position."""
        import torch

        out = []
        for k in range(self.lstm.num_layers):
            hs, cs, state = [], [], None
            for t in range(x.shape[1]):
                y, state = self.layer(k, x[:, t:t + 1], state)
                hs.append(state[0][0])
                cs.append(state[1][0])
            out.append(torch.cat([torch.stack(hs, 1), torch.stack(cs, 1)], -1))
            x = torch.stack(hs, 1)
        return out


def _lstm_capture(model, ids) -> dict:
    import torch

    with torch.inference_mode():
        states = _LayerByLayer(model.lstm).states(model.embed(ids))
    return {str(k): s for k, s in enumerate(states)}, None


class _PatchedLSTM:
    """Stands in for model.lstm during a patched pass: layers run whole, the
    patched one in two pieces around the position, its state replaced there."""

    def __init__(self, runner: _LayerByLayer, patch: Patch):
        self.runner, self.patch = runner, patch

    def __call__(self, x):
        import torch

        target, pos = int(self.patch.layer), self.patch.position
        width = self.runner.lstm.hidden_size
        for k in range(self.runner.lstm.num_layers):
            if k != target:
                x, _ = self.runner.layer(k, x)
                continue
            head, (h, c) = self.runner.layer(k, x[:, :pos + 1])
            current = torch.cat([h[0], c[0]], -1)
            new = self.patch.value(self.patch.rows, current).to(x.dtype)
            h, c = new[:, :width], new[:, width:]
            head = torch.cat([head[:, :pos], h[:, None]], 1)
            if x.shape[1] > pos + 1:
                tail, _ = self.runner.layer(k, x[:, pos + 1:], (h[None].contiguous(), c[None].contiguous()))
                head = torch.cat([head, tail], 1)
            x = head
        return x, None


@contextmanager
def _lstm_patching(model, patch: Patch):
    original = model.lstm
    patched = _PatchedLSTM(_LayerByLayer(original), patch)
    # Not an nn.Module: set on the instance's dict, so forward's `self.lstm` finds it.
    del model._modules["lstm"]
    model.__dict__["lstm"] = patched
    try:
        yield
    finally:
        del model.__dict__["lstm"]
        model._modules["lstm"] = original
