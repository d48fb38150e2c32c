"""Shared fixtures. Every test runs offline (no hub) in its own folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from causal_tui.systems.catalog import SEED

from causal_tui.systems.holdout import HeldOut

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# Cache compiled bytecode, as a normal installation does. Where the machine
# sets PYTHONDONTWRITEBYTECODE (this one and its CI do), every process the
# tests start (training, sweep workers, Ray, the app in a terminal) would
# otherwise compile torch and transformers from source again (timed by hand
# with /usr/bin/time on the 2-core machine: 16-20 s an import instead of 8-10).
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

# `--precision auto` calibrates once per machine and caches the ratio in the
# user's cache folder; the tests keep theirs in one folder of their own, so a
# run never reads or writes the user's (it measures once, about 2 s, and every
# process the tests start shares it).
if "CAUSAL_TUI_CACHE_DIR" not in os.environ:
    import tempfile

    os.environ["CAUSAL_TUI_CACHE_DIR"] = tempfile.mkdtemp(prefix="causal-tui-test-cache-")

FIXTURES = Path(__file__).parent / "fixtures"
# A copy of the original project's published dataset (see its README.md).
UPSTREAM = FIXTURES / "upstream-dataset"


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """A fresh current folder, so default paths (dataset/, out/, logs/) land there."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def snapshot_files(folder: Path) -> dict[str, bytes]:
    """Every file below a folder with its bytes, to prove nothing changed.
    Lock files (empty `.<name>.lock` markers a writer leaves for the next one,
    see causal_tui/locks.py) are not content and are left out."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*"))
            if p.is_file() and not (p.name.startswith(".") and p.name.endswith(".lock"))}


@pytest.fixture
def upstream() -> Path:
    """The original project's published dataset, as it wrote it."""
    return UPSTREAM


# A configuration small enough to train in seconds on 2 CPU cores that still
# gets every trained state exact (checked by the tests that use it).
SMALL_CONFIG = dict(epochs=1, lr=3e-3, batch_size=32, n_embd=64, n_layer=2, n_head=2, seed=0, precision="fp32")
SMALL_SIZES = {"train": 12_000, "valid": 200, "test": 50}
# The same, trained until every trained state is exact (at most 2 epochs; about
# 240 steps). A fixed step count is not enough: where it stops depends on the
# CPU's kernels (AVX2 and AVX-512 round differently), and one machine's model
# was 31/31 exact after an epoch where another's was 30/31.
UNTIL_EXACT = dict(SMALL_CONFIG, epochs=2, until_perfect=True)


class Trained:
    """One small model trained for the whole test session, until every
    trained state is exact (UNTIL_EXACT)."""

    def __init__(self, root: Path):
        from causal_tui.data import dataset as data
        from causal_tui.store import model_folder
        from causal_tui.training.config import TrainingConfig
        from causal_tui.training.trainer import train

        self.root = root
        self.dataset_dir = root / "dataset"
        self.out = root / "out"
        self.config = TrainingConfig(**UNTIL_EXACT)
        dataset = data.generate(HeldOut.parse_list("1,0,1,0,1", SEED), seed=0, sizes=SMALL_SIZES)
        data.write(dataset, self.dataset_dir)
        self.result = train(data.load(self.dataset_dir), self.config, self.out)
        self.final = model_folder.final_dir(self.out)


@pytest.fixture(scope="session")
def trained(tmp_path_factory) -> Trained:
    return Trained(tmp_path_factory.mktemp("trained"))
