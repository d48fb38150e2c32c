"""The Python API: the same numbers as the commands, tidy tables with the
documented columns, exports that read back equal, provenance in every record."""

import io
import json
import os

import pandas as pd
import pytest

import causal_tui as ct
from causal_tui.cli.main import tui_main
from causal_tui.science.tidy import COLUMNS
from causal_tui.store import model_folder, provenance

TINY = dict(n_embd=32, n_layer=1, n_head=2, epochs=1, lr=3e-3, batch_size=32, precision="fp32",
            train_size=640, valid_size=32, test_size=16)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One run and one grid sweep (2 configurations x 2 seeds), made through the API."""
    root = tmp_path_factory.mktemp("api")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        run = ct.train("seed", holdout="1,0,1,0,1", seed=3, max_steps=30, out_dir=root / "out",
                       dataset_dir=root / "dataset", progress=False, **TINY)
        small = {k: v for k, v in TINY.items() if k != "lr"}
        sweep = ct.sweep("seed", holdout="A=1&C=1&E=1", seeds=2, jobs=2, grid={"lr": [3e-3, 1e-3]},
                         out_dir=root / "out", progress=False, **small)
    finally:
        os.chdir(cwd)
    return root, run, sweep


def test_the_api_is_importable_from_the_package_root():
    for name in ("load_system", "train", "sweep", "inspect", "load_run", "load_sweep", "UserError", "stats"):
        assert hasattr(ct, name), name
    assert ct.load_system("chain").fields == ("s1", "s2", "s3", "s4", "s5", "ones")
    assert ct.__version__ == provenance.version()
    for function in (ct.load_system, ct.train, ct.sweep, ct.inspect, ct.load_run, ct.load_sweep,
                     ct.stats.seed_interval):
        assert function.__doc__ and ">>>" in function.__doc__, function.__name__


def test_train_returns_what_the_commands_print(made, capsys):
    root, run, _ = made
    capsys.readouterr()
    assert tui_main(["probe", "--model", run.id, "--out-dir", str(root / "out"), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["predictions"] == run.report.predictions()
    assert printed["summary"] == run.report.summary() == run.manifest["probe"]
    assert ct.load_run(run.id, out_dir=root / "out").probe.rows == run.probe.rows


def test_inspect_returns_what_the_command_prints(made, capsys):
    root, run, _ = made
    report = ct.inspect(run, state="0,1,0,1,1")
    capsys.readouterr()
    assert tui_main(["inspect", "0,1,0,1,1", "--model", run.id, "--out-dir", str(root / "out"),
                     "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["intervention_summary"] == report["intervention_summary"]
    assert printed["graph"] == report["graph"] and printed["tracing"] == report["tracing"]


def test_sweep_returns_the_scorecard_the_command_prints(made, capsys):
    root, _, sweep = made
    capsys.readouterr()
    assert tui_main(["probe", "--sweep", sweep.name, "--out-dir", str(root / "out"), "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed.pop("captions") and printed == sweep.scorecard.raw  # the record, and what its tables mean
    fields = sweep.scorecard.fields.to_pandas()
    assert len(fields) == 2 * 6 and set(fields.configuration) == {"lr-0.003", "lr-0.001"}
    for c in sweep.scorecard.raw["configurations"]:
        card = c["scorecard"]
        for f, s in card["fields"].items():
            row = fields[(fields.configuration == c["id"]) & (fields.field == f)].iloc[0]
            assert (row.low, row.high) == tuple(s["interval95"]) and row.accuracy == s["accuracy"]
            # the public interval is the scorecard's
            right = [sum(cell["model_values"][i] == cell["truth"] for cell in card["cells"] if cell["field"] == f)
                     for i in range(len(card["seeds"]))]
            total = [len(card["held_out"])] * len(card["seeds"])
            assert ct.stats.seed_interval(correct=right, total=total) == pytest.approx(tuple(s["interval95"]))


def test_the_tidy_table_has_the_documented_columns_and_one_row_per_configuration_seed_state_field(made):
    _, run, sweep = made
    table = sweep.to_pandas()
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == 2 * 2 * 32 * 6
    assert not table.duplicated(["configuration", "seed", "state", "field"]).any()
    assert table.run_id.notna().all() and table.probability.notna().all()
    assert (table.correct == (table.answer == table.truth)).all()
    held = table[table.held_out]
    assert set(held.state) == {"1,0,1,0,1", "1,0,1,1,1", "1,1,1,0,1", "1,1,1,1,1"}
    assert held.nearest_neighbour.notna().any() and table[~table.held_out].majority.isna().all()
    one = run.probe.to_pandas()
    assert list(one.columns) == list(COLUMNS) and len(one) == 32 * 6 and (one.run_id == run.id).all()


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_exports_read_back_equal_to_the_dataframe(made, suffix, capsys):
    root, run, sweep = made
    for what, frame in ((["--sweep", sweep.name], sweep.to_pandas()), (["--model", run.id], run.to_pandas())):
        path = root / f"export.{suffix}"
        assert tui_main(["export", *what, "--out-dir", str(root / "out"), "--output", str(path), "--force"]) == 0
        if suffix == "csv":  # CSV has no types: read it as the DataFrame's own CSV reads
            back = pd.read_csv(path, dtype={"state": str})
            expected = pd.read_csv(io.StringIO(frame.to_csv(index=False)), dtype={"state": str})
        else:
            back, expected = pd.read_parquet(path), frame
        assert list(back.columns) == list(COLUMNS) and len(back) == len(frame)
        pd.testing.assert_frame_equal(back, expected, check_dtype=False)


def test_every_record_of_a_fresh_run_has_its_provenance_filled(made):
    root, run, sweep = made
    records = {"run.json": run.record, "manifest": run.manifest, "scorecard.json": sweep.scorecard.raw}
    seed_run = sweep.tidy().rows[0]["run_id"]
    records["a sweep seed's run.json"] = ct.load_run(seed_run, out_dir=root / "out").record
    for name, record in records.items():
        p = record["provenance"]
        trained = name != "scorecard.json"
        assert set(p) == set(provenance.KEYS) | (set(provenance.TRAINING_KEYS) if trained else set()), name
        if trained:
            assert p["precision_choice"]["asked"] == p["precision_choice"]["used"] == "fp32", name
        for key in provenance.KEYS:
            assert p[key] is not None and p[key] != "", (name, key)
        assert p["device"]["kind"] == "cpu" and p["device"]["threads"] >= 1 and p["device"]["name"]
        assert p["precision"] == "fp32" and len(p["git_commit"]) == 40
    assert run.record["provenance"]["command"].startswith("ct.train(system='seed', holdout='1,0,1,0,1'")
    assert sweep.provenance["command"].startswith("ct.sweep(")
    assert model_folder.read_probe(run.folder) is not None  # the probe saved with the weights


def test_bad_input_raises_user_error_with_the_commands_message(workdir, capsys):
    with pytest.raises(ct.UserError) as e:
        ct.train("seed", holdout="1,0,1", progress=False)
    assert tui_main(["train", "--holdout", "1,0,1"]) == 2
    assert capsys.readouterr().err.strip() == f"error: {e.value}"
    with pytest.raises(ct.UserError, match="each seed needs 0 <= correct <= total"):
        ct.stats.seed_interval(correct=[9], total=[8])
    with pytest.raises(ct.UserError, match="'nope' is not a run id"):
        ct.load_run("nope")
    assert list(workdir.iterdir()) == []
