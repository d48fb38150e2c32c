"""A regression head (--head regression), for GPT-2 and the MLP: the learner
reads the prompt and outputs one real number per field, trained with squared
error, as Abbe et al. (2023) train their Transformer: a 0/1 field's target is
its +-1 coding (1 - 2*bit: 0 -> +1, 1 -> -1), a sum's its value.

It keeps the causal-LM interface the rest of the tool speaks (input_ids ->
logits over the completion): the completion's structure (commas, newlines,
the end) is fixed and given full weight, and a field's characters are its
answer: a 0/1 field's 1 where its value is below 0 (bit coding above 1/2),
a sum's value rounded. So the probe, --until-perfect and the scorecard use
it as any learner; the real values (`values`) are what the spectrum reads.
Only systems whose fields are written in one character each (every bundled
one: sums below 10) can have it."""

from __future__ import annotations

import torch
from torch import nn
from transformers import (AutoConfig, AutoModelForCausalLM, GenerationMixin, GPT2Config, GPT2Model, PretrainedConfig,
                          PreTrainedModel)
from transformers.modeling_outputs import CausalLMOutput

STRUCTURE_LOGIT = 30.0
"""The logit of the one token a structural position can hold (all others: minus it)."""


class RegressionConfig(PretrainedConfig):
    model_type = "causal-tui-regression"

    def __init__(self, backbone: str = "mlp", vocab_size: int = 16, n_embd: int = 128, n_layer: int = 4,
                 n_head: int = 4, n_inputs: int = 5, prompt_length: int = 9, n_positions: int = 32,
                 one_token_id: int = 8, structure: list | None = None, fields: list | None = None,
                 binary: list | None = None, digit_ids: list | None = None, dropout: float = 0.0, **kwargs):
        self.backbone, self.vocab_size, self.n_embd, self.n_layer, self.n_head = backbone, vocab_size, n_embd, \
            n_layer, n_head
        self.n_inputs, self.prompt_length, self.n_positions, self.one_token_id = n_inputs, prompt_length, \
            n_positions, one_token_id
        self.structure = structure or []
        """Per completion position (eos included): the token it always holds, or -1 for a field's character."""
        self.fields = fields or []
        """Per field, its completion position."""
        self.binary = binary or []
        """Per field, whether it is 0/1 (else a sum)."""
        self.digit_ids = digit_ids or []
        """Token ids of '0'..'9'."""
        self.dropout = dropout
        kwargs.setdefault("tie_word_embeddings", False)
        super().__init__(**kwargs)


