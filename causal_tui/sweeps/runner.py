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
from dataclasses import asdict, replace
from pathlib import Path
from typing import Callable

from causal_tui.data import dataset as data
from causal_tui.errors import UserError
from causal_tui.learners import registry
from causal_tui.store import atomic, locks, provenance, records
from causal_tui.store.runs import PROBE_FILE
from causal_tui.sweeps import pool
from causal_tui.sweeps.grid import Configuration, settings_of
from causal_tui.sweeps.job import RUN_ID_FILE, SeedJob, record_seed, threads_per_job, train_seed
from causal_tui.sweeps.layout import SCORECARD_FILE, SWEEP_FILE, configuration_dir, seed_dir, sweep_dir
from causal_tui.sweeps.request import FILE as EXPERIMENT_FILE
from causal_tui.sweeps.request import SweepRequest
from causal_tui.sweeps.scorecards import write_scorecards
from causal_tui.systems.catalog import from_manifest, manifest_entry
from causal_tui.training.config import TrainingConfig


def describe(request: SweepRequest, configurations: list[Configuration]) -> dict:
    """What sweep.json records of what was asked."""
    held_out = request.holdout
    described = {"system": manifest_entry(request.system), "held_out": held_out.labels(),
                 "holdout": held_out.source, "sizes": request.sizes}
    if request.every_state:
        described["every_state"] = True
    if request.vary != "both":  # sweeps from before --vary varied both
        described["vary"] = request.vary
    if len(configurations) == 1 and not configurations[0].id:
        described["config"] = settings_of(configurations[0].config)
    else:
        described["grid"] = [{"id": c.id, "settings": c.settings, "config": settings_of(c.config)}
                             for c in configurations]
    return records.stamped("sweep", described)


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
    if previous.get("every_state", False) != described.get("every_state", False):
        return False

    # A folder from before 0.4 may say precision "auto": whatever it resolved to then, it matches.
    auto = any(c.get("precision") == "auto" for c in [previous.get("config") or {},
                                                       *[g["config"] for g in previous.get("grid", [])]])

    def full(config: dict) -> dict:
        return {k: v for k, v in {**asdict(TrainingConfig()), **config}.items()
                if k != "seed" and not (auto and k == "precision")}

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


OnSeedDone = Callable[[int, int, dict | None], None]
"""(seeds done, seeds in all, the seed's summary or None at the start) as seeds finish."""
OnStep = Callable[[str, int, int], None]
"""(seed key such as 'seed 3' or 'arch-lstm seed 3', step, total steps) while it trains."""


