"""What the commands print, byte for byte, for a fixed sweep and fixed models:
the scorecard (a single configuration and a grid), the probe and inspect, in
every format. A refactoring must leave these alone; a change meant to alter
them updates the golden files on purpose:

    CAUSAL_TUI_UPDATE_GOLDEN=1 uv run pytest tests/test_outputs.py

The sweeps are recorded seeds (tests/golden/sweeps/, probe.json files made by
tests/golden/make_fixtures.py): scoring them loads no model. The probe is a
hand-built model's (stub_model.py). Inspect runs on a small GPT-2 trained and
read in float64, whose printed numbers do not depend on the CPU's kernels."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import torch
from stub_model import StubModel, or_instead_of_xor

from causal_tui.cli.main import tui_main
from causal_tui.data import tokenizer as tok_mod
from causal_tui.evaluation import probe
from causal_tui.store import model_folder
from causal_tui.systems.catalog import SEED, manifest_entry
from causal_tui.systems.holdout import HeldOut

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CAUSAL_TUI_UPDATE_GOLDEN") == "1"
# Values that say when and where a record was made, not what it says.
VOLATILE = ("provenance", "started_at", "finished_at", "trained_at", "model", "commit")


def _stable(value):
    if isinstance(value, dict):
        return {k: "…" if k in VOLATILE else _stable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def check(name: str, text: str) -> None:
    path = GOLDEN / "out" / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with CAUSAL_TUI_UPDATE_GOLDEN=1 once"
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from {path}"


def printed(capsys, argv: list[str]) -> str:
    code = tui_main(argv)
    out = capsys.readouterr()
    assert code == 0, out.err
    return out.out


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory) -> Path:
    """out/ with the recorded sweeps, each scored by the engine as a sweep ends."""
    from causal_tui.sweeps.scorecards import score_folder

    out = tmp_path_factory.mktemp("golden") / "out"
    for name in ("A1_C1", "grid"):
        shutil.copytree(GOLDEN / "sweeps" / name, out / "sweeps" / name)
        score_folder(out, name)
    return out


@pytest.mark.parametrize("name", ["A1_C1", "grid"])
@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json"])
def test_the_scorecard_prints_as_before(sweeps, capsys, monkeypatch, name, fmt):
    monkeypatch.setenv("COLUMNS", "120")
    text = printed(capsys, ["probe", "--sweep", name, "--out-dir", str(sweeps), "--format", fmt])
    if fmt == "json":
        text = json.dumps(_stable(json.loads(text)), indent=1) + "\n"
    check(f"scorecard-{name}.{fmt}", text)


@pytest.fixture(scope="module")
def stub_folder(tmp_path_factory) -> Path:
    """A model folder as a training leaves it, for the hand-built model that
    answers A OR C for newA (its probe record, read without torch)."""
    tok = tok_mod.build(SEED)
    held = SEED.parse_state("1,0,1,0,1")
    report = probe.run(StubModel(tok, or_instead_of_xor), tok, SEED, HeldOut([held], SEED))
    folder = tmp_path_factory.mktemp("stub") / "final"
    folder.mkdir()
    tok.save_pretrained(folder)
    manifest = {"format": 1, "run_id": None, "system": manifest_entry(SEED),
                "dataset": {"seed": 0, "sizes": {"train": 10, "valid": 1, "test": 1}, "omitted": ["1,0,1,0,1"]},
                "config": {"arch": "gpt2", "seed": 0}, "precision": "fp32", "metrics": {}, "probe": report.summary()}
    digest = model_folder.model_digest(folder)
    (folder / model_folder.MANIFEST).write_text(json.dumps({**manifest, "model_sha256": digest}))
    (folder / model_folder.PROBE).write_text(json.dumps({**report.record(), "model_sha256": digest}))
    return folder


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json"])
def test_the_probe_prints_as_before(stub_folder, capsys, monkeypatch, fmt):
    monkeypatch.setenv("COLUMNS", "120")
    text = printed(capsys, ["probe", "--model", str(stub_folder), "--format", fmt])
    check(f"probe.{fmt}", text)


@pytest.fixture(scope="module")
def float64_gpt2(tmp_path_factory) -> Path:
    """A small GPT-2 trained in float64 by a bare loop (fixed steps, seeded
    batches) on the seed system with two states held out, saved as a model folder."""
    from causal_tui.learners import registry
    from causal_tui.training.config import TrainingConfig
    from causal_tui.training.encode import encode_split

    tok = tok_mod.build(SEED)
    held = [SEED.parse_state("1,0,1,0,1"), SEED.parse_state("0,0,0,0,0")]
    trained = [s for s in SEED.all_states if s not in held]
    torch.manual_seed(0)
    model = registry.build("gpt2", TrainingConfig(n_embd=32, n_layer=2, n_head=2), tok, SEED).double()
    ids, labels = encode_split(tok, trained, SEED)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    batches = torch.Generator().manual_seed(0)
    for _ in range(STEPS):
        rows = torch.randint(len(trained), (16,), generator=batches)
        loss = model(input_ids=ids[rows], labels=labels[rows]).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    folder = tmp_path_factory.mktemp("gpt2") / "final"
    manifest = {"format": 1, "run_id": None, "system": manifest_entry(SEED),
                "dataset": {"seed": 0, "sizes": {"train": 10, "valid": 1, "test": 1},
                            "omitted": [SEED.format_state(s) for s in held]},
                "config": {"arch": "gpt2", "seed": 0}, "precision": "fp32", "metrics": {}, "probe": {}}
    model_folder.save(folder, model.float(), tok, manifest)
    return folder


STEPS = 400
"""Enough for most trained states to be exact: the tables then have something to say."""


@pytest.fixture
def in_float64(monkeypatch):
    """Models load in float64: the printed numbers are then the same on any CPU."""
    from causal_tui.learners import loading

    original = loading.load

    def load(folder, device="cpu"):
        loaded = original(folder, device)
        loaded.model.double()
        return loaded

    monkeypatch.setattr(loading, "load", load)


@pytest.mark.parametrize("argv, name", [
    (["inspect"], "inspect"),
    (["inspect", "0,1,0,1,1"], "inspect-state"),
    (["inspect", "1,0,1,0,1", "--field", "newD", "--flip", "A"], "inspect-held-out"),
    (["inspect", "--iia", "--variable", "newB", "--das"], "inspect-iia"),
])
def test_inspect_prints_as_before(float64_gpt2, in_float64, capsys, monkeypatch, argv, name):
    monkeypatch.setenv("COLUMNS", "120")
    text = printed(capsys, [*argv, "--model", str(float64_gpt2)])
    check(f"{name}.table", text.replace(str(float64_gpt2), "MODEL"))


def test_inspect_json_as_before(float64_gpt2, in_float64, capsys):
    """Every key and every value as before; numbers to within 1e-4 (the model,
    trained in float64, differs in its last bits between CPUs and thread counts)."""
    report = _stable(json.loads(printed(capsys, ["inspect", "0,1,0,1,1", "--iia", "--model", str(float64_gpt2),
                                                 "--format", "json"])))
    check("inspect.json", json.dumps(_shape(report), indent=1) + "\n")
    golden = json.loads((GOLDEN / "out" / "inspect.values.json").read_text()) if not UPDATE else report
    if UPDATE:
        (GOLDEN / "out" / "inspect.values.json").write_text(json.dumps(report) + "\n")
    _close(report, golden, "report")


def _shape(value):
    """The report with every number written as its type: what must match exactly."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return type(value).__name__
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    return [_shape(v) for v in value]


