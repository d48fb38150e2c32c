"""Train a learner on a dataset with the Hugging Face Trainer, save it, probe
it, record the run. (Locking and preparing dataset/ for a single training is
pipeline.py's; a sweep's seed trains here on a dataset drawn in memory.)

torch and transformers are imported inside the functions: a front end that
imports this module paints before they load."""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from collections import Counter

from causal_tui.data.dataset import Dataset
from causal_tui.data.dataset import summary as dataset_summary
from causal_tui.errors import UserError
from causal_tui.evaluation import probe
from causal_tui.learners import registry, runtime
from causal_tui.store import logs, model_folder, provenance, records, runs
from causal_tui.systems.catalog import manifest_entry
from causal_tui.systems.system import System
from causal_tui.training.config import TrainingConfig
from causal_tui.training.encode import TensorExamples, collate, encode_split
from causal_tui.training.progress import Notice, OnEvent, Status


@dataclass(kw_only=True)
class TrainResult:
    """How a training ended, built by keyword."""

    stopped: bool
    """Stopped early on request: nothing was saved as final."""
    steps: int
    seconds: float
    train_loss: float | None
    eval_loss: float | None
    final_dir: Path | None
    report: object | None
    """The probe of the saved model (probe.ProbeReport)."""
    epochs: float | None = None
    """The epochs actually trained (a stop before the last step trains fewer than asked)."""
    perfect: tuple[int, float] | None = None
    """With until_perfect: (step, seconds) when every trained state became exact."""
    model: object | None = None
    """The trained model and its tokenizer, in memory (not set when stopped)."""
    tokenizer: object | None = None
    losses: dict | None = None
    """{"train": [[step, loss], ...], "eval": [[step, loss], ...]}."""
    run_id: str | None = None
    """Its id in the run history (out/runs/), where it was recorded."""
    manifest: dict | None = None
    """The manifest saved beside the model."""


def build_model(config: TrainingConfig, tokenizer, system: System):
    return registry.build(config.arch, config, tokenizer, system)


@dataclass
class PreparedTraining:
    """A Trainer ready to go, with what it was built from."""

    trainer: object
    model: object
    tokenizer: object
    run_dir: Path
    reporting: object
    """The ReportingCallback (stopped, last losses)."""
    perfection: object | None
    """The PerfectionCallback with --until-perfect, else None."""
    choice: object = None
    """The precision used and why (calibration.Choice)."""
    probes: object = None
    """The ProbeEvery callback with --probe-every, else None."""


def prepare(
    dataset: Dataset,
    config: TrainingConfig,
    out_dir: Path,
    on_event: OnEvent | None = None,
    should_stop: Callable[[], bool] | None = None,
    extra_callbacks: tuple = (),
    logging_dir: Path | None = None,
) -> PreparedTraining:
    """Build the model, the tensors and the Trainer: the one training path that
    the front ends and the benchmarks share."""
    import torch
    from transformers import Trainer, TrainingArguments
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    from causal_tui.data import tokenizer as tok_mod
    from causal_tui.training import calibration
    from causal_tui.training.callbacks import (CheckpointMarker, PerfectionCallback, ProbeEvery, ReportingCallback,
                                               WeightedEvaluation)

    logs.route_transformers()
    on_event = on_event or (lambda event: None)
    device = _device(config.device)
    torch.manual_seed(config.seed)
    system = dataset.system
    tokenizer = tok_mod.build(system)
    model = build_model(config, tokenizer, system)
    choice = calibration.choose(config.precision, device)
    on_event(Status(choice.text()))
    runtime.mark(model, choice.used)
    train_set = TensorExamples(*encode_split(tokenizer, dataset.splits["train"], system))
    run_dir = model_folder.prepare_run_dir(out_dir)

    args = TrainingArguments(
        output_dir=str(run_dir),
        num_train_epochs=config.epochs,
        max_steps=config.max_steps or -1,
        learning_rate=config.lr,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=256,
        seed=config.seed,
        eval_strategy="no",  # WeightedEvaluation gives the same loss at each epoch's end, far cheaper
        save_strategy="epoch",
        save_total_limit=2,
        logging_strategy="steps",
        logging_steps=config.logging_steps,
        report_to="none",  # TensorBoard is added below with the folder it writes to
        disable_tqdm=True,
        use_cpu=device == "cpu",
        bf16=choice.used == "bf16",
        dataloader_num_workers=0,
        remove_unused_columns=False,
    )
    reporting = ReportingCallback(on_event, should_stop)
    perfection = None
    valid = Counter(dataset.splits["valid"])
    valid_states = sorted(valid)
    evaluation = WeightedEvaluation(model, *encode_split(tokenizer, valid_states, system),
                                    torch.tensor([valid[s] for s in valid_states]), reporting)
    callbacks = [reporting, evaluation, CheckpointMarker(), *extra_callbacks]
    if config.report_to == "tensorboard":
        # The Trainer's own TensorBoard integration, writing into the run's folder.
        from torch.utils.tensorboard import SummaryWriter
        from transformers.integrations import TensorBoardCallback

        callbacks.append(TensorBoardCallback(SummaryWriter(log_dir=str(logging_dir or Path(out_dir) / "tensorboard"))))
    probes = None
    if config.probe_every:
        probes = ProbeEvery(model, tokenizer, dataset.omitted, config.probe_every, on_event)
        callbacks.append(probes)
    if config.until_perfect:
        trained = dataset.trained_states
        perfection = PerfectionCallback(model, *encode_split(tokenizer, trained, system), config.check_every,
                                        on_event, states=trained)
        callbacks.append(perfection)
    trainer = Trainer(
        model=model,
        args=args,
        data_collator=collate,
        train_dataset=train_set,
        callbacks=callbacks,
    )
    # They print to the terminal; progress goes through our callback only.
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    return PreparedTraining(trainer, model, tokenizer, run_dir, reporting, perfection, choice, probes)


