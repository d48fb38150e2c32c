"""Other learners: an LSTM and an MLP beside GPT-2, through the same paths."""

import json
import os
import subprocess
import sys

import pytest

from causal_tui.data import dataset as data
from causal_tui.data import tokenizer as tok_mod
from causal_tui.learners import registry as models
from causal_tui.store import model_folder
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut
from causal_tui.training.config import TrainingConfig
from causal_tui.training.trainer import train

SMALL = {
    "gpt2": dict(n_embd=64, n_layer=2, n_head=2, lr=3e-3),
    "lstm": dict(n_embd=64, n_layer=1, lr=1e-2),
    "mlp": dict(n_embd=64, n_layer=2, lr=3e-3),
}
SIZES = {"train": 12_000, "valid": 100, "test": 16}


def test_default_sizes_match_gpt2s_parameters_within_10_percent():
    tok = tok_mod.build(SEED)
    counts = {arch: models.core_parameters(models.build(arch, TrainingConfig.for_arch(arch), tok, SEED))
              for arch in ("gpt2", "lstm", "mlp")}
    assert counts["gpt2"] == 793_344  # 4 blocks of 198,272, and the final layer norm
    for arch in ("lstm", "mlp"):
        assert abs(counts[arch] - counts["gpt2"]) / counts["gpt2"] < 0.10, counts
    assert counts == {"gpt2": 793_344, "lstm": 783_744, "mlp": 791_040}  # as the README says
    assert models.names()[:3] == ["gpt2", "lstm", "mlp"]  # (a test may register more)


@pytest.fixture(scope="module")
def trained_learners(tmp_path_factory):
    root = tmp_path_factory.mktemp("learners")
    ds = data.generate(HeldOut.parse_list("1,0,1,0,1", SEED), seed=0, sizes=SIZES)
    out = {}
    for arch, size in SMALL.items():
        config = TrainingConfig.for_arch(arch, epochs=3, batch_size=32, seed=0, until_perfect=True, **size)
        out[arch] = (train(ds, config, root / arch), root / arch)
    return out


@pytest.mark.parametrize("arch", ["gpt2", "lstm", "mlp"])
def test_each_learner_trains_until_every_trained_state_is_exact(trained_learners, arch):
    result, folder = trained_learners[arch]
    assert result.perfect is not None, f"{arch} did not get every trained state exact"
    assert result.report.exact(held_out=False) == (31, 31)
    manifest = model_folder.read_manifest(model_folder.final_dir(folder))
    assert manifest["config"]["arch"] == arch


def test_the_saved_learners_load_through_the_auto_classes_after_import_causal_tui(trained_learners):
    # Both in one fresh process: importing torch and transformers is most of its time.
    finals = {arch: str(model_folder.final_dir(trained_learners[arch][1])) for arch in ("lstm", "mlp")}
    code = f"""
import json
import causal_tui  # registers the learners with transformers' Auto classes
from transformers import AutoModelForCausalLM, AutoTokenizer
from causal_tui.evaluation import probe
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut
for arch, final in {finals!r}.items():
    m = AutoModelForCausalLM.from_pretrained(final).eval()
    t = AutoTokenizer.from_pretrained(final)
    print(json.dumps([arch, type(m).__name__, probe.run(m, t, SEED, HeldOut((), SEED)).predictions()]))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180,
                       env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert r.returncode == 0, r.stderr[-2000:]
    loaded = [json.loads(line) for line in r.stdout.strip().splitlines()[-2:]]
    assert [(arch, name) for arch, name, _ in loaded] == [("lstm", "LSTMForCausalLM"), ("mlp", "MLPForCausalLM")]
    for arch, _, predictions in loaded:
        assert predictions == trained_learners[arch][0].report.predictions()  # probes identically


def test_test_and_inspect_work_on_the_other_learners(trained_learners, capsys):
    from causal_tui.cli.main import experiment_main, tui_main

    for arch in ("lstm", "mlp"):
        _, folder = trained_learners[arch]
        assert experiment_main(["--test", "1,1,0,0,1", "--out-dir", str(folder)]) == 0
        assert "exact match" in capsys.readouterr().out
        assert tui_main(["inspect", "1,1,0,0,1", "--format", "json", "--out-dir", str(folder)]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["arch"] == arch
        assert "not_applicable" in report["attention"]["newD"] and "not_applicable" in report["logit_lens"]
        if arch == "mlp":  # it never reads what it wrote
            assert "not_applicable" in report["interventions"]
        else:
            assert isinstance(report["interventions"], list) and report["interventions"]
        assert report["graph"]["newA"]["A"]["pairs"] == 16


def test_unknown_arch_is_refused_in_one_line(workdir, capsys):
    from causal_tui.cli.main import tui_main

    assert tui_main(["--train-only", "--arch", "rnn"]) == 2
    err = capsys.readouterr().err
    assert "--arch must be one of gpt2, lstm, mlp" in err and "got 'rnn'" in err and len(err.strip().splitlines()) == 1


def test_interchange_sites_of_the_lstm_and_the_mlp(trained_learners, capsys):
    import torch

    from causal_tui.cli.main import tui_main
    from causal_tui.interpret import interchange as ic
    from causal_tui.learners import loading

    for arch in ("lstm", "mlp"):
        _, folder = trained_learners[arch]
        loaded = loading.load(model_folder.final_dir(folder))
        model, tok = loaded.model, loaded.tokenizer
        prep = ic.prepare(model, tok, SEED, loaded.held_out)
        ps = ic.pair_set(prep, tok, "newB", ic.pairs_of(SEED, "newB"))
        if arch == "lstm":
            # Layer by layer, the captured h of the last layer is the stacked LSTM's own output.
            ids = torch.cat([prep.prompts, prep.answers.tokens[:, :-1]], 1)
            with torch.inference_mode():
                whole, _ = model.lstm(model.embed(ids))
            last = prep.vectors[str(model.config.n_layer - 1)]
            assert torch.allclose(last[..., :model.config.n_embd], whole, atol=1e-5)
        position = 6 if arch == "lstm" else None
        # Writing back the vector the run computed changes nothing, at every layer.
        for layer in prep.sites.layers:
            same = ic.patched_tokens(model, tok, prep, ps, layer, position, lambda rows, current: current)
            assert torch.equal(same, prep.answers.tokens[ps.base.cpu()]), (arch, layer)
        assert tui_main(["inspect", "--iia", "--format", "json", "--out-dir", str(folder)]) == 0
        entry = json.loads(capsys.readouterr().out)["iia"]["newB"]
        assert entry["arch"] == arch and entry["layers"] == [str(i) for i in range(model.config.n_layer)]
        assert entry["positions"] == (list(range(16)) if arch == "lstm" else [None])
        assert all(0 <= x <= 1 for row in entry["iia"] for x in row)