def run_sweep(request: SweepRequest, out_dir: Path, on_seed_done: OnSeedDone | None = None,
              should_stop: Callable[[], bool] | None = None, on_step: OnStep | None = None,
              on_notice: Callable[[str], None] | None = None) -> dict:
    """Train the seeds not yet done (up to `jobs` at once), then build and save
    the scorecard(s); the request, fully resolved, goes to experiment.toml
    beside them. `on_seed_done(done, total, summary_or_None)` is called as seeds
    finish, `on_step` as they train. When `should_stop` turns true, running
    seeds stop at their next step, the rest are not started, and Interrupted
    is raised; seeds that fail raise SeedsFailed once the others are done.
    `on_notice(line)` hears what the sweep decided on its own: the precision
    every seed trains in, seeds kept or added beside the ones asked for, the
    scorecard written or rewritten."""
    if request.backend == "ray":
        from causal_tui.sweeps import ray_backend

        ray_backend.require()  # before anything is written
    configurations = request.configurations()
    for configuration in configurations:
        configuration.config.validate()
    data.check_sizes(request.sizes)
    if not request.holdout:
        raise UserError("a sweep needs held-out states: give --holdout")
    folder = sweep_dir(out_dir, request.name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot write to {folder}/: {err.strerror or err}") from None
    on_notice = on_notice or (lambda line: None)
    configurations = _one_precision(configurations, on_notice)
    with locks.writing(folder, f"sweep {request.name} ({folder}/)"):
        return _run_locked(request, configurations, out_dir, folder, on_seed_done, should_stop, on_step, on_notice)


def _one_precision(configurations: list[Configuration], on_notice) -> list[Configuration]:
    """`--precision auto` resolved once, at the start, for every seed of every
    configuration (a seed never finds another answer halfway through a sweep)."""
    from causal_tui.training import calibration

    out, said = [], set()
    for c in configurations:
        choice = calibration.choose(c.config.precision)
        if c.config.precision == "auto":
            c = Configuration(c.id, c.settings, replace(c.config, precision=choice.used))
        if choice.text() not in said:
            said.add(choice.text())
            on_notice(f"{choice.text()}, for every seed" + (f" of {c.id}" if c.id and len(configurations) > 1
                                                           and c.config.precision != "fp32" else ""))
        out.append(c)
    return out


def seeds_done(folder: Path, configurations: list[Configuration]) -> int:
    """How many seeds (0, 1, ...) every configuration of the folder has finished,
    or its scorecard counts: the seeds a rerun must keep."""
    card = folder / SCORECARD_FILE
    counted = 0
    if card.exists():
        try:
            counted = len(records.read(card, "scorecard").get("seeds", []))
        except UserError:
            counted = 0
    done = 0
    while all((seed_dir(configuration_dir(folder, c), done) / PROBE_FILE).exists() for c in configurations):
        done += 1
    return max(counted, done)


def _run_locked(request: SweepRequest, configurations: list[Configuration], out_dir: Path, folder: Path,
                on_seed_done: OnSeedDone | None, should_stop, on_step: OnStep | None, on_notice) -> dict:
    started_at = provenance.now()
    described = describe(request, configurations)
    existing = folder / SWEEP_FILE
    if existing.exists():
        previous = records.read(existing, "sweep")
        if not same_sweep(previous, described):
            raise UserError(f"sweep {request.name!r} in {folder}/ was run with another system, holdout or "
                            "configuration: pick another --name")
    else:
        atomic.write_text(existing, json.dumps(described, indent=2) + "\n")
    atomic.write_text(folder / EXPERIMENT_FILE, request.to_toml(provenance.version()))

    # A scorecard never shrinks: asking for fewer seeds than the folder holds keeps them all.
    had = seeds_done(folder, configurations) if existing.exists() else 0
    seeds = max(request.seeds, had)
    if had and request.seeds < had:
        on_notice(f"{folder}/ already holds {had} seeds; --seeds {request.seeds} asks for fewer: the scorecard "
                  f"keeps all {had} (nothing to train)")
    elif had and request.seeds > had:
        on_notice(f"{folder}/ holds {had} seed{'s' * (had != 1)}: adding seeds {had} to {request.seeds - 1}")
    elif had:
        on_notice(f"{folder}/ holds all {had} seeds asked for: scoring them again (nothing to train)")
    total = seeds * len(configurations)
    todo = [(c, k) for c in configurations for k in range(seeds)
            if not (seed_dir(configuration_dir(folder, c), k) / PROBE_FILE).exists()]
    call = provenance.command()
    learner_module = {c.config.arch: registry.get(c.config.arch).module for c in configurations}

    def job(c: Configuration, k: int) -> SeedJob:
        return SeedJob(k, request.holdout, c.config, request.sizes, request.vary, call, learner_module[c.config.arch],
                       request.every_state)

    # A seed that finished while its sweep was killed before recording it joins the history now.
    for c in configurations:
        for k in range(seeds):
            done_folder = seed_dir(configuration_dir(folder, c), k)
            if (done_folder / PROBE_FILE).exists() and not (done_folder / RUN_ID_FILE).exists():
                record_seed(out_dir, request.name, done_folder, job(c, k))
    done = total - len(todo)
    on_seed_done = on_seed_done or (lambda done, total, probe: None)
    should_stop = should_stop or (lambda: False)
    on_step = on_step or (lambda key, step, total: None)
    on_seed_done(done, total, None)
    threads = threads_per_job(request.jobs)
    tasks = [pool.Task(key=f"{c.id} seed {k}".strip(), fn=train_seed,
                       args=(job(c, k), str(seed_dir(configuration_dir(folder, c), k))),
                       extra={"configuration": c, "seed": k})
             for c, k in todo]
    failures: list[tuple[str, str]] = []
    finished_count = [done]

    def finished(task: pool.Task, probe) -> None:
        if probe is None:  # stopped at a step: its checkpoint stays for the rerun
            return
        record_seed(out_dir, request.name, Path(task.args[1]), task.args[0])
        finished_count[0] += 1
        on_seed_done(finished_count[0], total, {**probe, "key": task.key})

    def failed(task: pool.Task, why: str) -> None:
        failures.append((task.key, why))

    if tasks:
        if request.backend == "ray":
            from causal_tui.sweeps import ray_backend

            ray_backend.run(tasks, request.address, threads, should_stop, finished, failed)
        else:
            pool.LocalPool(min(request.jobs, len(tasks)), threads).run(
                tasks, should_stop, finished, failed, on_step=lambda t, step, n: on_step(t.key, step, n))
    if should_stop():
        raise Interrupted(finished_count[0], total, folder)
    if failures:
        raise SeedsFailed(failures, finished_count[0], total, folder)
    rewritten = (folder / SCORECARD_FILE).exists()
    card = write_scorecards(folder, request.name, request.system, request.holdout, seeds, configurations,
                            request.vary, started_at)
    on_notice(f"{folder / SCORECARD_FILE} {'rewritten' if rewritten else 'written'}: {seeds} seed"
              f"{'s' * (seeds != 1)}" + (f" (it had {had})" if rewritten and had != seeds else ""))
    return card
