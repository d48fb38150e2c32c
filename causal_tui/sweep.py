"""Train many seeds (of one configuration, or of every configuration of a
grid) on one holdout, and score them.

Each seed k trains on a dataset drawn with seed k (training seed k too) and is
saved under out/sweeps/<name>/seed-<k>/ (with a grid: under
out/sweeps/<name>/<configuration>/seed-<k>/) with its probe in probe.json; a
seed with a probe.json is done and is not trained again, so an interrupted
or partly failed sweep resumes. The scorecard goes to scorecard.json beside
the seeds; a grid also gets a comparison in out/sweeps/<name>/scorecard.json.

Seeds run in long-lived local worker processes (workers.py), or as Ray tasks
(ray_backend.py) with `backend="ray"`."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable

from . import atomic, data, model_store, scorecard, workers
from .errors import UserError
from .grid import Cell, label
from .progress import Progress
from .rules import SEED, System
from .training import TrainingConfig

PROBE_FILE = "probe.json"
SWEEP_FILE = "sweep.json"
SCORECARD_FILE = "scorecard.json"
LOSSES_FILE = "losses.json"


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


def single(config: TrainingConfig) -> list[Cell]:
    """A sweep of one configuration, as a grid of one cell without a folder of its own."""
    return [Cell("", {}, config)]


def _settings(config: TrainingConfig) -> dict:
    return {k: v for k, v in asdict(config).items() if k != "seed"}


def _describe(system: System, held_out, cells: list[Cell], sizes: dict) -> dict:
    from .system_file import manifest_entry

    described = {"system": manifest_entry(system), "held_out": [system.format_state(s) for s in held_out],
                 "sizes": sizes}
    if len(cells) == 1 and not cells[0].id:
        described["config"] = _settings(cells[0].config)
    else:
        described["grid"] = [{"id": c.id, "settings": c.settings, "config": _settings(c.config)} for c in cells]
    return described


def same_sweep(previous: dict, described: dict) -> bool:
    """Whether a sweep folder's settings are the ones asked for. Folders written
    before a setting existed count as having its default: sweeps then were the
    seed's system, and configurations lacked the newer fields."""
    from .system_file import from_manifest

    if from_manifest(previous.get("system")) != from_manifest(described.get("system")):
        return False
    if previous.get("held_out") != described["held_out"] or previous.get("sizes") != described["sizes"]:
        return False

    def full(config: dict) -> dict:
        return {k: v for k, v in {**asdict(TrainingConfig()), **config}.items() if k != "seed"}

    if "config" in described:
        return "config" in previous and full(previous["config"]) == full(described["config"])
    return [(g["id"], full(g["config"])) for g in previous.get("grid", [])] == \
        [(g["id"], full(g["config"])) for g in described["grid"]]


class Interrupted(Exception):
    """The sweep was asked to stop; finished seeds are kept and a rerun resumes."""

    def __init__(self, done: int, total: int, folder: Path):
        super().__init__(f"{done} of {total} seeds done")
        self.done, self.total, self.folder = done, total, folder


class SeedsFailed(Exception):
    """Some seeds failed (their worker died, or training raised); the others
    are done and kept, and a rerun trains only what is missing."""

    def __init__(self, failures: list[tuple[str, str]], done: int, total: int, folder: Path):
        lines = "; ".join(f"{key}: {why}" for key, why in failures)
        super().__init__(f"{len(failures)} of {total} seeds failed ({lines}); {done} done are kept in {folder}/: "
                         "run the same command again to train what is missing")
        self.failures, self.done, self.total, self.folder = failures, done, total, folder


StepReporter = Callable[[str, int, int], None]
"""(seed key such as 'seed 3' or 'arch-lstm seed 3', step, total steps) while it trains."""


@dataclass(frozen=True)
class SeedJob:
    """What one seed's training needs; sent to a worker process or a Ray task."""

    seed: int
    system: System
    held_out: tuple
    config: TrainingConfig
    sizes: dict


