"""Make the recorded sweeps that tests/test_outputs.py scores and prints.

A sweep's scorecard is computed from its seeds' probe.json files alone (no
model is loaded), so these files are a fixed sweep on any CPU: only the
probe.json files and sweep.json are kept, never weights. Run once, from the
repository root (it trains 3 + 4 small models, about a minute):

    uv run python tests/golden/make_fixtures.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
SMALL = ["--epochs", "1", "--lr", "3e-3", "--batch-size", "32", "--n-embd", "64", "--n-layer", "2", "--n-head",
         "2", "--precision", "fp32", "--train-size", "6000", "--valid-size", "200", "--test-size", "50"]
SWEEPS = {
    "A1_C1": ["--holdout", "A=1&C=1", "--seeds", "3"],
    "grid": ["--holdout", "A=1&C=1", "--seeds", "2", "--grid", "batch_size=16,32", "--name", "grid"],
}


def main() -> None:
    work = Path(tempfile.mkdtemp())
    for name, flags in SWEEPS.items():
        subprocess.run([sys.executable, "-m", "causal_tui", "sweep", *flags, *SMALL, "--out-dir", str(work / "out"),
                        "--jobs", "2"], check=True)
        source, target = work / "out" / "sweeps" / name, HERE / "sweeps" / name
        shutil.rmtree(target, ignore_errors=True)
        for path in [source / "sweep.json", *source.rglob("probe.json")]:
            dest = target / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, dest)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
