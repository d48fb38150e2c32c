"""The fast paths give the same answers as the slow ones: read-only commands
read the recorded probe without torch, a stale record is recomputed, the
weighted evaluation equals the Trainer's over every line, the probe after
--until-perfect equals a fresh one, and auto's calibration is cached."""

import json
import shutil
import subprocess
import sys

import pytest

from causal_tui.data import dataset as data
from causal_tui.evaluation import probe
from causal_tui.learners import loading
from causal_tui.store import model_folder
from causal_tui.training import calibration


def test_read_only_commands_do_not_import_torch(trained, tmp_path):
    code = f"""
import sys
from causal_tui.cli.main import tui_main
folder = {str(trained.final)!r}
assert tui_main(["probe", "--model", folder, "--format", "json"]) == 0
assert tui_main(["probe", "--model", folder]) == 0
assert tui_main(["export", "--model", folder, "--output", {str(tmp_path / "t.csv")!r}]) == 0
assert tui_main(["plot", {str(tmp_path / "p.svg")!r}, "--model", folder]) == 0
print("TORCH" if "torch" in sys.modules else "NO TORCH", "TRANSFORMERS" if "transformers" in sys.modules else "")
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.strip().endswith("NO TORCH"), r.stdout[-500:]
    assert (tmp_path / "t.csv").read_text().count("\n") == 1 + 32 * 6 and (tmp_path / "p.svg").exists()


def test_a_stale_probe_record_is_recomputed(trained, tmp_path, capsys):
    from causal_tui.cli.main import tui_main

    folder = tmp_path / "model"
    shutil.copytree(trained.final, folder)
    record = json.loads((folder / model_folder.PROBE).read_text())
    assert model_folder.read_probe(folder) == record  # it belongs to these weights
    # Another model's record: a wrong digest and made-up answers.
    record["model_sha256"] = "0" * 64
    for entry in record["states"].values():
        entry["completion"] = "\n9,9,9,9\n9 - 9\n"
    (folder / model_folder.PROBE).write_text(json.dumps(record))
    assert model_folder.read_probe(folder) is None
    capsys.readouterr()
    assert tui_main(["probe", "--model", str(folder), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["predictions"] == trained.result.report.predictions()


def test_the_weighted_evaluation_equals_the_trainers_over_every_line(trained, tmp_path):
    import torch
    from transformers import Trainer, TrainingArguments

    from causal_tui.training.callbacks import ReportingCallback, WeightedEvaluation
    from causal_tui.training.encode import TensorExamples, collate, encode_split

    loaded = loading.load(trained.final)
    dataset = data.load(trained.dataset_dir)
    lines = dataset.splits["valid"]
    full = Trainer(model=loaded.model, data_collator=collate,
                   args=TrainingArguments(output_dir=str(tmp_path), per_device_eval_batch_size=256, report_to="none",
                                          use_cpu=True, disable_tqdm=True, remove_unused_columns=False),
                   eval_dataset=TensorExamples(*encode_split(loaded.tokenizer, lines, dataset.system)))
    expected = full.evaluate()["eval_loss"]
    states = sorted(set(lines))
    weighted = WeightedEvaluation(loaded.model, *encode_split(loaded.tokenizer, states, dataset.system),
                                  torch.tensor([lines.count(s) for s in states]), ReportingCallback(None, None))
    assert len(states) <= 32 < len(lines)
    assert weighted.loss() == pytest.approx(expected, abs=1e-6)


def test_the_probe_after_until_perfect_equals_a_fresh_probe(trained):
    reused = trained.result.report  # the trained states came from the last check's pass
    loaded = loading.load(trained.final)
    fresh = probe.run(loaded.model, loaded.tokenizer, loaded.system, loaded.held_out)
    assert [r.completion for r in reused.states] == [r.completion for r in fresh.states]
    assert reused.predictions() == fresh.predictions()
    for a, b in zip(reused.states, fresh.states):
        for f in a.fields:
            assert a.fields[f].prob == pytest.approx(b.fields[f].prob, abs=1e-5)


def test_the_calibration_is_cached_per_machine_and_rebuilt_when_the_key_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("CAUSAL_TUI_CACHE_DIR", str(tmp_path / "cache"))
    calls = []

    def measure():
        calls.append(1)
        return 0.97

    assert calibration.cached_ratio("cpu: X | torch 1 | 2 threads", measure) == (0.97, "measured")
    assert calibration.cached_ratio("cpu: X | torch 1 | 2 threads", measure) == (0.97, "cached")
    assert len(calls) == 1
    assert calibration.cached_ratio("cpu: X | torch 2 | 2 threads", measure) == (0.97, "measured")
    assert len(calls) == 2
    cache = json.loads((tmp_path / "cache" / calibration.CACHE_FILE).read_text())
    assert set(cache) == {"cpu: X | torch 1 | 2 threads", "cpu: X | torch 2 | 2 threads"}
    # auto picks bf16 only where it is at least 10% faster, and only on bf16 hardware.
    for ratio, expected in ((0.5, "bf16"), (0.95, "fp32")):
        monkeypatch.setenv("CAUSAL_TUI_CACHE_DIR", str(tmp_path / f"cache-{ratio}"))
        choice = calibration.choose("auto", "cpu", measure=lambda device: ratio)
        if calibration.cpu_has_bf16():
            assert (choice.used, choice.bf16_over_fp32, choice.source) == (expected, ratio, "measured")
        else:
            assert (choice.used, choice.source) == ("fp32", "no bf16 units")
    assert calibration.choose("fp32").source == "asked" and calibration.choose("bf16").used == "bf16"


def test_the_calibration_measures_a_ratio():
    ratio = calibration.measure_ratio("cpu", steps=2, warmup=1, rounds=1)
    assert 0.05 < ratio < 20