def train_seed(job: SeedJob, folder: str, should_stop: Callable[[], bool] | None = None,
               on_step: Callable[[int, int], None] | None = None) -> dict | None:
    """One seed: train, save, write its probe. Returns its summary, or None when
    it was stopped (nothing written but a checkpoint). In a worker process the
    stop flag and step reports go through workers.py."""
    from . import training

    should_stop = should_stop or workers.stop_requested
    on_step = on_step or workers.report_step

    def report(event) -> None:
        if isinstance(event, Progress):
            on_step(event.step, event.total_steps)

    ds = data.generate(job.held_out, seed=job.seed, sizes=job.sizes, system=job.system)
    # resume: a seed stopped midway (Ctrl+C) left a checkpoint; go on from it.
    result = training.train(ds, replace(job.config, seed=job.seed), Path(folder), report=report,
                            should_stop=should_stop, resume=True)
    if result.stopped:
        return None
    probe = {
        "seed": job.seed,
        "predictions": result.report.predictions(),
        "summary": result.report.summary(),
        "steps": result.steps,
        "perfect": result.perfect,
        **look_inside(result.model, result.tokenizer, job.system, job.held_out),
    }
    atomic.write_text(Path(folder) / LOSSES_FILE, json.dumps(result.losses) + "\n")
    # Written last: a probe.json marks the seed done.
    atomic.write_text(Path(folder) / PROBE_FILE, json.dumps(probe) + "\n")
    return probe


def look_inside(model, tokenizer, system: System, held_out) -> dict:
    """What the scorecard needs from interpret/: the intervention summary and
    the input-output graph of one seed's model."""
    from .interpret.report import overview

    found = overview(model, tokenizer, system, held_out)
    return {"intervention_summary": found["intervention_summary"], "graph": found["graph"]}


