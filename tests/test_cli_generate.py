"""`causal-experiment --generate` as a user runs it."""

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import snapshot_files

from causal_tui.cli.main import experiment_main
from causal_tui.systems.catalog import SEED

SCRIPT = Path(sys.executable).parent / "causal-experiment"


def test_console_script_generates_the_seed_dataset(workdir):
    r = subprocess.run([str(SCRIPT), "--generate", "-o", "1,1,1,1,1;0,0,0,0,0"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "20,000" in r.stdout
    counts = {}
    for split, n in {"train": 20_000, "valid": 2_000, "test": 2_000}.items():
        lines = (workdir / "dataset" / f"{split}.jsonl").read_text().splitlines()
        counts[split] = len(lines)
        assert not any('"1,1,1,1,1"' in l or '"0,0,0,0,0"' in l for l in lines)
    assert counts == {"train": 20_000, "valid": 2_000, "test": 2_000}


def test_sizes_and_seed_flags(workdir):
    assert experiment_main(["--generate", "--seed", "9", "--train-size", "100",
                            "--valid-size", "10", "--test-size", "20"]) == 0
    assert len((workdir / "dataset/train.jsonl").read_text().splitlines()) == 100
    assert len((workdir / "dataset/test.jsonl").read_text().splitlines()) == 20


@pytest.mark.parametrize("omit", ["1,1,1,1", "1,1,1,1,2", "1,1,1,1,1;;0,0,0,0,0", ";",
                                  ";".join(SEED.format_state(s) for s in SEED.all_states)])
def test_bad_omit_exits_2_with_one_line_and_changes_nothing(workdir, capsys, omit):
    assert experiment_main(["--generate", "--train-size", "50"]) == 0
    before = snapshot_files(workdir / "dataset")
    capsys.readouterr()
    code = experiment_main(["--generate", "-o", omit])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")
    assert snapshot_files(workdir / "dataset") == before


def test_bad_size_is_a_usage_error(workdir, capsys):
    with pytest.raises(SystemExit) as e:
        experiment_main(["--generate", "--train-size", "0"])
    assert e.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not (workdir / "dataset").exists()