class RegressionForCausalLM(PreTrainedModel, GenerationMixin):
    config_class = RegressionConfig
    base_model_prefix = "regression"

    def __init__(self, config: RegressionConfig):
        super().__init__(config)
        if config.backbone == "gpt2":
            self.body = GPT2Model(GPT2Config(vocab_size=config.vocab_size, n_positions=config.n_positions,
                                             n_embd=config.n_embd, n_layer=config.n_layer, n_head=config.n_head,
                                             activation_function="gelu_pytorch_tanh",
                                             bos_token_id=config.eos_token_id, eos_token_id=config.eos_token_id,
                                             pad_token_id=config.pad_token_id))
            width = config.n_embd
        else:
            layers, width = [], config.n_inputs
            for _ in range(config.n_layer):
                layers += [nn.Linear(width, config.n_embd), nn.GELU(approximate="tanh")]
                width = config.n_embd
            self.body = nn.Sequential(*layers)
        self.head = nn.Linear(width, len(config.fields))
        self.post_init()

    def _init_weights(self, module):
        if isinstance(module, nn.Linear) and self.config.backbone != "gpt2":
            module.reset_parameters()

    def values(self, input_ids) -> torch.Tensor:
        """[B, fields]: each field's real value, read from the prompt (the first prompt_length tokens)."""
        c = self.config
        prompt = input_ids[:, :c.prompt_length]
        if c.backbone == "gpt2":
            hidden = self.body(input_ids=prompt).last_hidden_state[:, -1]
        else:
            hidden = self.body((prompt[:, 0::2] == c.one_token_id).to(self.head.weight.dtype))
        return self.head(hidden)

    def field_values(self, tokenizer, system, states) -> dict[str, dict[str, float]]:
        """{state: {field: value}} on these states, a 0/1 field's in its 0/1 coding
        ((1 - v) / 2: what its probability of 1 stands for), a sum's as it is."""
        prompts = torch.tensor([tokenizer.convert_tokens_to_ids(list(system.prompt(s))) for s in states],
                               dtype=torch.long)
        with torch.inference_mode():
            values = self.values(prompts.to(self.device)).float().cpu()
        out = {}
        for i, s in enumerate(states):
            out[system.format_state(s)] = {
                f: round(float((1 - values[i, j]) / 2 if self.config.binary[j] else values[i, j]), 6)
                for j, f in enumerate(system.fields)}
        return out

    def answers(self, values: torch.Tensor) -> torch.Tensor:
        """[B, fields] whole numbers: a 0/1 field's 1 below 0 (its +-1 coding), a sum rounded (0..9)."""
        binary = torch.tensor(self.config.binary, device=values.device)
        return torch.where(binary, (values < 0).long(), values.round().clamp(0, 9).long())

    def forward(self, input_ids=None, labels=None, attention_mask=None, **kwargs):
        c = self.config
        batch, length = input_ids.shape
        values = self.values(input_ids)
        logits = values.new_zeros(batch, length, c.vocab_size)
        start = c.prompt_length - 1  # this position predicts completion token 0
        # Every other token far below at a completion position: only the completion's own can be chosen.
        logits[:, start:start + len(c.structure)] = -STRUCTURE_LOGIT
        digits = torch.tensor(c.digit_ids, device=input_ids.device)
        answers = self.answers(values.detach())
        for j, token in enumerate(c.structure):
            if start + j >= length:
                break
            if token >= 0:
                logits[:, start + j, token] = STRUCTURE_LOGIT
        for f, position in enumerate(c.fields):
            if start + position >= length:
                continue
            if c.binary[f]:
                # p(1) = the value in 0/1 coding, (1 - v) / 2, kept inside (0, 1): the probe records it.
                p1 = ((1 - values[:, f].detach().float()) / 2).clamp(1e-4, 1 - 1e-4)
                logits[:, start + position, digits[1]] = torch.log(p1).to(logits.dtype)
                logits[:, start + position, digits[0]] = torch.log1p(-p1).to(logits.dtype)
            else:
                logits[:, start + position, digits[answers[:, f]]] = STRUCTURE_LOGIT
        loss = None
        if labels is not None:
            loss = nn.functional.mse_loss(values.float(), self.targets(labels))
        return CausalLMOutput(loss=loss, logits=logits)

    def targets(self, labels) -> torch.Tensor:
        """[B, fields] regression targets read off the token labels: +-1 for a 0/1 field, a sum's value."""
        c = self.config
        start = c.prompt_length
        lookup = torch.full((c.vocab_size,), -1.0, device=labels.device)
        for d, token in enumerate(c.digit_ids):
            lookup[token] = float(d)
        columns = []
        for f, position in enumerate(c.fields):
            digit = lookup[labels[:, start + position].clamp(min=0)]
            columns.append(1 - 2 * digit if c.binary[f] else digit)
        return torch.stack(columns, 1)

    def prepare_inputs_for_generation(self, input_ids, **kwargs):
        return {"input_ids": input_ids}


AutoConfig.register(RegressionConfig.model_type, RegressionConfig, exist_ok=True)
AutoModelForCausalLM.register(RegressionConfig, RegressionForCausalLM, exist_ok=True)


def layout(tokenizer, system) -> dict:
    """The completion's fixed structure and each field's position; ValueError
    where a field is written in more than one character (a sum of 10 or more)."""
    example = system.completion(system.all_states[0])
    spans = system.parse_completion(example)
    longest = max(len(system.completion(s)) for s in system.all_states)
    if longest != len(example) or any(span is None or span[1] - span[0] != 1 for _, span in spans.values()):
        raise ValueError(f"the {system.name} system writes a field in more than one character: a regression head "
                         "needs every field in one (sums below 10)")
    ids = tokenizer.convert_tokens_to_ids(list(example)) + [tokenizer.eos_token_id]
    at = {span[0]: f for f, (_, span) in spans.items()}
    structure = [-1 if j in at else token for j, token in enumerate(ids)]
    return {"structure": structure, "fields": [spans[f][1][0] for f in system.fields],
            "binary": [f in system.outputs for f in system.fields],
            "digit_ids": tokenizer.convert_tokens_to_ids([str(d) for d in range(10)])}


def build(config, tokenizer, system, backbone: str) -> RegressionForCausalLM:
    shape = layout(tokenizer, system)
    return RegressionForCausalLM(RegressionConfig(
        backbone=backbone, vocab_size=len(tokenizer), n_embd=config.n_embd, n_layer=config.n_layer,
        n_head=config.n_head, n_inputs=len(system.inputs), prompt_length=system.prompt_length,
        n_positions=system.sequence_length, one_token_id=tokenizer.convert_tokens_to_ids("1"),
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        bos_token_id=tokenizer.eos_token_id, **shape))
