"""The character tokenizer: offline, lossless, saved and loaded the HF way."""

from causal_tui.data import tokenizer
from causal_tui.systems.catalog import SEED


def test_round_trip_of_every_prompt_and_completion(tmp_path):
    tok = tokenizer.build(SEED)
    tok.save_pretrained(tmp_path)
    loaded = tokenizer.load(tmp_path)
    for state in SEED.all_states:
        text = SEED.prompt(state) + SEED.completion(state)
        ids = tok(text)["input_ids"]
        assert len(ids) == len(text)  # one token per character
        assert tok.unk_token_id not in ids
        assert loaded(text)["input_ids"] == ids
        assert loaded.decode(ids) == text


def test_vocabulary_is_the_task_alphabet_plus_specials():
    tok = tokenizer.build(SEED)
    assert len(tok) == len(SEED.alphabet()) + len(tokenizer.SPECIAL_TOKENS)
    assert tok.pad_token == tokenizer.PAD and tok.eos_token == tokenizer.EOS
