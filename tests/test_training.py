"""Training, saving and probing with small configs that still learn the task."""

import json
import os
import subprocess
import sys

import pytest
from conftest import snapshot_files

from causal_tui.data import dataset as data
from causal_tui.evaluation import probe
from causal_tui.learners import loading
from causal_tui.store import model_folder
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut
from causal_tui.training.config import TrainingConfig
from causal_tui.training.trainer import train

HELD_OUT = SEED.parse_state("1,0,1,0,1")


def test_small_model_is_exact_on_every_trained_state(trained):
    report = trained.result.report
    assert report.exact(held_out=False) == (31, 31), report.summary_line()
    assert not trained.result.stopped


def test_probe_agrees_with_the_rules(trained):
    for r in trained.result.report.states:
        for f in SEED.fields:
            assert r.fields[f].truth == SEED.truth(r.state)[f]
            assert 0.0 < r.fields[f].prob <= 1.0
        # A state is exact exactly when its completion is the rules' completion.
        assert r.exact == (r.completion == SEED.completion(r.state))
        if not r.held_out:
            assert r.completion == SEED.completion(r.state)


def test_manifest_records_what_the_model_was_trained_on(trained):
    manifest = json.loads((trained.final / model_folder.MANIFEST).read_text())
    assert manifest["dataset"]["omitted"] == ["1,0,1,0,1"]
    assert manifest["config"]["n_embd"] == trained.config.n_embd
    assert manifest["probe"]["trained_exact"] == [31, 31]
    assert manifest["metrics"]["steps"] == trained.result.steps


def test_held_out_states_come_from_the_models_manifest_not_the_dataset(trained, tmp_path):
    # Whatever dataset/ holds now, the probe marks what this model never saw.
    data.write(data.generate(HeldOut((), SEED), seed=1, sizes={"train": 10, "valid": 10, "test": 10}), tmp_path / "dataset")
    loaded = loading.load(trained.final)
    report = probe.run(loaded.model, loaded.tokenizer, loaded.system, loaded.held_out)
    assert [r.state for r in report.states if r.held_out] == [HELD_OUT]
    assert report.exact(False) == (31, 31)


def test_folder_loads_offline_with_auto_classes_and_generates_what_test_shows(trained):
    code = f"""
import os
assert os.environ["HF_HUB_OFFLINE"] == "1"
from transformers import AutoModelForCausalLM, AutoTokenizer
m = AutoModelForCausalLM.from_pretrained({str(trained.final)!r})
t = AutoTokenizer.from_pretrained({str(trained.final)!r})
ids = t("1,1,0,0,1", return_tensors="pt").input_ids
out = m.generate(ids, max_new_tokens=20, do_sample=False)
print(repr(t.decode(out[0][ids.shape[1]:], skip_special_tokens=True)))
"""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    shown = trained.result.report.result((1, 1, 0, 0, 1)).completion
    assert r.stdout.strip() == repr(shown)
    assert shown == SEED.completion((1, 1, 0, 0, 1))


def test_stop_request_ends_training_and_keeps_the_previous_model(trained, tmp_path):
    out = tmp_path / "out"
    final = model_folder.final_dir(out)
    final.parent.mkdir(parents=True)
    import shutil
    shutil.copytree(trained.final, final)
    before = snapshot_files(final)
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) >= 5

    ds = data.generate(HeldOut.parse_list("0,0,0,0,0", SEED), seed=2, sizes={"train": 3200, "valid": 64, "test": 16})
    result = train(ds, TrainingConfig(epochs=1, n_embd=32, n_layer=1, n_head=2), out, should_stop=should_stop)
    assert result.stopped and result.steps == 5
    assert snapshot_files(final) == before
    # The checkpoint where it stopped, for --resume.
    assert (model_folder.run_dir(out) / "checkpoint-5").is_dir()


@pytest.mark.parametrize("field, value", [("epochs", 0), ("epochs", -1), ("lr", 0),
                                          ("batch_size", 0), ("n_head", 3)])
def test_bad_config_is_refused_before_training(field, value):
    from causal_tui.errors import UserError
    with pytest.raises(UserError):
        TrainingConfig(**{field: value}).validate()
