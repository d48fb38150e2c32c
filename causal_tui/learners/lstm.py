"""An LSTM language model over the same tokens and completion format as GPT-2:
token embeddings, stacked LSTM layers, an output layer tied to the embeddings.

Default size (156 wide, 4 layers): 783,744 parameters outside the embeddings,
within 2% of GPT-2 128/4/4's 793,344."""

from __future__ import annotations

from contextlib import contextmanager

import torch
from torch import nn
from transformers import AutoConfig, AutoModelForCausalLM, GenerationMixin, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import CausalLMOutput

from causal_tui.learners.sites import Patch, Sites

EMBED_STD = 0.1


class LSTMConfig(PretrainedConfig):
    model_type = "causal-tui-lstm"

    def __init__(self, vocab_size: int = 16, n_embd: int = 156, n_layer: int = 4, dropout: float = 0.1, **kwargs):
        self.vocab_size, self.n_embd, self.n_layer, self.dropout = vocab_size, n_embd, n_layer, dropout
        kwargs.setdefault("tie_word_embeddings", True)
        super().__init__(**kwargs)


class LSTMForCausalLM(PreTrainedModel, GenerationMixin):
    config_class = LSTMConfig
    base_model_prefix = "lstm"
    _tied_weights_keys = {"lm_head.weight": "embed.weight"}
    patched_lstm = None
    """While an intervention patches a layer's state: what runs instead of `lstm` (see sites())."""

    def __init__(self, config: LSTMConfig):
        super().__init__(config)
        self.embed = nn.Embedding(config.vocab_size, config.n_embd)
        self.drop = nn.Dropout(config.dropout)
        self.lstm = nn.LSTM(config.n_embd, config.n_embd, num_layers=config.n_layer, batch_first=True,
                            dropout=config.dropout if config.n_layer > 1 else 0.0)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.post_init()

    def get_input_embeddings(self):
        return self.embed

    def set_input_embeddings(self, value):
        self.embed = value

    def get_output_embeddings(self):
        return self.lm_head

    def _init_weights(self, module):
        if isinstance(module, nn.Embedding):
            # Larger than GPT-2's 0.02: no layer norm rescales what the LSTM reads.
            nn.init.normal_(module.weight, std=EMBED_STD)
        elif isinstance(module, nn.LSTM):
            module.reset_parameters()

    def forward(self, input_ids=None, labels=None, attention_mask=None, **kwargs):
        hidden, _ = (self.patched_lstm or self.lstm)(self.drop(self.embed(input_ids)))
        logits = self.lm_head(self.drop(hidden))
        loss = None
        if labels is not None:
            # As GPT-2 does: position t predicts token t + 1.
            loss = nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(),
                                               labels[:, 1:].reshape(-1), ignore_index=-100)
        return CausalLMOutput(loss=loss, logits=logits)

    def prepare_inputs_for_generation(self, input_ids, **kwargs):
        # No cache: the whole sequence each step (sequences are a few dozen tokens).
        return {"input_ids": input_ids}


def build(config, tokenizer, system) -> LSTMForCausalLM:
    return LSTMForCausalLM(LSTMConfig(vocab_size=len(tokenizer), n_embd=config.n_embd, n_layer=config.n_layer,
                                      pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                                      bos_token_id=tokenizer.eos_token_id))


# -- intervention sites: each layer's state [h; c] at each position ----------------------
def sites(model) -> Sites:
    return Sites("lstm", [str(i) for i in range(model.config.n_layer)], 2 * model.config.n_embd, True,
                 _capture, _patching)


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


def _capture(model, ids) -> dict:
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
def _patching(model, patch: Patch):
    model.patched_lstm = _PatchedLSTM(_LayerByLayer(model.lstm), patch)
    try:
        yield
    finally:
        del model.patched_lstm


# Known to the Auto classes as soon as the module is loaded (see registry.register_auto).
AutoConfig.register(LSTMConfig.model_type, LSTMConfig, exist_ok=True)
AutoModelForCausalLM.register(LSTMConfig, LSTMForCausalLM, exist_ok=True)

__all__ = ["LSTMConfig", "LSTMForCausalLM", "torch"]
