"""Where inside a learner an intervention can replace an activation: its
*sites*, named by layer and token position, read in one forward pass and
patched in later ones. Each learner gives its own (Learner.sites):

- GPT-2 (gpt2.py): the residual stream after the embeddings ("emb") and
  after each block ("0", "1", ...), at each token position.
- LSTM (lstm.py): each layer's state at each position, as one vector [h; c]
  (the output and the cell state: what the next position reads from that layer).
- MLP (mlp.py): each hidden layer (after its activation). It has no
  positions: the whole vector is one site, its position `None`.

A site's value is always one vector per state, so interchange (copy the
source's vector) and alignment search (rotate, copy a subspace) treat every
learner alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable



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
    logits_after: Callable | None = field(repr=False, default=None)
    """(model, layer, hidden, kv, rows, start) -> logits of the later layers only,
    from a captured run's cache (GPT-2); None where the learner cannot."""
    prefix_cache: Callable | None = field(repr=False, default=None)
    """(kv, rows, length) -> a fresh key-value cache of a captured run's first positions (GPT-2)."""

    def capture(self, model, ids) -> tuple[dict, object]:
        """One unpatched pass over `ids`: ({layer: [N, T, width] tensor} (MLP:
        [N, width]), and where the learner has one its key-value cache as
        [(keys, values)] per block, else None)."""
        return self._capture(model, ids)

    def patching(self, model, patch: Patch):
        """A context in which every forward pass of `model` writes `patch`."""
        return self._patching(model, patch)
