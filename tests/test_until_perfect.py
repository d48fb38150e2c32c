"""--until-perfect: the cheap teacher-forced check agrees with greedy decoding."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import SMALL_SIZES

from causal_tui.data import tokenizer as tok_mod
from causal_tui.evaluation import decoding, probe
from causal_tui.learners import loading
from causal_tui.store import model_folder
from causal_tui.systems import catalog
from causal_tui.systems.catalog import SEED
from causal_tui.training import trainer as training
from causal_tui.training.config import TrainingConfig
from causal_tui.training.encode import encode_split


def test_check_agrees_with_greedy_on_a_trained_model(trained):
    loaded = loading.load(trained.final)
    report = probe.run(loaded.model, loaded.tokenizer, loaded.system, loaded.held_out)
    for r in report.states:
        seq, labels = encode_split(loaded.tokenizer, [r.state], loaded.system)
        assert decoding.teacher_forced_exact(loaded.model, seq, labels) == r.exact, r.state


def test_check_fails_on_an_untrained_model():
    torch.manual_seed(0)
    tok = tok_mod.build(SEED)
    model = training.build_model(TrainingConfig(n_embd=32, n_layer=1, n_head=2), tok, SEED).eval()
    seqs, labels = encode_split(tok, list(SEED.all_states), SEED)
    assert not decoding.teacher_forced_exact(model, seqs, labels)


def test_training_stops_when_every_trained_state_is_exact(trained):
    # The session's model is trained with --until-perfect (conftest.UNTIL_EXACT).
    result, config = trained.result, trained.config
    full_steps = 2 * SMALL_SIZES["train"] // config.batch_size
    assert result.perfect is not None
    step, seconds = result.perfect
    assert step == result.steps < full_steps and step % config.check_every == 0
    assert seconds > 0
    # What the check promised, greedy decoding delivers.
    assert result.report.exact(held_out=False) == (31, 31)
    manifest = json.loads((trained.final / model_folder.MANIFEST).read_text())
    assert manifest["metrics"]["perfect_at_step"] == step


def test_benchmark_runs_in_tiny_mode(tmp_path):
    out = tmp_path / "bench.json"
    root = Path(__file__).resolve().parents[1]
    r = subprocess.run([sys.executable, "-m", "benchmarks.bench", "--tiny", "--out", str(out)],
                       cwd=root, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    result = json.loads(out.read_text())
    for key in ("ours_ms_per_step", "bare_ms_per_step", "original_ms_per_step", "probe_ms_median",
                "first_paint_s_median", "ratio_ours_over_bare", "ratio_original_over_ours"):
        assert result[key] > 0, key
    assert "ours / bare" in r.stdout and "first paint" in r.stdout
    assert result["provenance"]["causal_tui"] and result["provenance"]["torch"]  # what a quoted figure cites
    assert result["inspect"]["all_states_ms"] > 0 and result["inspect"]["one_state_ms"] > 0
    assert result["probe_256"]["ms_median"] > 0 and result["probe_256"]["trained_exact"][1] == 256
    whole = result["whole_process_s"]
    assert whole["ours_fp32"] > 0 and whole["bare_fp32"] > 0 and whole["ratio_ours_over_bare_fp32"] > 0
    assert whole["ours_fp32_trainer_s"] > 0
    read_only = result["read_only"]
    assert read_only and all(row["s"] > 0 and row["peak_mb"] > 0 for row in read_only.values()), read_only
    assert result["calibration"]["choice"] in ("fp32", "bf16")
    assert result["sweep"]["seeds"] == 2 and result["sweep"]["seeds_per_minute"] > 0
    assert result["precision_auto"] in ("fp32", "bf16") and result["full_runs"][0]["precision"] == "fp32"
    assert "whole process" in r.stdout and "seeds per minute" in r.stdout
    imports = result["import_s"]
    assert set(imports) == {"torch", "transformers", "torch._dynamo", "torch.distributed.tensor", "training_process"}
    assert all(seconds > 0 for seconds in imports.values()), imports
    assert "importtime" in r.stdout


@pytest.mark.parametrize("seed,shared,name", [(0, 0, "seed"), (1, 0, "seed"), (0, 2, "seed"), (1, 3, "majority-8")])
def test_probe_decoding_is_exactly_greedy_generation_even_for_an_untrained_model(seed, shared, name, monkeypatch):
    # The probe decodes by verify-and-correct passes; it must agree token for
    # token with plain one-token-at-a-time greedy generation. `shared`: the
    # states all begin with that many equal inputs (a chunk of a large cube),
    # whose prompt positions are computed once (with 32 rows of majority-8,
    # more than SMALL_REMAINDER go on from that cache by one-token decoding).
    torch.manual_seed(seed)
    system = catalog.load(name)
    tok = tok_mod.build(system)
    model = training.build_model(TrainingConfig(), tok, system).eval()
    states = [s for s in system.all_states if s[:shared] == (1, 0, 1)[:shared]]
    prompts = decoding.encode_prompts(tok, system, states)
    with torch.inference_mode():
        assert (decoding._shared_prefix(model, prompts) is not None) == (2 * shared >= decoding.SHARED_FROM)
    cached_from = []
    plain_cached = decoding._cached
    monkeypatch.setattr(decoding, "_cached", lambda *a, past=None, **k: cached_from.append(past and past[1])
                        or plain_cached(*a, past=past, **k))
    tokens, probs = decoding.greedy(model, tok, system, states)
    if name == "majority-8":  # one-token decoding went on from the first pass's cache of the prompts
        assert cached_from == [system.prompt_length - 1]
    length = system.completion_length + 1
    out = model.generate(prompts, max_new_tokens=length, do_sample=False, eos_token_id=tok.eos_token_id,
                         pad_token_id=tok.pad_token_id, output_logits=True, return_dict_in_generate=True)
    generated = out.sequences[:, prompts.shape[1]:]
    ref = torch.stack([s.float().softmax(-1).max(-1).values for s in out.logits], 1)
    checked = 0
    for row in range(len(states)):
        # Up to and including its first end-of-sequence token (what follows is never read).
        gen = generated[row].tolist()
        n = gen.index(tok.eos_token_id) + 1 if tok.eos_token_id in gen else len(gen)
        assert tokens[row, :n].tolist() == gen[:n], states[row]
        # And the probabilities are those of the raw logits greedy generation saw.
        assert torch.allclose(ref[row, :n], probs[row, :n], atol=1e-4)
        checked += n
    assert checked > len(states)  # more than one token a state was compared


def test_any_first_guess_decodes_the_same():
    # The guess only decides how many verify passes greedy decoding takes.
    torch.manual_seed(2)
    system = SEED
    tok = tok_mod.build(system)
    model = training.build_model(TrainingConfig(n_embd=32, n_layer=1, n_head=2), tok, system).eval()
    states = list(system.all_states)
    plain_tokens, plain_probs = decoding.greedy(model, tok, system, states)
    noise = torch.randint(0, len(tok), plain_tokens.shape, generator=torch.Generator().manual_seed(0))
    texts = decoding.decode_rows(tok, plain_tokens)
    for guess in (noise, plain_tokens):
        tokens, probs = decoding.greedy(model, tok, system, states, guess=guess)
        assert decoding.decode_rows(tok, tokens) == texts
        for row, text in enumerate(texts):  # up to and including the end-of-sequence token
            assert torch.allclose(probs[row, :len(text) + 1], plain_probs[row, :len(text) + 1], atol=1e-5)
