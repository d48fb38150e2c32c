"""--precision: parsing, recording, and bf16 training that still gets every trained state exact."""

import json

import pytest

from causal_tui import data, model_store, precision, probe, training
from causal_tui.cli import tui_main
from causal_tui.errors import UserError
from causal_tui.rules import SEED
from causal_tui.training import TrainingConfig
from conftest import SMALL_SIZES, UNTIL_EXACT

NEEDS_BF16 = pytest.mark.skipif(not precision.cpu_has_bf16(),
                                reason="this CPU has neither AVX512-BF16 nor AMX: bf16 autocast would be emulated")
TINY = ["--n-embd", "32", "--n-layer", "1", "--n-head", "2", "--epochs", "1", "--batch-size", "32",
        "--train-size", "320", "--valid-size", "32", "--test-size", "16", "--max-steps", "3"]


def test_precision_parsing(workdir, capsys):
    with pytest.raises(UserError, match="precision must be one of auto, fp32, bf16"):
        TrainingConfig(precision="fp16").validate()
    with pytest.raises(SystemExit) as e:
        tui_main(["--train-only", "--precision", "fp16"])
    assert e.value.code == 2 and "invalid choice: 'fp16'" in capsys.readouterr().err
    assert precision.resolve("fp32") == "fp32" and precision.resolve("bf16") == "bf16"
    assert precision.resolve("auto") == ("bf16" if precision.cpu_has_bf16() else "fp32")
    with pytest.raises(ValueError):
        precision.resolve("half")


@pytest.mark.parametrize("asked", ["fp32", "auto"])
def test_the_manifest_records_the_precision_asked_for_and_used(workdir, asked):
    assert tui_main(["--train-only", "--precision", asked, *TINY]) == 0
    manifest = model_store.read_manifest(model_store.final_dir(workdir / "out"))
    assert manifest["config"]["precision"] == asked
    assert manifest["precision"] == precision.resolve(asked)
    loaded = model_store.load(model_store.final_dir(workdir / "out"))
    assert precision.of(loaded.model) == manifest["precision"]  # decoded as it was trained


def test_models_from_before_precision_was_recorded_decode_in_fp32(trained, tmp_path):
    import shutil

    shutil.copytree(trained.final, tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / model_store.MANIFEST).read_text())
    manifest.pop("precision", None)
    (tmp_path / "m" / model_store.MANIFEST).write_text(json.dumps(manifest))
    assert precision.of(model_store.load(tmp_path / "m").model) == "fp32"


@NEEDS_BF16
def test_bf16_training_reaches_exact_on_the_trained_states_and_the_verdicts_agree(tmp_path):
    ds = data.generate(data.parse_omit("1,0,1,0,1"), seed=0, sizes=SMALL_SIZES)
    config = TrainingConfig(**{**UNTIL_EXACT, "precision": "bf16"})
    result = training.train(ds, config, tmp_path)
    assert result.perfect is not None  # the teacher-forced check, under bf16 autocast, said exact
    assert result.report.exact(held_out=False) == (31, 31)  # and greedy decoding, under the same autocast, agrees
    manifest = model_store.read_manifest(model_store.final_dir(tmp_path))
    assert manifest["precision"] == "bf16"
    loaded = model_store.load(model_store.final_dir(tmp_path))
    again = probe.run(loaded.model, loaded.tokenizer, SEED, loaded.held_out)
    assert again.predictions() == result.report.predictions()  # the saved model decodes the same
