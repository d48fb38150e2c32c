"""Train many seeds (of one configuration, or of every configuration of a
grid) on one holdout, and score them.

Each seed k trains on a dataset drawn with seed k (training seed k too) and is
saved in its own folder (layout.py) with its probe in probe.json; a seed with
a probe.json is done and is not trained again, so an interrupted or partly
failed sweep resumes. The scorecard goes to scorecard.json beside the seeds;
a grid also gets a comparison in out/sweeps/<name>/scorecard.json.

Seeds run in long-lived local worker processes (pool.py), or as Ray tasks
(ray_backend.py) with `backend="ray"`."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from causal_tui.data import dataset as data
from causal_tui.errors import UserError
from causal_tui.store import atomic, locks, model_folder, provenance
from causal_tui.store.runs import PROBE_FILE
from causal_tui.sweeps import pool
from causal_tui.sweeps.experiment import FILE as EXPERIMENT_FILE
from causal_tui.sweeps.experiment import SIZE_FIELDS, Experiment
from causal_tui.sweeps.grid import Cell, settings_of
from causal_tui.sweeps.job import SeedJob, record_seed, threads_per_job, train_seed
from causal_tui.sweeps.layout import SWEEP_FILE, cell_dir, seed_dir, sweep_dir
from causal_tui.sweeps.scorecards import write_scorecards
from causal_tui.systems.catalog import from_manifest, manifest_entry
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import System
from causal_tui.training.config import TrainingConfig


def _describe(system: System, held_out: HeldOut, cells: list[Cell], sizes: dict, vary: str = "both") -> dict:
    described = {"system": manifest_entry(system), "held_out": held_out.labels(system), "sizes": sizes}
    if vary != "both":  # sweeps from before --vary varied both
        described["vary"] = vary
    if len(cells) == 1 and not cells[0].id:
        described["config"] = settings_of(cells[0].config)
    else:
        described["grid"] = [{"id": c.id, "settings": c.settings, "config": settings_of(c.config)} for c in cells]
    return described


def same_sweep(previous: dict, described: dict) -> bool:
    """Whether a sweep folder's settings are the ones asked for. Folders written
    before a setting existed count as having its default: sweeps then were the
    seed's system, and configurations lacked the newer fields."""
    if from_manifest(previous.get("system")) != from_manifest(described.get("system")):
        return False
    if previous.get("held_out") != described["held_out"] or previous.get("sizes") != described["sizes"]:
        return False
    if previous.get("vary", "both") != described.get("vary", "both"):
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


def run(name: str, system: System, held_out, seeds: int, jobs: int, config: TrainingConfig,
        sizes: dict, out_dir: Path = model_folder.DEFAULT_OUT,
        report: Callable[[int, int, dict | None], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        on_step: StepReporter | None = None,
        backend: str = "local", address: str | None = None) -> dict:
    """A sweep of one configuration from plain values (see run_experiment)."""
    if seeds < 1 or jobs < 1:
        raise UserError("--seeds and --jobs must be at least 1")
    experiment = Experiment(name=name, system=system, holdout=HeldOut(held_out), config=config,
                            explicit=frozenset(SIZE_FIELDS), sizes=sizes, seeds=seeds, jobs=jobs, backend=backend,
                            address=address)
    return run_experiment(experiment, out_dir, report, should_stop, on_step)


def run_experiment(experiment: Experiment, out_dir: Path = model_folder.DEFAULT_OUT,
                   report: Callable[[int, int, dict | None], None] | None = None,
                   should_stop: Callable[[], bool] | None = None,
                   on_step: StepReporter | None = None) -> dict:
    """Train the seeds not yet done (up to `jobs` at once), then build and save
    the scorecard(s); the experiment, fully resolved, goes to experiment.toml
    beside them. `report(done, total, probe_or_None)` is called as seeds
    finish, `on_step` as they train. When `should_stop` turns true, running
    seeds stop at their next step, the rest are not started, and Interrupted
    is raised; seeds that fail raise SeedsFailed once the others are done."""
    e = experiment
    if e.backend == "ray":
        from causal_tui.sweeps import ray_backend

        ray_backend.require()  # before anything is written
    elif e.backend != "local":
        raise UserError(f"unknown backend {e.backend!r}: local or ray")
    if e.seeds < 1 or e.jobs < 1:
        raise UserError("--seeds and --jobs must be at least 1")
    cells = e.cells()
    for cell in cells:
        cell.config.validate()
    data.check_sizes(e.sizes)
    if not e.holdout:
        raise UserError("a sweep needs held-out states: give --holdout")
    folder = sweep_dir(out_dir, e.name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot write to {folder}/: {err.strerror or err}") from None
    with locks.writing(folder, f"sweep {e.name} ({folder}/)"):
        return _run_locked(e.name, e.system, e.holdout, e.seeds, e.jobs, cells, e.sizes, out_dir, folder, report,
                           should_stop, on_step, e.backend, e.address, e)


def _run_locked(name, system, held_out, seeds, jobs, cells, sizes, out_dir, folder, report, should_stop,
                on_step, backend, address, experiment: Experiment) -> dict:
    started_at = provenance.now()
    described = _describe(system, held_out, cells, sizes, experiment.vary)
    existing = folder / SWEEP_FILE
    if existing.exists():
        previous = json.loads(existing.read_text())
        if not same_sweep(previous, described):
            raise UserError(f"sweep {name!r} in {folder}/ was run with another system, holdout or "
                            "configuration: pick another --name")
    else:
        atomic.write_text(existing, json.dumps(described, indent=2) + "\n")
    atomic.write_text(folder / EXPERIMENT_FILE, experiment.to_toml(provenance.version()))

    total = seeds * len(cells)
    todo = [(cell, k) for cell in cells for k in range(seeds)
            if not (seed_dir(cell_dir(folder, cell), k) / PROBE_FILE).exists()]
    done = total - len(todo)
    report = report or (lambda done, total, probe: None)
    should_stop = should_stop or (lambda: False)
    on_step = on_step or (lambda key, step, total: None)
    report(done, total, None)
    threads = threads_per_job(jobs)
    call = provenance.command()
    tasks = [pool.Task(key=f"{cell.id} seed {k}".strip(), fn=train_seed,
                       args=(SeedJob(k, system, held_out, cell.config, sizes, experiment.vary, call),
                             str(seed_dir(cell_dir(folder, cell), k))),
                       extra={"cell": cell, "seed": k})
             for cell, k in todo]
    failures: list[tuple[str, str]] = []
    finished_count = [done]

    def finished(task: pool.Task, probe) -> None:
        if probe is None:  # stopped at a step: its checkpoint stays for the rerun
            return
        record_seed(out_dir, name, Path(task.args[1]), task.args[0])
        finished_count[0] += 1
        report(finished_count[0], total, {**probe, "key": task.key})

    def failed(task: pool.Task, why: str) -> None:
        failures.append((task.key, why))

    if tasks:
        if backend == "ray":
            from causal_tui.sweeps import ray_backend

            ray_backend.run(tasks, address, threads, should_stop, finished, failed)
        else:
            pool.LocalPool(min(jobs, len(tasks)), threads).run(
                tasks, should_stop, finished, failed, on_step=lambda t, step, n: on_step(t.key, step, n))
    if should_stop():
        raise Interrupted(finished_count[0], total, folder)
    if failures:
        raise SeedsFailed(failures, finished_count[0], total, folder)
    return write_scorecards(folder, name, system, held_out, seeds, cells, experiment.vary, started_at)
