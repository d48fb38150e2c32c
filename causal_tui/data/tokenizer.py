"""A character-level tokenizer over the task's alphabet, built offline.

GPT-2's 50,257-token vocabulary is both a download (impossible offline) and
about 17x slower per training step for a task with a dozen symbols."""

from __future__ import annotations

from pathlib import Path

from causal_tui.systems.system import System

PAD, EOS, UNK = "<pad>", "<eos>", "<unk>"
SPECIAL_TOKENS = (PAD, EOS, UNK)


def vocabulary(system: System) -> dict[str, int]:
    """Token -> id: the special tokens, then every character of the system's
    prompts and completions (digits up to its largest sum)."""
    return {tok: i for i, tok in enumerate([*SPECIAL_TOKENS, *system.alphabet()])}


def build(system: System):
    """A PreTrainedTokenizerFast that splits text into single characters."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.WordLevel(vocab=vocabulary(system), unk_token=UNK))
    # Every character, newline and space included, is its own token.
    core.pre_tokenizer = pre_tokenizers.Split(Regex(r"[\s\S]"), behavior="isolated")
    core.decoder = decoders.Fuse()
    return PreTrainedTokenizerFast(
        tokenizer_object=core,
        pad_token=PAD,
        eos_token=EOS,
        unk_token=UNK,
        clean_up_tokenization_spaces=False,
        model_max_length=system.sequence_length,
    )


def load(folder: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