def _device(asked: str) -> str:
    """'cpu' or 'cuda' for --device auto|cpu|cuda (auto: CUDA where torch sees a GPU)."""
    import torch

    if asked == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda: torch sees no CUDA device here (use --device cpu or auto)")
    return "cuda" if asked == "cuda" or (asked == "auto" and torch.cuda.is_available()) else "cpu"


def train(
    dataset: Dataset,
    config: TrainingConfig,
    out_dir: Path,
    on_event: OnEvent | None = None,
    should_stop: Callable[[], bool] | None = None,
    resume: bool = False,
    record_as: str | None = None,
    runs_out: Path | None = None,
) -> TrainResult:
    """Train on `dataset`, save `final/` atomically with its manifest, probe it.

    `on_event` receives progress events; `should_stop` is polled every step.
    Stopped runs leave the previous final/ untouched. With `record_as` (where
    the run comes from: 'train-only', 'dashboard', ...) the training is a run
    in the history under `runs_out` (default `out_dir`)/runs/."""
    config.validate()
    runs_out = Path(runs_out or out_dir)
    run_id = runs.start(runs_out, record_as, asdict(config), manifest_entry(dataset.system),
                        dataset.omitted.labels(), dataset.omitted.source) if record_as else None
    try:
        result = _train(dataset, config, out_dir, on_event, should_stop, resume, run_id, runs_out)
    except BaseException as e:
        if run_id:
            runs.finish(runs_out, run_id, "stopped" if isinstance(e, KeyboardInterrupt) else "failed")
        raise
    if run_id:
        runs.finish(runs_out, run_id, "stopped" if result.stopped else "finished",
                    model_dir=result.final_dir, manifest=result.manifest,
                    predictions=result.report.predictions() if result.report else None,
                    losses=result.losses, steps=result.steps, seconds=result.seconds, epochs=result.epochs)
    return result


def _train(dataset, config, out_dir, on_event, should_stop, resume, run_id, runs_out) -> TrainResult:
    """Build the run, train it, and (unless stopped) probe and save the model."""
    from loguru import logger

    started_at = provenance.now()
    on_event = on_event or (lambda event: None)
    on_event(Status("loading torch and transformers"))
    logger.info(f"training config: {asdict(config)}")
    logger.info(f"dataset: {dataset_summary(dataset)}")
    manifest_of_data = dataset.manifest or dataset.build_manifest()
    # The manifest's lists grow with the cube (8,192 held-out states on 15 inputs): the log keeps their sizes.
    logger.debug("dataset manifest: " + json.dumps(
        {k: (v if not isinstance(v, (list, dict)) or len(v) <= 32 else f"<{len(v):,} entries>")
         for k, v in manifest_of_data.items()}, separators=(',', ':')))
    logging_dir = runs.runs_dir(runs_out) / run_id / runs.TENSORBOARD if run_id else None
    run = prepare(dataset, config, out_dir, on_event, should_stop, logging_dir=logging_dir)

    on_event(Status("training"))
    seconds = _fit(run, resume)
    callback = run.reporting
    steps = run.trainer.state.global_step
    epochs = round(float(run.trainer.state.epoch or 0), 4)
    losses = {"train": callback.losses, "eval": callback.evals}
    if run.probes is not None:
        losses["probes"] = run.probes.records
    if callback.stopped:
        logger.info(f"training stopped at step {steps}; the previous model is kept")
        return TrainResult(stopped=True, steps=steps, seconds=seconds, train_loss=callback.last_loss,
                           eval_loss=callback.last_eval_loss, final_dir=None, report=None, losses=losses,
                           run_id=run_id, epochs=epochs)
    perfect = _perfection(run)

    on_event(Status("probing"))
    run.model.eval()
    from causal_tui.training.callbacks import known

    result = probe.run(run.model, run.tokenizer, dataset.system, dataset.omitted,
                       known=known(run.perfection, dataset.system))
    metrics = {
        "steps": steps,
        "seconds": round(seconds, 2),
        "train_loss": callback.last_loss,
        "eval_loss": callback.last_eval_loss,
        "perfect_at_step": perfect[0] if perfect else None,
        "perfect_after_s": round(perfect[1], 2) if perfect else None,
        "epochs": epochs,
        "stopped_because": stop_reason(config, steps, perfect),
    }
    used = runtime.of(run.model)
    record = {**provenance.collect(used, started_at, provenance.now()), "precision_choice": run.choice.record()}
    manifest = build_manifest(dataset, config, used, metrics, result.summary(), run_id, provenance=record)
    on_event(Status("saving"))
    final = model_folder.save(model_folder.final_dir(out_dir), run.model, run.tokenizer, manifest, result.record())
    logger.info(f"saved {final}/ after {steps} steps in {seconds:.1f}s; {result.summary_line()}")
    logger.info(f"result: {json.dumps(manifest['metrics'])} probe {json.dumps(manifest['probe'])}")
    return TrainResult(stopped=False, steps=steps, seconds=seconds, train_loss=callback.last_loss,
                       eval_loss=callback.last_eval_loss, final_dir=final, report=result, perfect=perfect,
                       model=run.model, tokenizer=run.tokenizer, losses=losses, run_id=run_id, manifest=manifest,
                       epochs=epochs)


