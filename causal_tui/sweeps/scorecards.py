"""A sweep's scorecards from its seeds' probes: one per configuration, and for
a grid the comparison of configurations."""

from __future__ import annotations

import json
from pathlib import Path

from causal_tui.learners import loading
from causal_tui.science import scorecard
from causal_tui.store import atomic, model_folder, provenance
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
                    settings: dict | None = None, vary: str = "both", started_at: str | None = None) -> dict:
    runs = load_runs(folder, seeds, system, held_out)
    card = scorecard.build(system, held_out, runs)
    card["name"] = name
    card["vary"] = vary
    card["settings"] = settings if settings is not None else json.loads((folder / SWEEP_FILE).read_text())
    card["provenance"] = provenance.collect(_precision_of(runs), started_at, provenance.now())
    atomic.write_text(folder / SCORECARD_FILE, json.dumps(card, indent=2) + "\n")
    return card


def _precision_of(runs: list[dict]) -> str | None:
    """The precision the seeds trained in ('fp32'; 'bf16, fp32' where they differ)."""
    found = sorted({r["precision"] for r in runs if r.get("precision")})
    return ", ".join(found) if found else None


def write_scorecards(folder: Path, name: str, system: System, held_out, seeds: int, cells: list[Cell],
                     vary: str = "both", started_at: str | None = None) -> dict:
    """The scorecard of each configuration, and for a grid the comparison."""
    if len(cells) == 1 and not cells[0].id:
        return write_scorecard(folder, name, system, held_out, seeds, vary=vary, started_at=started_at)
    configurations = []
    for cell in cells:
        card = write_scorecard(cell_dir(folder, cell), f"{name}/{cell.id}", system, held_out, seeds,
                               {"grid": cell.settings, "config": settings_of(cell.config)}, vary, started_at)
        configurations.append({"id": cell.id, "label": label(cell.settings), "settings": cell.settings,
                               "scorecard": card})
    top = {"name": name, "settings": json.loads((folder / SWEEP_FILE).read_text()),
           "system": configurations[0]["scorecard"]["system"], "held_out": configurations[0]["scorecard"]["held_out"],
           "seeds": list(range(seeds)), "vary": vary, "configurations": configurations,
           "comparison": scorecard.compare(configurations),
           "provenance": provenance.collect(", ".join(sorted({c["scorecard"]["provenance"]["precision"] or "?"
                                                               for c in configurations})),
                                            started_at, provenance.now())}
    atomic.write_text(folder / SCORECARD_FILE, json.dumps(top, indent=2) + "\n")
    return top


def score_folder(out_dir: Path, name: str) -> dict:
    """Score a sweep's folder again from what it recorded (sweep.json and the
    seeds' probe.json files): the scorecard(s) a sweep writes as it ends."""
    from causal_tui.sweeps.grid import Cell
    from causal_tui.sweeps.layout import sweep_dir
    from causal_tui.systems.catalog import from_manifest
    from causal_tui.systems.holdout import HeldOut
    from causal_tui.training.config import TrainingConfig

    folder = sweep_dir(out_dir, name)
    described = json.loads((folder / SWEEP_FILE).read_text())
    system = from_manifest(described["system"])
    held_out = HeldOut.from_labels(described["held_out"], system)
    if "grid" in described:
        cells = [Cell(g["id"], g["settings"], TrainingConfig(**g["config"])) for g in described["grid"]]
    else:
        cells = [Cell("", {}, TrainingConfig(**described["config"]))]
    seeds = len(list(cell_dir(folder, cells[0]).glob("seed-*")))
    return write_scorecards(folder, name, system, held_out, seeds, cells, described.get("vary", "both"))
