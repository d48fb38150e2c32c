"""An LSTM language model over the same tokens and completion format as GPT-2:
token embeddings, stacked LSTM layers, an output layer tied to the embeddings.

Default size (156 wide, 4 layers): 783,744 parameters outside the embeddings,
within 2% of GPT-2 128/4/4's 793,344."""

from __future__ import annotations

import torch
from torch import nn
from transformers import AutoConfig, AutoModelForCausalLM, GenerationMixin, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import CausalLMOutput

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
        hidden, _ = self.lstm(self.drop(self.embed(input_ids)))
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


# Known to the Auto classes as soon as the module is loaded (see registry.register).
AutoConfig.register(LSTMConfig.model_type, LSTMConfig, exist_ok=True)
AutoModelForCausalLM.register(LSTMConfig, LSTMForCausalLM, exist_ok=True)

__all__ = ["LSTMConfig", "LSTMForCausalLM", "torch"]
