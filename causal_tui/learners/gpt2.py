"""The seed's learner: a tiny GPT-2 from transformers."""

from __future__ import annotations


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
