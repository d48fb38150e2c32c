"""A sweep's scorecards from its seeds' probes: one per configuration, and for
a grid the comparison of configurations."""

from __future__ import annotations

import json
from pathlib import Path

from causal_tui.learners import loading
from causal_tui.science import scorecard
from causal_tui.store import atomic, model_folder
from causal_tui.store.runs import PROBE_FILE
from causal_tui.sweeps.grid import Cell, label, settings_of
from causal_tui.sweeps.job import look_inside
from causal_tui.sweeps.layout import SCORECARD_FILE, SWEEP_FILE, cell_dir, seed_dir
from causal_tui.systems.system import System


def load_runs(folder: Path, seeds: int, system: System, held_out) -> list[dict]:
    """Every seed's probe.json; a seed finished before the scorecard looked
    inside models (no interventions or graph in it) gets them now, from its
    saved model, without retraining."""
    runs = []
    for k in range(seeds):
        path = seed_dir(folder, k) / PROBE_FILE
        run = json.loads(path.read_text())
        if "intervention_summary" not in run or "graph" not in run:
            loaded = loading.load(model_folder.final_dir(seed_dir(folder, k)))
            run.update(look_inside(loaded.model, loaded.tokenizer, system, held_out))
            atomic.write_text(path, json.dumps(run) + "\n")
        runs.append(run)
    return runs


def write_scorecard(folder: Path, name: str, system: System, held_out, seeds: int,
                    settings: dict | None = None) -> dict:
    card = scorecard.build(system, held_out, load_runs(folder, seeds, system, held_out))
    card["name"] = name
    card["settings"] = settings if settings is not None else json.loads((folder / SWEEP_FILE).read_text())
    atomic.write_text(folder / SCORECARD_FILE, json.dumps(card, indent=2) + "\n")
    return card


def write_scorecards(folder: Path, name: str, system: System, held_out, seeds: int, cells: list[Cell]) -> dict:
    """The scorecard of each configuration, and for a grid the comparison."""
    if len(cells) == 1 and not cells[0].id:
        return write_scorecard(folder, name, system, held_out, seeds)
    configurations = []
    for cell in cells:
        card = write_scorecard(cell_dir(folder, cell), f"{name}/{cell.id}", system, held_out, seeds,
                               {"grid": cell.settings, "config": settings_of(cell.config)})
        configurations.append({"id": cell.id, "label": label(cell.settings), "settings": cell.settings,
                               "scorecard": card})
    top = {"name": name, "settings": json.loads((folder / SWEEP_FILE).read_text()),
           "system": configurations[0]["scorecard"]["system"], "held_out": configurations[0]["scorecard"]["held_out"],
           "seeds": list(range(seeds)), "configurations": configurations,
           "comparison": scorecard.compare(configurations)}
    atomic.write_text(folder / SCORECARD_FILE, json.dumps(top, indent=2) + "\n")
    return top
