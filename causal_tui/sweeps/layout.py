"""Where a sweep's files go: out/sweeps/<name>/, a folder per seed (and per
configuration of a grid), and the names of the files in them.

    out/sweeps/<name>/sweep.json         what was asked: system, holdout, sizes, configuration(s)
    out/sweeps/<name>/scorecard.json     the scorecard (a grid's: every configuration's and the comparison)
    out/sweeps/<name>/[<configuration>/]seed-<k>/probe.json    the seed is done once this exists
    out/sweeps/<name>/[<configuration>/]seed-<k>/losses.json
    out/sweeps/<name>/[<configuration>/]seed-<k>/tiny-gpt2-causal/final/   its model"""

from __future__ import annotations

import re
from pathlib import Path

from causal_tui.sweeps.grid import Configuration
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut

SWEEP_FILE = "sweep.json"
SCORECARD_FILE = "scorecard.json"


def default_name(held_out: HeldOut, grid: bool = False) -> str:
    """A folder name from what the user wrote for the holdout: 'A=1&C=1' ->
    'A1_C1' (for another system than the seed's, its name first:
    'chain_A1_C1'; with a grid, 'grid' after)."""
    preset = held_out.source or held_out.text()
    name = re.sub(r"[^A-Za-z0-9]+", "_", preset.replace("=", "")).strip("_")[:80] or "sweep"
    system = held_out.system
    name = name if system == SEED else f"{re.sub(r'[^A-Za-z0-9]+', '_', system.name).strip('_')}_{name}"
    return f"{name}_grid" if grid else name


def sweep_dir(out_dir: Path, name: str) -> Path:
    return Path(out_dir) / "sweeps" / name


def seed_dir(folder: Path, seed: int) -> Path:
    return folder / f"seed-{seed}"


def configuration_dir(folder: Path, configuration: Configuration) -> Path:
    """Where a configuration's seeds go: the sweep folder itself without a grid."""
    return folder / configuration.id if configuration.id else folder
