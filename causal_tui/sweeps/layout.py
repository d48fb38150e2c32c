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

from causal_tui.sweeps.grid import Cell
from causal_tui.systems.catalog import SEED
from causal_tui.systems.system import System

SWEEP_FILE = "sweep.json"
SCORECARD_FILE = "scorecard.json"


def default_name(preset: str, system: System = SEED, grid_text: str | None = None) -> str:
    """A folder name from a holdout preset: 'A=1&C=1' -> 'A1_C1' (for another
    system than the seed's, its name first: 'chain_A1_C1'; with a grid, 'grid' after)."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", preset.replace("=", "")).strip("_") or "sweep"
    name = name if system == SEED else f"{system.name}_{name}"
    return f"{name}_grid" if grid_text else name


def sweep_dir(out_dir: Path, name: str) -> Path:
    return Path(out_dir) / "sweeps" / name


def seed_dir(folder: Path, seed: int) -> Path:
    return folder / f"seed-{seed}"


def cell_dir(folder: Path, cell: Cell) -> Path:
    """Where a configuration's seeds go: the sweep folder itself without a grid."""
    return folder / cell.id if cell.id else folder