def _close(value, golden, where: str) -> None:
    if isinstance(value, float) or isinstance(golden, float):
        assert abs(value - golden) < 1e-4, f"{where}: {value} != {golden}"
    elif isinstance(value, dict):
        assert list(value) == list(golden), where
        for k in value:
            _close(value[k], golden[k], f"{where}.{k}")
    elif isinstance(value, list):
        assert len(value) == len(golden), where
        for i, (v, g) in enumerate(zip(value, golden)):
            _close(v, g, f"{where}[{i}]")
    else:
        assert value == golden, f"{where}: {value!r} != {golden!r}"


def test_the_seed_by_seed_example_reads_a_sweep_with_sites_in_words(sweeps, capsys):
    import importlib.util

    path = Path(__file__).parents[1] / "examples" / "iia_vs_do.py"
    spec = importlib.util.spec_from_file_location("iia_vs_do", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    assert example.main(["A1_C1", "--out-dir", str(sweeps)]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in lines[1:] if line.split() and line.split()[0].isdigit()]
    assert [r[0] for r in rows] == ["0", "1", "2"]  # one row per recorded seed
    assert all(r[1] == "newD" and "/" in r[2] for r in rows)  # the reader and its do() count
    assert all(("embeddings," in line or "block " in line) and "(position " in line
               for line in lines[1:4])  # the site in words, never layer:position
    assert example.main(["nothing-here", "--out-dir", str(sweeps)]) == 2
    assert example.main(["../A1_C1", "--out-dir", str(sweeps / "sweeps")]) == 2  # no path out of sweeps/
    assert all(line.startswith("error: ") for line in capsys.readouterr().err.splitlines())
