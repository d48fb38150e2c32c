"""The learners: GPT-2 (the seed's), an LSTM language model and an MLP, each a
Hugging Face `PreTrainedModel` with its own config class, so the Trainer,
save_pretrained/from_pretrained, the probe, --test, sweeps and the scorecard
treat them alike.

`register()` adds the LSTM and MLP to transformers' Auto classes. Importing
causal_tui arms it (see causal_tui/__init__.py) without importing torch:
the registration runs when transformers itself is imported."""

from __future__ import annotations

ARCHS = ("gpt2", "lstm", "mlp")

_registered = False


def register() -> None:
    """Make AutoConfig / AutoModelForCausalLM know the LSTM and the MLP (idempotent)."""
    global _registered
    if _registered:
        return
    _registered = True
    from transformers import AutoConfig, AutoModelForCausalLM

    from .lstm import LSTMConfig, LSTMForCausalLM
    from .mlp import MLPConfig, MLPForCausalLM

    for config, model in ((LSTMConfig, LSTMForCausalLM), (MLPConfig, MLPForCausalLM)):
        AutoConfig.register(config.model_type, config, exist_ok=True)
        AutoModelForCausalLM.register(config, model, exist_ok=True)


def build(arch: str, config, tokenizer, system):
    """A freshly initialised model of `arch` for the system's token sequences."""
    register()
    if arch == "gpt2":
        from .gpt2 import build as build_gpt2

        return build_gpt2(config, tokenizer, system)
    if arch == "lstm":
        from .lstm import LSTMConfig, LSTMForCausalLM

        return LSTMForCausalLM(LSTMConfig(vocab_size=len(tokenizer), n_embd=config.n_embd, n_layer=config.n_layer,
                                          pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                                          bos_token_id=tokenizer.eos_token_id))
    if arch == "mlp":
        from .mlp import MLPConfig, MLPForCausalLM

        return MLPForCausalLM(MLPConfig(
            vocab_size=len(tokenizer), n_embd=config.n_embd, n_layer=config.n_layer,
            n_inputs=len(system.inputs), prompt_length=system.prompt_length,
            completion_positions=system.completion_length + 1,
            one_token_id=tokenizer.convert_tokens_to_ids("1"),
            pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
            bos_token_id=tokenizer.eos_token_id))
    raise ValueError(f"unknown architecture {arch!r} (known: {', '.join(ARCHS)})")


def core_parameters(model) -> int:
    """Parameters outside the token embeddings and output heads (the part the
    learners are sized to match)."""
    skip = {"wte", "wpe", "embed", "lm_head", "heads"}
    return sum(p.numel() for name, p in model.named_parameters() if not skip & set(name.split(".")))
