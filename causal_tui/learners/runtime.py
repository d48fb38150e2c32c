"""How a model object runs: the precision it was trained in (fp32, or bfloat16
autocast), remembered on the object, so that greedy decoding (the probe, the
--until-perfect check, the interpretability tools) runs under the same
autocast: the verdicts are those of the model as it was trained."""

from __future__ import annotations

import contextlib

ATTRIBUTE = "causal_tui_precision"
"""Where a model object keeps the precision it runs in."""


def mark(model, precision: str) -> None:
    """Remember on the model object which precision it runs in ('bf16' or 'fp32')."""
    setattr(model, ATTRIBUTE, precision)


def of(model) -> str:
    return getattr(model, ATTRIBUTE, "fp32")


def autocast(model):
    """The context the model's forward passes run in for decoding: the bf16
    autocast it was trained under, or nothing (fp32)."""
    if of(model) != "bf16":
        return contextlib.nullcontext()
    import torch

    return torch.autocast(device_type=model.device.type, dtype=torch.bfloat16)


def key_values(cache):
    """A transformers key-value cache as [(keys, values)] per layer, each
    [rows, heads, positions, width]; None for a cache of another shape."""
    layers = getattr(cache, "layers", None)
    if not layers or not all(hasattr(layer, "keys") and hasattr(layer, "values") for layer in layers):
        return None
    return [(layer.keys, layer.values) for layer in layers]


def prefix_cache(kv, rows, length: int):
    """A fresh key-value cache of `rows` of a captured run's first `length`
    positions (a forward pass extends the cache it is given: one per pass)."""
    from transformers import DynamicCache

    if length == 0:
        return None
    return DynamicCache(ddp_cache_data=[(k[rows, :, :length], v[rows, :, :length]) for k, v in kv])
