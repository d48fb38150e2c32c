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

from contextlib import contextmanager

import torch
from torch import nn
from transformers import AutoConfig, AutoModelForCausalLM, GenerationMixin, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import CausalLMOutput

from causal_tui.learners.sites import Patch, Sites


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


def build(config, tokenizer, system) -> MLPForCausalLM:
    """A fresh MLP for the system's inputs and completion positions."""
    return MLPForCausalLM(MLPConfig(
        vocab_size=len(tokenizer), n_embd=config.n_embd, n_layer=config.n_layer,
        n_inputs=len(system.inputs), prompt_length=system.prompt_length,
        completion_positions=system.completion_length + 1,
        one_token_id=tokenizer.convert_tokens_to_ids("1"),
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.eos_token_id))


# -- intervention sites: each hidden layer after its activation, one vector (no positions) --
def sites(model) -> Sites:
    return Sites("mlp", [str(i) for i in range(len(_mlp_activations(model)))], model.config.n_embd, False,
                 _capture, _patching)


def _mlp_activations(model) -> list:
    from torch import nn

    return [m for m in model.body if isinstance(m, nn.GELU)]


def _capture(model, ids) -> dict:
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
def _patching(model, patch: Patch):
    def hook(module, inputs, output):
        return patch.value(patch.rows, output).to(output.dtype)

    handle = _mlp_activations(model)[int(patch.layer)].register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


# Known to the Auto classes as soon as the module is loaded (see registry.register_auto).
AutoConfig.register(MLPConfig.model_type, MLPConfig, exist_ok=True)
AutoModelForCausalLM.register(MLPConfig, MLPForCausalLM, exist_ok=True)

__all__ = ["MLPConfig", "MLPForCausalLM", "torch"]
