"""--precision: parsing, recording, and bf16 training that still gets every trained state exact."""

import json

import pytest
from conftest import SMALL_SIZES, UNTIL_EXACT

from causal_tui.cli.main import tui_main
from causal_tui.data import dataset as data
from causal_tui.errors import UserError
from causal_tui.evaluation import probe
from causal_tui.learners import loading, runtime
from causal_tui.store import model_folder
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut
from causal_tui.training import calibration, precision
from causal_tui.training import trainer as training
from causal_tui.training.config import TrainingConfig

NEEDS_BF16 = pytest.mark.skipif(not precision.cpu_has_bf16(),
                                reason="this CPU has neither AVX512-BF16 nor AMX: bf16 autocast would be emulated")
TINY = ["--n-embd", "32", "--n-layer", "1", "--n-head", "2", "--epochs", "1", "--batch-size", "32",
        "--train-size", "320", "--valid-size", "32", "--test-size", "16", "--max-steps", "3"]


def test_precision_parsing(workdir, capsys):
    with pytest.raises(UserError, match="precision must be one of auto, fp32, bf16"):
        TrainingConfig(precision="fp16").validate()
    assert tui_main(["--train-only", "--precision", "fp16"]) == 2
    assert "'fp16' is not one of" in capsys.readouterr().err
    assert calibration.resolve("fp32") == "fp32" and calibration.resolve("bf16") == "bf16"
    auto = calibration.choose("auto")
    assert calibration.resolve("auto") == auto.used in ("bf16", "fp32")
    if not precision.cpu_has_bf16():
        assert auto.used == "fp32" and auto.source == "no bf16 units"
    with pytest.raises(ValueError):
        calibration.resolve("half")


@pytest.mark.parametrize("asked", ["fp32", "auto"])
def test_the_manifest_records_the_precision_asked_for_and_used(workdir, asked):
    assert tui_main(["--train-only", "--precision", asked, *TINY]) == 0
    manifest = model_folder.read_manifest(model_folder.final_dir(workdir / "out"))
    assert manifest["config"]["precision"] == asked
    assert manifest["precision"] == calibration.resolve(asked)
    loaded = loading.load(model_folder.final_dir(workdir / "out"))
    assert runtime.of(loaded.model) == manifest["precision"]  # decoded as it was trained


def test_the_default_precision_is_fp32_said_at_the_start_and_recorded(workdir, capsys):
    # Reproducible by default: no calibration, no cache, whatever the CPU has.
    assert tui_main(["train", *TINY]) == 0
    out = capsys.readouterr().out
    assert "precision fp32 (--precision fp32; the default is fp32)" in out
    assert out.index("precision fp32") < out.index("trained states exact")
    manifest = model_folder.read_manifest(model_folder.final_dir(workdir / "out"))
    assert manifest["config"]["precision"] == manifest["precision"] == "fp32"
    assert manifest["provenance"]["precision_choice"]["source"] == "asked"


def test_models_from_before_precision_was_recorded_decode_in_fp32(trained, tmp_path):
    import shutil

    shutil.copytree(trained.final, tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / model_folder.MANIFEST).read_text())
    manifest.pop("precision", None)
    (tmp_path / "m" / model_folder.MANIFEST).write_text(json.dumps(manifest))
    assert runtime.of(loading.load(tmp_path / "m").model) == "fp32"


@NEEDS_BF16
def test_bf16_training_reaches_exact_on_the_trained_states_and_the_verdicts_agree(tmp_path):
    ds = data.generate(HeldOut.parse_list("1,0,1,0,1", SEED), seed=0, sizes=SMALL_SIZES)
    config = TrainingConfig(**{**UNTIL_EXACT, "precision": "bf16"})
    result = training.train(ds, config, tmp_path)
    assert result.perfect is not None  # the teacher-forced check, under bf16 autocast, said exact
    assert result.report.exact(held_out=False) == (31, 31)  # and greedy decoding, under the same autocast, agrees
    manifest = model_folder.read_manifest(model_folder.final_dir(tmp_path))
    assert manifest["precision"] == "bf16"
    loaded = loading.load(model_folder.final_dir(tmp_path))
    again = probe.run(loaded.model, loaded.tokenizer, SEED, loaded.held_out)
    assert again.predictions() == result.report.predictions()  # the saved model decodes the same
