"""An MLP that reads the input bits and predicts each completion token with
one output head per position: no sequence, so it can never read what it
wrote (interventions on its own answers do not apply to it).

It keeps the causal-LM interface (input_ids -> logits [B, T, vocab], position
t predicting token t + 1) so that the probe, the Trainer and --test use it as
they use GPT-2: the logits at the completion positions come from the heads,
whatever tokens stand there.

Default size (512 wide, 4 layers): 791,040 parameters outside the heads,
within 1% of GPT-2 128/4/4's 793,344 outside its embeddings."""

from __future__ import annotations

import torch
from torch import nn
from transformers import AutoConfig, AutoModelForCausalLM, GenerationMixin, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import CausalLMOutput


class MLPConfig(PretrainedConfig):
    model_type = "causal-tui-mlp"

    def __init__(self, vocab_size: int = 16, n_embd: int = 512, n_layer: int = 4, n_inputs: int = 5,
                 prompt_length: int = 9, completion_positions: int = 13, one_token_id: int = 8,
                 dropout: float = 0.1, **kwargs):
        self.vocab_size, self.n_embd, self.n_layer, self.dropout = vocab_size, n_embd, n_layer, dropout
        self.n_inputs, self.prompt_length = n_inputs, prompt_length
        self.completion_positions, self.one_token_id = completion_positions, one_token_id
        kwargs.setdefault("tie_word_embeddings", False)
        super().__init__(**kwargs)


class MLPForCausalLM(PreTrainedModel, GenerationMixin):
    config_class = MLPConfig
    base_model_prefix = "mlp"

    def __init__(self, config: MLPConfig):
        super().__init__(config)
        layers, width = [], config.n_inputs
        for _ in range(config.n_layer):
            layers += [nn.Linear(width, config.n_embd), nn.GELU(approximate="tanh"), nn.Dropout(config.dropout)]
            width = config.n_embd
        self.body = nn.Sequential(*layers)
        # One head per completion position (the end-of-sequence token included).
        self.heads = nn.Linear(config.n_embd, config.completion_positions * config.vocab_size)
        self.post_init()

    def _init_weights(self, module):
        # PyTorch's own (Kaiming-uniform) initialisation: with a small fixed
        # std, as GPT-2 uses behind its layer norms, signals fade through the layers.
        if isinstance(module, nn.Linear):
            module.reset_parameters()

    def bits(self, input_ids):
        """The input bits, read off the prompt: every other token is a bit."""
        c = self.config
        return (input_ids[:, 0:c.prompt_length:2] == c.one_token_id).to(self.heads.weight.dtype)

    def forward(self, input_ids=None, labels=None, attention_mask=None, **kwargs):
        c = self.config
        batch, length = input_ids.shape
        per_position = self.heads(self.body(self.bits(input_ids))).view(batch, c.completion_positions, c.vocab_size)
        logits = per_position.new_zeros(batch, length, c.vocab_size)
        # Position prompt_length - 1 + j predicts completion token j.
        start = c.prompt_length - 1
        n = max(0, min(c.completion_positions, length - start))
        logits[:, start:start + n] = per_position[:, :n]
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits[:, :-1].reshape(-1, c.vocab_size).float(),
                                               labels[:, 1:].reshape(-1), ignore_index=-100)
        return CausalLMOutput(loss=loss, logits=logits)

    def prepare_inputs_for_generation(self, input_ids, **kwargs):
        return {"input_ids": input_ids}


# Known to the Auto classes as soon as the module is loaded (see registry.register).
AutoConfig.register(MLPConfig.model_type, MLPConfig, exist_ok=True)
AutoModelForCausalLM.register(MLPConfig, MLPForCausalLM, exist_ok=True)

__all__ = ["MLPConfig", "MLPForCausalLM", "torch"]
