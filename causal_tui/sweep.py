"""Train many seeds on one holdout, in parallel processes, and score them.

Each seed k trains on a dataset drawn with seed k (training seed k too) and is
saved under out/sweeps/<name>/seed-<k>/ with its probe in probe.json; a seed
with a probe.json is done and is not trained again (so an interrupted sweep
resumes). The scorecard is written to out/sweeps/<name>/scorecard.json."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
from dataclasses import asdict, replace
from pathlib import Path
from typing import Callable

from . import atomic, data, model_store, scorecard
from .errors import UserError
from .progress import Progress
from .rules import SEED, System
from .training import TrainingConfig

PROBE_FILE = "probe.json"
SWEEP_FILE = "sweep.json"
SCORECARD_FILE = "scorecard.json"


def default_name(preset: str, system: System = SEED) -> str:
    """A folder name from a holdout preset: 'A=1&C=1' -> 'A1_C1' (for another
    system than the seed's, its name first: 'chain_A1_C1')."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", preset.replace("=", "")).strip("_") or "sweep"
    return name if system == SEED else f"{system.name}_{name}"


def sweep_dir(out_dir: Path, name: str) -> Path:
    return Path(out_dir) / "sweeps" / name


def seed_dir(folder: Path, seed: int) -> Path:
    return folder / f"seed-{seed}"


def _describe(system: System, held_out, config: TrainingConfig, sizes: dict) -> dict:
    from .system_file import manifest_entry

    settings = {k: v for k, v in asdict(config).items() if k != "seed"}
    return {"system": manifest_entry(system), "held_out": [system.format_state(s) for s in held_out],
            "config": settings, "sizes": sizes}


def same_sweep(previous: dict, described: dict) -> bool:
    """Whether a sweep folder's settings are the ones asked for. Folders written
    before a setting existed count as having its default: sweeps then were the
    seed's system, and configurations lacked the newer fields."""
    from .system_file import from_manifest

    if from_manifest(previous.get("system")) != from_manifest(described.get("system")):
        return False
    config = {**asdict(TrainingConfig()), **previous.get("config", {})}
    config.pop("seed", None)
    return (previous.get("held_out") == described["held_out"] and previous.get("sizes") == described["sizes"]
            and config == described["config"])


class Interrupted(Exception):
    """The sweep was asked to stop; finished seeds are kept and a rerun resumes."""

    def __init__(self, done: int, total: int, folder: Path):
        super().__init__(f"{done} of {total} seeds done")
        self.done, self.total, self.folder = done, total, folder


StepReporter = Callable[[int, int, int], None]
"""(seed, step, total steps) while a seed trains."""

# Set in each worker process by _init_worker: how the parent asks it to stop
# and where it sends its step counts.
_STOP = None
_STEPS = None


def _init_worker(stop, steps) -> None:
    global _STOP, _STEPS
    # Ctrl+C reaches every process of the terminal's group; only the parent
    # decides, and tells the workers through `stop`.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STOP, _STEPS = stop, steps


def train_seed(seed: int, system: System, held_out, config: TrainingConfig, sizes: dict, folder: str, threads: int,
               should_stop: Callable[[], bool] | None = None,
               on_step: StepReporter | None = None) -> dict | None:
    """One seed: train, save, write its probe. Returns its summary, or None when
    it was stopped (nothing written but a checkpoint). In a worker process the
    stop flag and step reports go through what _init_worker set."""
    import torch

    from . import logs, training

    if should_stop is None:
        should_stop = (lambda: _STOP.is_set()) if _STOP is not None else (lambda: False)
    if on_step is None:
        on_step = (lambda k, step, total: _STEPS.put((k, step, total))) if _STEPS is not None else None

    def report(event) -> None:
        if on_step is not None and isinstance(event, Progress):
            on_step(seed, event.step, event.total_steps)

    torch.set_num_threads(threads)
    logs.setup(console=False)
    ds = data.generate(held_out, seed=seed, sizes=sizes, system=system)
    # resume: a seed stopped midway (Ctrl+C) left a checkpoint; go on from it.
    result = training.train(ds, replace(config, seed=seed), Path(folder), report=report, should_stop=should_stop,
                            resume=True)
    if result.stopped:
        return None
    probe = {
        "seed": seed,
        "predictions": result.report.predictions(),
        "summary": result.report.summary(),
        "steps": result.steps,
        "perfect": result.perfect,
        **look_inside(result.model, result.tokenizer, system, held_out),
    }
    atomic.write_text(Path(folder) / PROBE_FILE, json.dumps(probe) + "\n")
    return probe


def look_inside(model, tokenizer, system: System, held_out) -> dict:
    """What the scorecard needs from interpret/: the intervention summary and
    the input-output graph of one seed's model."""
    from .interpret.report import overview

    found = overview(model, tokenizer, system, held_out)
    return {"intervention_summary": found["intervention_summary"], "graph": found["graph"]}


def run(name: str, system: System, held_out, seeds: int, jobs: int, config: TrainingConfig, sizes: dict,
        out_dir: Path = model_store.DEFAULT_OUT,
        report: Callable[[int, int, dict | None], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        on_step: StepReporter | None = None) -> dict:
    """Train the seeds not yet done (up to `jobs` at once), then build and save the scorecard.
    `report(done, total, probe_or_None)` is called as seeds finish, `on_step`
    as they train. When `should_stop` turns true, running seeds stop at their
    next step, the rest are not started, and Interrupted is raised."""
    if seeds < 1 or jobs < 1:
        raise UserError("--seeds and --jobs must be at least 1")
    config.validate()
    data.check_sizes(sizes)
    held_out = tuple(sorted(held_out))
    if not held_out:
        raise UserError("a sweep needs held-out states: give --holdout or --omit")
    folder = sweep_dir(out_dir, name)
    described = _describe(system, held_out, config, sizes)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot write to {folder}/: {e.strerror or e}") from None
    existing = folder / SWEEP_FILE
    if existing.exists():
        previous = json.loads(existing.read_text())
        if not same_sweep(previous, described):
            raise UserError(f"sweep {name!r} in {folder}/ was run with another system, holdout or "
                            "configuration: pick another --name")
    else:
        atomic.write_text(existing, json.dumps(described, indent=2) + "\n")

    done = [k for k in range(seeds) if (seed_dir(folder, k) / PROBE_FILE).exists()]
    todo = [k for k in range(seeds) if k not in done]
    report = report or (lambda done, total, probe: None)
    should_stop = should_stop or (lambda: False)
    on_step = on_step or (lambda seed, step, total: None)
    report(len(done), seeds, None)
    threads = max(1, (os.cpu_count() or 1) // jobs)
    args = (system, held_out, config, sizes)
    if jobs == 1 or len(todo) <= 1:
        for k in todo:
            probe = None if should_stop() else \
                train_seed(k, *args, str(seed_dir(folder, k)), threads, should_stop, on_step)
            if probe is None:
                break
            done.append(k)
            report(len(done), seeds, probe)
    else:
        _run_in_processes(todo, args, folder, jobs, threads, should_stop, on_step,
                          lambda k, probe: (done.append(k), report(len(done), seeds, probe)))
    if should_stop():
        raise Interrupted(len(done), seeds, folder)
    return write_scorecard(folder, name, system, held_out, seeds)


def _run_in_processes(todo, args, folder: Path, jobs: int, threads: int, should_stop, on_step, finished) -> None:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from queue import Empty

    # spawn: a fresh interpreter per worker, no forked torch or logging state.
    ctx = multiprocessing.get_context("spawn")
    stop, steps = ctx.Event(), ctx.Queue()

    def drain() -> None:
        while True:
            try:
                on_step(*steps.get_nowait())
            except Empty:
                return

    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker, initargs=(stop, steps))
    waiting, pending = list(todo), {}

    def submit_next() -> None:
        # One seed per free worker, never queued ahead: a stop starts nothing new.
        k = waiting.pop(0)
        pending[pool.submit(train_seed, k, *args, str(seed_dir(folder, k)), threads)] = k

    in_main = threading.current_thread() is threading.main_thread()
    # Workers are started by the first submit and inherit an ignored SIGINT,
    # so a Ctrl+C while they import cannot kill them mid-start.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
    try:
        for _ in range(min(jobs, len(waiting))):
            submit_next()
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
    try:
        while pending:
            ended, _ = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
            if should_stop():
                stop.set()
            drain()
            for future in ended:
                k = pending.pop(future)
                probe = future.result()
                if probe is not None:
                    finished(k, probe)
                if waiting and not stop.is_set():
                    submit_next()
        drain()
    except BaseException:
        # A second Ctrl+C, or a seed that failed: stop the others at their next step.
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


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


def write_scorecard(folder: Path, name: str, system: System, held_out, seeds: int) -> dict:
    card = scorecard.build(system, held_out, load_runs(folder, seeds, system, held_out))
    card["name"] = name
    card["settings"] = json.loads((folder / SWEEP_FILE).read_text())
    atomic.write_text(folder / SCORECARD_FILE, json.dumps(card, indent=2) + "\n")
    return card
