"""A sweep's scorecards from its seeds' probes: one per configuration, and for
a grid the comparison of configurations."""

from __future__ import annotations

import json
from pathlib import Path

from causal_tui.learners import loading
from causal_tui.science import scorecard
from causal_tui.store import atomic, model_folder, provenance, records
from causal_tui.store.runs import PROBE_FILE
from causal_tui.sweeps.grid import Configuration, label, settings_of
from causal_tui.sweeps.job import look_inside
from causal_tui.sweeps.layout import SCORECARD_FILE, SWEEP_FILE, configuration_dir, seed_dir, sweep_dir
from causal_tui.systems.catalog import from_manifest
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import System
from causal_tui.training.config import TrainingConfig


def load_seeds(folder: Path, seeds: int, system: System, held_out: HeldOut) -> list[dict]:
    """Every seed's probe.json; a seed finished before the scorecard looked
    inside models (no interventions or graph in it) gets them now, from its
    saved model, without retraining (the caller holds the sweep's lock)."""
    found = []
    for k in range(seeds):
        path = seed_dir(folder, k) / PROBE_FILE
        seed = records.read(path, "seed")
        if "intervention_summary" not in seed or "graph" not in seed:
            loaded = loading.load(model_folder.final_dir(seed_dir(folder, k)))
            seed.update(look_inside(loaded.model, loaded.tokenizer, system, held_out))
            atomic.write_text(path, json.dumps(seed) + "\n")
        found.append(seed)
    return found


def write_scorecard(folder: Path, name: str, system: System, held_out: HeldOut, seeds: int,
                    settings: dict | None = None, vary: str = "both", started_at: str | None = None) -> dict:
    found = load_seeds(folder, seeds, system, held_out)
    card = records.stamped("scorecard", scorecard.build(system, held_out, found))
    course = _course(folder, seeds, system, held_out)
    if course:
        card["course"] = course
    card["name"] = name
    card["holdout"] = held_out.source
    card["vary"] = vary
    card["settings"] = settings if settings is not None else records.read(folder / SWEEP_FILE, "sweep")
    card["provenance"] = provenance.collect(_precision_of(found), started_at, provenance.now())
    atomic.write_text(folder / SCORECARD_FILE, json.dumps(card, indent=2) + "\n")
    return card


def _course(folder: Path, seeds: int, system: System, held_out: HeldOut) -> dict | None:
    """With --probe-every: when the held-out answers settle and how the degree
    profile moves, over the seeds (science/spectrum.course_over_seeds)."""
    from causal_tui.science import spectrum
    from causal_tui.store.runs import course_in

    per_seed = []
    for k in range(seeds):
        probes = course_in(seed_dir(folder, k), held_out.labels(), system.fields)
        if not probes:
            return None
        per_seed.append(spectrum.settling(probes, held_out.labels(), system.fields))
    return spectrum.course_over_seeds(per_seed, system.fields)


def _precision_of(seeds: list[dict]) -> str | None:
    """The precision the seeds trained in ('fp32'; 'bf16, fp32' where they differ)."""
    found = sorted({r["precision"] for r in seeds if r.get("precision")})
    return ", ".join(found) if found else None


def write_scorecards(folder: Path, name: str, system: System, held_out: HeldOut, seeds: int,
                     configurations: list[Configuration], vary: str = "both", started_at: str | None = None) -> dict:
    """The scorecard of each configuration, and for a grid the comparison."""
    if len(configurations) == 1 and not configurations[0].id:
        return write_scorecard(folder, name, system, held_out, seeds, vary=vary, started_at=started_at)
    cards = []
    for c in configurations:
        card = write_scorecard(configuration_dir(folder, c), f"{name}/{c.id}", system, held_out, seeds,
                               {"grid": c.settings, "config": settings_of(c.config)}, vary, started_at)
        cards.append({"id": c.id, "label": label(c.settings), "settings": c.settings, "scorecard": card})
    top = records.stamped("scorecard", {
        "name": name, "holdout": held_out.source, "settings": records.read(folder / SWEEP_FILE, "sweep"),
        "system": cards[0]["scorecard"]["system"], "held_out": cards[0]["scorecard"]["held_out"],
        "seeds": list(range(seeds)), "vary": vary, "configurations": cards,
        "comparison": scorecard.compare(cards),
        "provenance": provenance.collect(", ".join(sorted({c["scorecard"]["provenance"]["precision"] or "?"
                                                            for c in cards})), started_at, provenance.now())})
    atomic.write_text(folder / SCORECARD_FILE, json.dumps(top, indent=2) + "\n")
    return top


def score_folder(out_dir: Path, name: str) -> dict:
    """Score a sweep's folder again from what it recorded (sweep.json and the
    seeds' probe.json files): the scorecard(s) a sweep writes as it ends."""
    folder = sweep_dir(out_dir, name)
    described = records.read(folder / SWEEP_FILE, "sweep")
    system = from_manifest(described["system"])
    held_out = HeldOut.from_labels(described["held_out"], system, described.get("holdout"))
    if "grid" in described:
        configurations = [Configuration(g["id"], g["settings"], TrainingConfig(**g["config"]))
                          for g in described["grid"]]
    else:
        configurations = [Configuration("", {}, TrainingConfig(**described["config"]))]
    seeds = len(list(configuration_dir(folder, configurations[0]).glob("seed-*")))
    return write_scorecards(folder, name, system, held_out, seeds, configurations, described.get("vary", "both"))
