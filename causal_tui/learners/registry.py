"""The learners by name: their default sizes, building a fresh one, and
registering the LSTM and MLP with transformers' Auto classes.

`register()` adds the LSTM and MLP to transformers' Auto classes. Importing
causal_tui arms it (see causal_tui/__init__.py) without importing torch:
the registration runs when transformers itself is imported."""

from __future__ import annotations

ARCH_SIZES: dict[str, dict[str, int]] = {
    # Each about GPT-2 128/4/4's 793,344 parameters outside embeddings and output heads.
    "gpt2": {"n_embd": 128, "n_layer": 4, "n_head": 4},
    "lstm": {"n_embd": 156, "n_layer": 4},  # 783,744
    "mlp": {"n_embd": 512, "n_layer": 4},  # 791,040
}
"""Each learner's default size (width, depth and, for GPT-2, heads)."""

ARCHS: tuple[str, ...] = tuple(ARCH_SIZES)

_registered = False


def register() -> None:
    """Make AutoConfig / AutoModelForCausalLM know the LSTM and the MLP (idempotent).

    Each of their modules registers its classes as it finishes loading, so a
    module that is being imported right now (it imports transformers, whose
    import runs this) registers itself when it is done."""
    global _registered
    if _registered:
        return
    _registered = True
    import causal_tui.learners.lstm  # noqa: F401
    import causal_tui.learners.mlp  # noqa: F401


def build(arch: str, config, tokenizer, system):
    """A freshly initialised model of `arch` for the system's token sequences."""
    register()
    if arch == "gpt2":
        from causal_tui.learners.gpt2 import build as build_gpt2

        return build_gpt2(config, tokenizer, system)
    if arch == "lstm":
        from causal_tui.learners.lstm import LSTMConfig, LSTMForCausalLM

        return LSTMForCausalLM(LSTMConfig(vocab_size=len(tokenizer), n_embd=config.n_embd, n_layer=config.n_layer,
                                          pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                                          bos_token_id=tokenizer.eos_token_id))
    if arch == "mlp":
        from causal_tui.learners.mlp import MLPConfig, MLPForCausalLM

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