def stop_reason(config: TrainingConfig, steps: int, perfect) -> str:
    """Why a training that ran to its end stopped where it did."""
    if perfect and config.until_perfect:
        return "every trained state exact (until_perfect)"
    if config.max_steps and steps >= config.max_steps:
        return f"max_steps {config.max_steps}"
    return f"epochs {config.epochs:g}"


def _fit(run: PreparedTraining, resume: bool) -> float:
    """Run the Trainer (from the last checkpoint with `resume`); its seconds."""
    import gc

    from loguru import logger

    start = time.perf_counter()
    checkpoint = last_complete_checkpoint(run.run_dir, run.reporting.on_event) if resume else None
    if resume and checkpoint is None:
        logger.info("no checkpoint to resume from; starting afresh")
    if not resume:
        # Checkpoints belong to one run: an older run's would be what --resume picks up.
        for old in run.run_dir.glob("checkpoint-*"):
            shutil.rmtree(old, ignore_errors=True)
    # What is alive now (torch, transformers, the model) outlives the training: the
    # Trainer's full collection when it ends (0.3 s here) need not walk through all of it.
    gc.freeze()
    try:
        run.trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    finally:
        gc.unfreeze()
    return time.perf_counter() - start


def _perfection(run: PreparedTraining) -> tuple[int, float] | None:
    """With --until-perfect, when every trained state became exact (logged either way)."""
    from loguru import logger

    if run.perfection is None:
        return None
    perfect = run.perfection.reached
    if perfect:
        logger.info(f"every trained state exact at step {perfect[0]} after {perfect[1]:.1f}s")
    else:
        logger.info("--until-perfect: not every trained state was exact by the end of training")
    return perfect


def build_manifest(dataset: Dataset, config: TrainingConfig, precision_used: str, metrics: dict,
                   probe_summary: dict, run_id: str | None = None, trained_at: str | None = None,
                   provenance: dict | None = None) -> dict:
    """The manifest saved beside a model (causal-tui.json): what it was trained
    on and how, how it did, and where it came from. The one place that builds it."""
    return {
        "format": records.FORMATS["manifest"],
        "trained_at": trained_at or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "run_id": run_id,
        "system": manifest_entry(dataset.system),
        "dataset": {
            "folder": str(dataset.folder) if dataset.folder else None,
            "seed": dataset.seed,
            "sizes": dataset.sizes,
            "omitted": dataset.omitted.labels(),
            "holdout": dataset.omitted.source,
        },
        "config": asdict(config),
        "precision": precision_used,
        "metrics": metrics,
        "probe": probe_summary,
        "provenance": provenance,
    }


def last_complete_checkpoint(run_dir: Path, on_event: OnEvent | None = None) -> Path | None:
    """The newest checkpoint the Trainer saved whole (callbacks.COMPLETE); any
    newer one without the mark (cut short by a kill or a full disk) is moved
    aside, as a hidden folder beside it, with a line saying so."""
    from causal_tui.training.callbacks import COMPLETE

    if not run_dir.is_dir():
        return None
    found = sorted((p for p in run_dir.glob("checkpoint-*") if p.name.split("-", 1)[1].isdigit()),
                   key=lambda p: int(p.name.split("-", 1)[1]), reverse=True)
    for folder in found:
        if (folder / COMPLETE).is_file():
            return folder
        aside = run_dir / f".incomplete-{folder.name}-{int(time.time())}"
        os.rename(folder, aside)
        if on_event is not None:
            on_event(Notice(f"{folder} was not saved whole (cut short): moved aside to {aside.name}"))
    return None
