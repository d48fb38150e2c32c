"""One seed of a sweep: train it on its own dataset, save it, write its probe
and what the scorecard needs from inside the model; then record it as a run.

A SeedJob is what a worker process or a Ray task receives."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable

from causal_tui.data import dataset as data
from causal_tui.learners import registry
from causal_tui.store import atomic, model_folder, records, runs
from causal_tui.store.runs import LOSSES_FILE, PROBE_FILE
from causal_tui.sweeps import pool
from causal_tui.systems.catalog import manifest_entry
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import System
from causal_tui.training.config import TrainingConfig
from causal_tui.training.progress import Progress

RUN_ID_FILE = "run_id"
"""In a seed's folder: the id of the run that recorded it in out/runs/."""


@dataclass(frozen=True)
class SeedJob:
    """What one seed's training needs; sent to a worker process or a Ray task."""

    seed: int
    held_out: HeldOut
    """The held-out states, with their system."""
    config: TrainingConfig
    sizes: dict
    vary: str = "both"
    """What the seed changes: both the dataset and the initialisation, the data only, or the init only."""
    call: str | None = None
    """The command line or API call of the sweep, for the seed's provenance (it trains in another process)."""
    learner_module: str | None = None
    every_state: bool = False
    """The seed's training split is every trained state once (data.generate)."""
    """The module that registers the learner (a worker imports it: registry.ensure)."""

    @property
    def system(self) -> System:
        return self.held_out.system

    @property
    def data_seed(self) -> int:
        """The seed that draws the dataset: the seed's own, or 0 for all (vary=init)."""
        return self.seed if self.vary in ("both", "data") else 0

    @property
    def init_seed(self) -> int:
        """The seed of the initialisation (and batch order): the seed's own, or 0 for all (vary=data)."""
        return self.seed if self.vary in ("both", "init") else 0


def train_seed(job: SeedJob, folder: str, should_stop: Callable[[], bool] | None = None,
               on_step: Callable[[int, int], None] | None = None) -> dict | None:
    """One seed: train, save, write its probe. Returns its summary, or None when
    it was stopped (nothing written but a checkpoint). In a worker process the
    stop flag and step reports go through pool.py."""
    from causal_tui.store import provenance
    from causal_tui.training import trainer

    if job.call:
        provenance.set_call(job.call)
    should_stop = should_stop or pool.stop_requested
    on_step = on_step or pool.report_step

    def on_event(event) -> None:
        if isinstance(event, Progress):
            on_step(event.step, event.total_steps)

    registry.ensure(job.config.arch, job.learner_module)
    ds = data.generate(job.held_out, seed=job.data_seed, sizes=job.sizes, every_state=job.every_state)
    # resume: a seed stopped midway (Ctrl+C) left a checkpoint; go on from it.
    result = trainer.train(ds, replace(job.config, seed=job.init_seed), Path(folder), on_event=on_event,
                           should_stop=should_stop, resume=True)
    if result.stopped:
        return None
    probe = records.stamped("seed", {
        "seed": job.seed,
        "data_seed": job.data_seed,
        "init_seed": job.init_seed,
        "precision": result.manifest["precision"],
        "predictions": result.report.predictions(),
        "probabilities": {s: entry["probabilities"] for s, entry in result.report.record()["states"].items()},
        "summary": result.report.summary(),
        "steps": result.steps,
        "perfect": result.perfect,
        "epochs": result.epochs,
        **({"values": result.model.field_values(result.tokenizer, job.system, job.system.all_states)}
           if hasattr(result.model, "field_values") else {}),
        "stopped_because": (result.manifest.get("metrics") or {}).get("stopped_because"),
        **look_inside(result.model, result.tokenizer, job.system, job.held_out),
    })
    atomic.write_text(Path(folder) / LOSSES_FILE, json.dumps(result.losses) + "\n")
    # Written last: a probe.json marks the seed done.
    atomic.write_text(Path(folder) / PROBE_FILE, json.dumps(probe) + "\n")
    return probe


def look_inside(model, tokenizer, system: System, held_out: HeldOut) -> dict:
    """What the scorecard needs from interpret/: the intervention summary, the
    input-output graph and, per intermediate variable, the best interchange
    site of one seed's model (its IIA on trained and held-out base pairs)."""
    from causal_tui.interpret.inspect import iia, overview

    found = overview(model, tokenizer, system, held_out)
    out = {"intervention_summary": found["intervention_summary"], "graph": found["graph"]}
    if system.intermediates:
        out["iia"] = {v: best_of(entry) for v, entry in iia(model, tokenizer, system, held_out,
                                                             answers=found["_answers"]).items()}
    return out


def best_of(entry: dict) -> dict:
    """A variable's best interchange site with its pair counts: what a seed
    contributes to the scorecard's IIA over seeds. Counts [right, pairs] of the
    whole completion and of each reader field, strict and relative, on the
    evaluation half of the trained bases and on held-out bases."""
    best = entry["best"]
    parts = ("evaluation", "held_out")

    def count(share, kind, part):
        n = best["counted"][kind][part]
        return [round(share * n), n] if share is not None else [0, 0]

    counts = {kind: {part: count(best[kind][part], kind, part) for part in parts} for kind in ("strict", "relative")}
    fields = {f: {kind: {part: count(e[kind].get(part), kind, part) for part in parts} for kind in ("strict", "relative")}
              for f, e in best["per_field"].items()}
    return {**best, "counts": counts, "field_counts": fields,
            # before 0.4 the scorecard read these: the strict IIA on trained (now: the evaluation half) and held-out bases
            "pairs": {"trained": counts["strict"]["evaluation"], "held_out": counts["strict"]["held_out"]}}


def threads_per_job(jobs: int) -> int:
    """The cores shared out among the seeds trained at once."""
    return max(1, (os.cpu_count() or 1) // jobs)


def record_seed(out_dir: Path, name: str, seed_folder: Path, job: SeedJob) -> str:
    """A finished seed joins the run history (out/runs/), model linked, not
    copied; its folder then names the run (every row of an export traces back to one)."""
    final = model_folder.final_dir(seed_folder)
    manifest = model_folder.read_manifest(final) or {}
    probe = records.read(seed_folder / PROBE_FILE, "seed")
    run_id = runs.start(out_dir, f"sweep {name}", {**asdict(job.config), "seed": job.init_seed},
                        manifest_entry(job.system), job.held_out.labels(), job.held_out.source)
    losses_path = seed_folder / LOSSES_FILE
    losses = json.loads(losses_path.read_text()) if losses_path.exists() else None
    runs.finish(out_dir, run_id, "finished", model_dir=final, manifest=manifest, predictions=probe["predictions"],
                losses=losses, steps=probe.get("steps"), seconds=(manifest.get("metrics") or {}).get("seconds"),
                epochs=probe.get("epochs"))
    atomic.write_text(seed_folder / RUN_ID_FILE, run_id + "\n")
    return run_id
