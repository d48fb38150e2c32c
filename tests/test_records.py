"""Every record carries a format number and is read by one reader, which
upgrades an older format and refuses a newer one in one line."""

from __future__ import annotations

import json

import pytest

from causal_tui.cli.main import tui_main
from causal_tui.errors import UserError
from causal_tui.store import records


def _run(folder, run_id: str, record: dict) -> None:
    (folder / run_id).mkdir(parents=True)
    (folder / run_id / "run.json").write_text(json.dumps(record))


def test_an_older_record_is_read_as_todays():
    old = {"id": "x", "config": {"learning_rate": 1e-3, "max_steps": -1},
           "cells": [{"wilson95": [0.1, 0.9]}]}
    new = records.upgrade(old, "run", "run.json")
    assert new["format"] == records.FORMATS["run"]
    assert new["config"] == {"lr": 1e-3, "max_steps": None}
    assert new["cells"][0]["interval95"] == [0.1, 0.9]
    assert old["config"] == {"learning_rate": 1e-3, "max_steps": -1}  # the record read is not changed


@pytest.mark.parametrize("kind", sorted(records.FORMATS))
def test_a_newer_record_is_refused_in_one_line(tmp_path, kind):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"format": records.FORMATS[kind] + 1}))
    with pytest.raises(UserError, match="newer causal-tui") as refused:
        records.read(path, kind)
    assert "\n" not in str(refused.value) and str(path) in str(refused.value)


def test_records_that_are_not_files_or_too_large_are_refused(tmp_path):
    import os

    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    with pytest.raises(UserError, match="not a regular file"):
        records.read(fifo, "run")  # never blocks
    big = tmp_path / "big.json"
    big.write_text(" " * 100)
    with pytest.raises(UserError, match="at most 10"):
        records.read_text(big, limit=10)


def test_runs_list_names_a_broken_record_in_one_line_and_lists_the_rest(workdir, capsys):
    folder = workdir / "out" / "runs"
    _run(folder, "20260101-000000-1", {"id": "20260101-000000-1", "status": "finished", "source": "train",
                                      "config": {"learning_rate": 1e-3, "seed": 1}, "held_out": []})
    _run(folder, "20260101-000000-2", {"id": "20260101-000000-2", "status": 7, "config": "nope"})
    _run(folder, "20260101-000000-3", {"format": 99, "id": "20260101-000000-3"})
    before = {p: p.read_bytes() for p in folder.rglob("run.json")}
    assert tui_main(["runs", "list", "--format", "csv"]) == 0
    out = capsys.readouterr()
    assert "20260101-000000-1" in out.out and ",0.001," in out.out  # read as lr
    assert "20260101-000000-2" not in out.out and "20260101-000000-3" not in out.out
    errors = out.err.strip().splitlines()
    assert len(errors) == 2 and "newer causal-tui" in out.err and "status is 7" in out.err
    assert {p: p.read_bytes() for p in folder.rglob("run.json")} == before  # readers never write
    assert tui_main(["runs", "show", "20260101-000000-3"]) == 2
    assert "newer causal-tui" in capsys.readouterr().err


def test_every_record_of_a_fresh_run_agrees_with_itself_and_with_the_log(workdir, capsys):
    # A fresh --until-perfect training, stopped early by its own rule: run.json, the model's
    # manifest, losses.json and the log must tell one story (times in order, the same steps).
    from datetime import datetime

    from causal_tui.store import model_folder, runs

    flags = ["--n-embd", "32", "--n-layer", "1", "--n-head", "2", "--epochs", "3", "--batch-size", "32",
             "--lr", "3e-3", "--train-size", "640", "--valid-size", "32", "--test-size", "16", "--max-steps", "12"]
    assert tui_main(["train", *flags]) == 0
    capsys.readouterr()
    (run_id,) = [r["id"] for r in runs.listing(workdir / "out")]
    record = runs.read(workdir / "out", run_id)
    manifest = model_folder.read_manifest(model_folder.final_dir(workdir / "out"))
    losses = json.loads((workdir / "out" / "runs" / run_id / "losses.json").read_text())
    log = (workdir / "logs" / "causal-tui.log").read_text()

    def at(text):
        return datetime.fromisoformat(text)

    provenance = record["provenance"]
    # One pair of times, in order, the same in the record and its provenance.
    assert (record["started_at"], record["finished_at"]) == (provenance["started_at"], provenance["finished_at"])
    assert at(record["started_at"]) <= at(record["finished_at"])
    metrics = manifest["metrics"]
    # The steps and epochs actually trained, and why it stopped: 12 steps of 32 of 640 lines.
    assert record["steps"] == metrics["steps"] == 12
    assert max(step for step, _ in losses["train"] + losses["eval"]) <= 12
    assert record["epochs"] == metrics["epochs"] == round(12 * 32 / 640, 3)
    assert record["stopped_because"] == metrics["stopped_because"] == "max_steps 12"
    assert f"after {metrics['steps']} steps" in log and f'"steps": {metrics["steps"]},' in log
    assert record["seconds"] == metrics["seconds"]


def test_the_run_table_shows_the_learning_rate_under_its_current_name():
    from causal_tui.report.run_tables import run_row

    record = {"id": "r1", "arch": "gpt2", "config": {"n_embd": 64, "n_layer": 2, "n_head": 2, "lr": 3e-3,
                                                     "epochs": 2}}
    assert run_row(record)[6] == "64/2/2 lr 0.003 e2"
    assert run_row({**record, "config": {"n_embd": 64, "n_layer": 2, "epochs": 2}, "arch": "mlp"})[6] == "64/2 e2"