def threads_per_job(jobs: int) -> int:
    """The cores shared out among the seeds trained at once."""
    return max(1, (os.cpu_count() or 1) // jobs)


def run(name: str, system: System, held_out, seeds: int, jobs: int, cells: list[Cell] | TrainingConfig,
        sizes: dict, out_dir: Path = model_store.DEFAULT_OUT,
        report: Callable[[int, int, dict | None], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        on_step: StepReporter | None = None,
        backend: str = "local", address: str | None = None) -> dict:
    """Train the seeds not yet done (up to `jobs` at once), then build and save
    the scorecard(s). `report(done, total, probe_or_None)` is called as seeds
    finish, `on_step` as they train. When `should_stop` turns true, running
    seeds stop at their next step, the rest are not started, and Interrupted
    is raised; seeds that fail raise SeedsFailed once the others are done."""
    if isinstance(cells, TrainingConfig):
        cells = single(cells)
    if backend == "ray":
        from . import ray_backend

        ray_backend.require()  # before anything is written
    elif backend != "local":
        raise UserError(f"unknown backend {backend!r}: local or ray")
    if seeds < 1 or jobs < 1:
        raise UserError("--seeds and --jobs must be at least 1")
    for cell in cells:
        cell.config.validate()
    data.check_sizes(sizes)
    held_out = tuple(sorted(held_out))
    if not held_out:
        raise UserError("a sweep needs held-out states: give --holdout or --omit")
    folder = sweep_dir(out_dir, name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot write to {folder}/: {e.strerror or e}") from None
    from . import locks

    with locks.writing(folder, f"sweep {name} ({folder}/)"):
        return _run_locked(name, system, held_out, seeds, jobs, cells, sizes, out_dir, folder, report,
                           should_stop, on_step, backend, address)


def _run_locked(name, system, held_out, seeds, jobs, cells, sizes, out_dir, folder, report, should_stop,
                on_step, backend, address) -> dict:
    described = _describe(system, held_out, cells, sizes)
    existing = folder / SWEEP_FILE
    if existing.exists():
        previous = json.loads(existing.read_text())
        if not same_sweep(previous, described):
            raise UserError(f"sweep {name!r} in {folder}/ was run with another system, holdout or "
                            "configuration: pick another --name")
    else:
        atomic.write_text(existing, json.dumps(described, indent=2) + "\n")

    total = seeds * len(cells)
    todo = [(cell, k) for cell in cells for k in range(seeds)
            if not (seed_dir(cell_dir(folder, cell), k) / PROBE_FILE).exists()]
    done = total - len(todo)
    report = report or (lambda done, total, probe: None)
    should_stop = should_stop or (lambda: False)
    on_step = on_step or (lambda key, step, total: None)
    report(done, total, None)
    threads = threads_per_job(jobs)
    tasks = [workers.Task(key=f"{cell.id} seed {k}".strip(), fn=train_seed,
                          args=(SeedJob(k, system, held_out, cell.config, sizes), str(seed_dir(cell_dir(folder, cell), k))),
                          extra={"cell": cell, "seed": k})
             for cell, k in todo]
    failures: list[tuple[str, str]] = []
    finished_count = [done]

    def finished(task: workers.Task, probe) -> None:
        if probe is None:  # stopped at a step: its checkpoint stays for the rerun
            return
        record_seed(out_dir, name, Path(task.args[1]), task.args[0])
        finished_count[0] += 1
        report(finished_count[0], total, {**probe, "key": task.key})

    def failed(task: workers.Task, why: str) -> None:
        failures.append((task.key, why))

    if tasks:
        if backend == "ray":
            from . import ray_backend

            ray_backend.run(tasks, address, threads, should_stop, finished, failed)
        else:
            workers.LocalPool(min(jobs, len(tasks)), threads).run(
                tasks, should_stop, finished, failed, on_step=lambda t, step, n: on_step(t.key, step, n))
    if should_stop():
        raise Interrupted(finished_count[0], total, folder)
    if failures:
        raise SeedsFailed(failures, finished_count[0], total, folder)
    return write_scorecards(folder, name, system, held_out, seeds, cells)


def record_seed(out_dir: Path, name: str, seed_folder: Path, job: SeedJob) -> str:
    """A finished seed joins the run history (out/runs/), model linked, not copied."""
    from . import runs
    from .system_file import manifest_entry

    final = model_store.final_dir(seed_folder)
    manifest = model_store.read_manifest(final) or {}
    probe = json.loads((seed_folder / PROBE_FILE).read_text())
    run_id = runs.start(out_dir, f"sweep {name}", {**asdict(job.config), "seed": job.seed},
                        manifest_entry(job.system), [job.system.format_state(s) for s in job.held_out])
    losses_path = seed_folder / LOSSES_FILE
    losses = json.loads(losses_path.read_text()) if losses_path.exists() else None
    runs.finish(out_dir, run_id, "finished", model_dir=final, manifest=manifest, predictions=probe["predictions"],
                losses=losses, steps=probe.get("steps"), seconds=(manifest.get("metrics") or {}).get("seconds"))
    return run_id


def load_runs(folder: Path, seeds: int, system: System, held_out) -> list[dict]:
    """Every seed's probe.json; a seed finished before the scorecard looked
    inside models (no interventions or graph in it) gets them now, from its
    saved model, without retraining."""
    runs = []
    for k in range(seeds):
        path = seed_dir(folder, k) / PROBE_FILE
        run = json.loads(path.read_text())
        if "intervention_summary" not in run or "graph" not in run:
            loaded = model_store.load(model_store.final_dir(seed_dir(folder, k)))
            run.update(look_inside(loaded.model, loaded.tokenizer, system, held_out))
            atomic.write_text(path, json.dumps(run) + "\n")
        runs.append(run)
    return runs


def write_scorecard(folder: Path, name: str, system: System, held_out, seeds: int, settings: dict | None = None) -> dict:
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
                               {"grid": cell.settings, "config": _settings(cell.config)})
        configurations.append({"id": cell.id, "label": label(cell.settings), "settings": cell.settings,
                               "scorecard": card})
    top = {"name": name, "settings": json.loads((folder / SWEEP_FILE).read_text()),
           "system": configurations[0]["scorecard"]["system"], "held_out": configurations[0]["scorecard"]["held_out"],
           "seeds": list(range(seeds)), "configurations": configurations,
           "comparison": scorecard.compare(configurations)}
    atomic.write_text(folder / SCORECARD_FILE, json.dumps(top, indent=2) + "\n")
    return top
