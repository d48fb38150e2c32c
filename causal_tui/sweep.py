"""Train many seeds on one holdout, in parallel processes, and score them.

Each seed k trains on a dataset drawn with seed k (training seed k too) and is
saved under out/sweeps/<name>/seed-<k>/ with its probe in probe.json; a seed
with a probe.json is done and is not trained again (so an interrupted sweep
resumes). The scorecard is written to out/sweeps/<name>/scorecard.json."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, replace
from pathlib import Path
from typing import Callable

from . import atomic, data, model_store, rules, scorecard
from .errors import UserError
from .training import TrainingConfig

PROBE_FILE = "probe.json"
SWEEP_FILE = "sweep.json"
SCORECARD_FILE = "scorecard.json"


def default_name(preset: str) -> str:
    """A folder name from a holdout preset: 'A=1&C=1' -> 'A1_C1'."""
    return re.sub(r"[^A-Za-z0-9]+", "_", preset.replace("=", "")).strip("_") or "sweep"


def sweep_dir(out_dir: Path, name: str) -> Path:
    return Path(out_dir) / "sweeps" / name


def seed_dir(folder: Path, seed: int) -> Path:
    return folder / f"seed-{seed}"


def _describe(held_out, config: TrainingConfig, sizes: dict) -> dict:
    settings = {k: v for k, v in asdict(config).items() if k != "seed"}
    return {"held_out": [rules.format_state(s) for s in held_out], "config": settings, "sizes": sizes}


def train_seed(seed: int, held_out, config: TrainingConfig, sizes: dict, folder: str, threads: int) -> dict:
    """One seed, in a worker process: train, save, write its probe. Returns its summary."""
    import torch

    from . import logs, training

    torch.set_num_threads(threads)
    logs.setup(console=False)
    ds = data.generate(held_out, seed=seed, sizes=sizes)
    result = training.train(ds, replace(config, seed=seed), Path(folder))
    probe = {
        "seed": seed,
        "predictions": {rules.format_state(r.state): {f: fr.predicted for f, fr in r.fields.items()}
                        for r in result.report.states},
        "summary": result.report.summary(),
        "steps": result.steps,
        "perfect": result.perfect,
    }
    atomic.write_text(Path(folder) / PROBE_FILE, json.dumps(probe) + "\n")
    return probe


def run(name: str, held_out, seeds: int, jobs: int, config: TrainingConfig, sizes: dict,
        out_dir: Path = model_store.DEFAULT_OUT,
        report: Callable[[int, int, dict | None], None] | None = None) -> dict:
    """Train the seeds not yet done (up to `jobs` at once), then build and save the scorecard.
    `report(done, total, probe_or_None)` is called as seeds finish."""
    if seeds < 1 or jobs < 1:
        raise UserError("--seeds and --jobs must be at least 1")
    config.validate()
    data.check_sizes(sizes)
    held_out = tuple(sorted(held_out))
    if not held_out:
        raise UserError("a sweep needs held-out states: give --holdout or --omit")
    folder = sweep_dir(out_dir, name)
    described = _describe(held_out, config, sizes)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot write to {folder}/: {e.strerror or e}") from None
    existing = folder / SWEEP_FILE
    if existing.exists():
        previous = json.loads(existing.read_text())
        if previous != described:
            raise UserError(f"sweep {name!r} in {folder}/ was run with another holdout or configuration: "
                            "pick another --name")
    else:
        atomic.write_text(existing, json.dumps(described, indent=2) + "\n")

    done = [k for k in range(seeds) if (seed_dir(folder, k) / PROBE_FILE).exists()]
    todo = [k for k in range(seeds) if k not in done]
    report = report or (lambda done, total, probe: None)
    report(len(done), seeds, None)
    threads = max(1, (os.cpu_count() or 1) // jobs)
    if jobs == 1 or len(todo) <= 1:
        for k in todo:
            probe = train_seed(k, held_out, config, sizes, str(seed_dir(folder, k)), threads)
            done.append(k)
            report(len(done), seeds, probe)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        # spawn: a fresh interpreter per worker, no forked torch or logging state.
        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(train_seed, k, held_out, config, sizes, str(seed_dir(folder, k)), threads): k
                       for k in todo}
            try:
                for future in as_completed(futures):
                    probe = future.result()
                    done.append(futures[future])
                    report(len(done), seeds, probe)
            except KeyboardInterrupt:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    return write_scorecard(folder, name, held_out, seeds)


def load_runs(folder: Path, seeds: int) -> list[dict]:
    return [json.loads((seed_dir(folder, k) / PROBE_FILE).read_text()) for k in range(seeds)]


def write_scorecard(folder: Path, name: str, held_out, seeds: int) -> dict:
    card = scorecard.build(held_out, load_runs(folder, seeds))
    card["name"] = name
    card["settings"] = json.loads((folder / SWEEP_FILE).read_text())
    atomic.write_text(folder / SCORECARD_FILE, json.dumps(card, indent=2) + "\n")
    return card
