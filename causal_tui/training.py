"""Train the seed's tiny GPT-2 with the Hugging Face Trainer, save, probe.

torch and transformers are imported inside the functions: a front end that
imports this module paints before they load."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from . import data, model_store
from .errors import UserError
from .rules import System
from .progress import Reporter, Status


@dataclass
class TrainingConfig:
    """Hyperparameters. Defaults are the original experiment's."""

    epochs: float = 3.0
    """Passes over train.jsonl (the original trained 3)."""
    learning_rate: float = 5e-4
    """AdamW peak learning rate, decayed linearly (the original's 5e-4)."""
    batch_size: int = 16
    """Examples per step (the original's 16)."""
    seed: int = data.DEFAULT_SEED
    """Seeds weight init and batch order: same seed, same run on CPU."""
    arch: str = "gpt2"
    """The learner: gpt2 (the original's), lstm or mlp (see models/)."""
    n_embd: int = 128
    """Width: GPT-2's embedding (the original's 128), the LSTM's hidden size, the MLP's layers."""
    n_layer: int = 4
    """Depth (the original's 4): transformer blocks, LSTM layers, MLP hidden layers."""
    n_head: int = 4
    """GPT-2's attention heads; must divide n_embd (the original's 4)."""
    max_steps: int = -1
    """Stop after this many steps regardless of epochs (-1: off). For tests."""
    logging_steps: int = 10
    """Report the training loss every this many steps."""
    until_perfect: bool = False
    """Stop as soon as every trained state is exact under greedy decoding."""
    check_every: int = 5
    """With until_perfect, check every this many steps (one forward pass, ~ms)."""
    precision: str = "auto"
    """auto (bf16 where the CPU or GPU has it, else fp32), fp32 or bf16 (autocast)."""
    report_to: str = "none"
    """none, or tensorboard: the Trainer writes event files into the run's folder."""

    def validate(self) -> None:
        """UserError for values the Trainer would choke on later."""
        if not self.epochs > 0:
            raise UserError(f"epochs must be positive, got {self.epochs}")
        if not self.learning_rate > 0:
            raise UserError(f"learning rate must be positive, got {self.learning_rate}")
        if not 0 < self.learning_rate < 1:
            raise UserError(f"learning rate {self.learning_rate} is out of range (0, 1)")
        from .models import ARCHS
        from .precision import CHOICES

        if self.report_to not in ("none", "tensorboard"):
            raise UserError(f"report_to must be none or tensorboard, got {self.report_to!r}")
        if self.report_to == "tensorboard":
            import importlib.util

            if importlib.util.find_spec("tensorboard") is None:
                raise UserError("--report-to tensorboard needs TensorBoard: install it with "
                                "`uv sync --extra tensorboard`")
        if self.precision not in CHOICES:
            raise UserError(f"precision must be one of {', '.join(CHOICES)}, got {self.precision!r}")
        if self.arch not in ARCHS:
            raise UserError(f"unknown architecture {self.arch!r}: choose {', '.join(ARCHS)}")
        for name in ("batch_size", "n_embd", "n_layer", "n_head", "logging_steps", "check_every"):
            if getattr(self, name) < 1:
                raise UserError(f"{name.replace('_', ' ')} must be at least 1, got {getattr(self, name)}")
        if self.arch == "gpt2" and self.n_embd % self.n_head:
            raise UserError(f"n_head ({self.n_head}) must divide n_embd ({self.n_embd})")

    @classmethod
    def for_arch(cls, arch: str, **settings) -> "TrainingConfig":
        """A config for `arch` with its default size (see ARCH_SIZES) unless given."""
        return cls(**{"arch": arch, **ARCH_SIZES.get(arch, {}), **settings})


ARCH_SIZES: dict[str, dict[str, int]] = {
    # Each about GPT-2 128/4/4's 793,344 parameters outside embeddings and output heads.
    "gpt2": {"n_embd": 128, "n_layer": 4, "n_head": 4},
    "lstm": {"n_embd": 156, "n_layer": 4},  # 783,744
    "mlp": {"n_embd": 512, "n_layer": 4},  # 791,040
}


@dataclass
class TrainResult:
    stopped: bool
    """Stopped early on request: nothing was saved as final."""
    steps: int
    seconds: float
    train_loss: float | None
    eval_loss: float | None
    final_dir: Path | None
    report: object | None
    """The probe of the saved model (probe.ProbeReport)."""
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


def encode_states(tokenizer, system: System):
    """Every state's sequence (prompt, completion, eos) and its labels, as two
    [2**n, L] tensors in the order of system.all_states.

    Prompt positions are labelled -100 so the loss counts completion tokens
    (and the closing eos) only. Where completions differ in length (a sum
    of 10 or more takes two digits) shorter ones are padded at the end, with
    -100 labels: a causal model never looks ahead, so padding after the eos
    changes nothing before it. The seed's completions are all 12 characters:
    no padding at all."""
    import torch

    length = system.sequence_length
    rows, labels = [], []
    for s in system.all_states:
        ids = tokenizer.convert_tokens_to_ids(list(system.prompt(s) + system.completion(s))) + [tokenizer.eos_token_id]
        pad = length - len(ids)
        rows.append(ids + [tokenizer.pad_token_id] * pad)
        labels.append([-100] * system.prompt_length + ids[system.prompt_length:] + [-100] * pad)
    return torch.tensor(rows, dtype=torch.long), torch.tensor(labels, dtype=torch.long)


def encode_split(tokenizer, states, system: System):
    """Token ids and labels for a list of states, as two [N, L] tensors.

    Each state is encoded once and rows are gathered by index: no per-example
    Python work."""
    import torch

    table, table_labels = encode_states(tokenizer, system)
    index = {s: i for i, s in enumerate(system.all_states)}
    rows = torch.tensor([index[s] for s in states], dtype=torch.long)
    return table[rows], table_labels[rows]


class _TensorExamples:
    """A map-style dataset over pre-built tensors.

    `__getitems__` lets the DataLoader fetch a whole batch with one index
    operation instead of 16 dict lookups and a collate."""

    def __init__(self, input_ids, labels):
        self.input_ids, self.labels = input_ids, labels

    def __len__(self):
        return len(self.input_ids)

    def __getitem__(self, i):
        return {"input_ids": self.input_ids[i], "labels": self.labels[i]}

    def __getitems__(self, indices):
        import torch

        idx = torch.as_tensor(indices)
        return {"input_ids": self.input_ids[idx], "labels": self.labels[idx]}


def _collate(batch):
    if isinstance(batch, dict):
        return batch
    from transformers import default_data_collator

    return default_data_collator(batch)


def build_model(config: TrainingConfig, tokenizer, system: System):
    from . import models

    return models.build(config.arch, config, tokenizer, system)


@dataclass
class Run:
    """A Trainer ready to go, with what it was built from."""

    trainer: object
    model: object
    tokenizer: object
    run_dir: Path
    reporting: object
    """The ReportingCallback (stopped, last losses)."""
    perfection: object | None
    """The PerfectionCallback with --until-perfect, else None."""


def make_run(
    dataset: data.Dataset,
    config: TrainingConfig,
    out_dir: Path = model_store.DEFAULT_OUT,
    report: Reporter | None = None,
    should_stop: Callable[[], bool] | None = None,
    extra_callbacks: tuple = (),
    logging_dir: Path | None = None,
) -> Run:
    """Build the model, the tensors and the Trainer: the one training path that
    the front ends and the benchmarks share."""
    import torch
    from transformers import Trainer, TrainingArguments
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    from . import logs, precision, tokenizer as tok_mod
    from .callback import PerfectionCallback, ReportingCallback

    logs.route_transformers()
    torch.manual_seed(config.seed)
    system = dataset.system
    tokenizer = tok_mod.build(system)
    model = build_model(config, tokenizer, system)
    used = precision.resolve(config.precision)
    precision.mark(model, used)
    train_set = _TensorExamples(*encode_split(tokenizer, dataset.splits["train"], system))
    valid_set = _TensorExamples(*encode_split(tokenizer, dataset.splits["valid"], system))
    run_dir = model_store.prepare_run_dir(out_dir)

    args = TrainingArguments(
        output_dir=str(run_dir),
        num_train_epochs=config.epochs,
        max_steps=config.max_steps,
        learning_rate=config.learning_rate,
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=256,
        seed=config.seed,
        eval_strategy="epoch",
        save_strategy="epoch",
        save_total_limit=2,
        logging_strategy="steps",
        logging_steps=config.logging_steps,
        report_to="none",  # TensorBoard is added below with the folder it writes to
        disable_tqdm=True,
        use_cpu=not torch.cuda.is_available(),
        bf16=used == "bf16",
        dataloader_num_workers=0,
        remove_unused_columns=False,
    )
    reporting = ReportingCallback(report, should_stop)
    perfection = None
    callbacks = [reporting, *extra_callbacks]
    if config.report_to == "tensorboard":
        # The Trainer's own TensorBoard integration, writing into the run's folder.
        from torch.utils.tensorboard import SummaryWriter
        from transformers.integrations import TensorBoardCallback

        callbacks.append(TensorBoardCallback(SummaryWriter(log_dir=str(logging_dir or Path(out_dir) / "tensorboard"))))
    if config.until_perfect:
        trained = dataset.trained_states
        perfection = PerfectionCallback(model, *encode_split(tokenizer, trained, system), config.check_every, report)
        callbacks.append(perfection)
    trainer = Trainer(
        model=model,
        args=args,
        data_collator=_collate,
        train_dataset=train_set,
        eval_dataset=valid_set,
        callbacks=callbacks,
    )
    # They print to the terminal; progress goes through our callback only.
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    return Run(trainer, model, tokenizer, run_dir, reporting, perfection)


def train(
    dataset: data.Dataset,
    config: TrainingConfig,
    out_dir: Path = model_store.DEFAULT_OUT,
    report: Reporter | None = None,
    should_stop: Callable[[], bool] | None = None,
    resume: bool = False,
    record_as: str | None = None,
    runs_out: Path | None = None,
) -> TrainResult:
    """Train on `dataset`, save `final/` atomically with its manifest, probe it.

    `report` receives progress events; `should_stop` is polled every step.
    Stopped runs leave the previous final/ untouched. With `record_as` (where
    the run comes from: 'train-only', 'dashboard', ...) the training is a run
    in the history under `runs_out` (default `out_dir`)/runs/."""
    config.validate()
    from . import runs as runs_mod
    from .system_file import manifest_entry

    runs_out = Path(runs_out or out_dir)
    run_id = runs_mod.start(runs_out, record_as, asdict(config), manifest_entry(dataset.system),
                            [dataset.system.format_state(s) for s in dataset.omitted]) if record_as else None
    try:
        result = _train(dataset, config, out_dir, report, should_stop, resume, run_id, runs_out)
    except BaseException as e:
        if run_id:
            runs_mod.finish(runs_out, run_id, "stopped" if isinstance(e, KeyboardInterrupt) else "failed")
        raise
    if run_id:
        runs_mod.finish(runs_out, run_id, "stopped" if result.stopped else "finished",
                        model_dir=result.final_dir, manifest=result.manifest,
                        predictions=result.report.predictions() if result.report else None,
                        losses=result.losses, steps=result.steps, seconds=result.seconds)
    return result


def _train(dataset, config, out_dir, report, should_stop, resume, run_id, runs_out) -> TrainResult:
    from . import runs as runs_mod

    report = report or (lambda event: None)
    report(Status("loading torch and transformers"))
    from loguru import logger

    from . import probe

    logger.info(f"training config: {asdict(config)}")
    logger.info(f"dataset: {data.summary(dataset)}")
    manifest_of_data = dataset.manifest or dataset.build_manifest()
    logger.debug(f"dataset manifest: {json.dumps(manifest_of_data, separators=(',', ':'))}")
    logging_dir = runs_mod.runs_dir(runs_out) / run_id / runs_mod.TENSORBOARD if run_id else None
    run = make_run(dataset, config, out_dir, report, should_stop, logging_dir=logging_dir)
    trainer, model, tokenizer, callback = run.trainer, run.model, run.tokenizer, run.reporting

    report(Status("training"))
    start = time.perf_counter()
    checkpoint = _last_checkpoint(run.run_dir) if resume else None
    if resume and checkpoint is None:
        logger.info("no checkpoint to resume from; starting afresh")
    if not resume:
        # Checkpoints belong to one run: an older run's would be what --resume picks up.
        for old in run.run_dir.glob("checkpoint-*"):
            shutil.rmtree(old, ignore_errors=True)
    trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    seconds = time.perf_counter() - start
    steps = trainer.state.global_step
    losses = {"train": callback.losses, "eval": callback.evals}
    if callback.stopped:
        logger.info(f"training stopped at step {steps}; the previous model is kept")
        return TrainResult(True, steps, seconds, callback.last_loss, callback.last_eval_loss, None, None,
                           losses=losses, run_id=run_id)
    perfect = run.perfection.reached if run.perfection else None
    if run.perfection is not None:
        if perfect:
            logger.info(f"every trained state exact at step {perfect[0]} after {perfect[1]:.1f}s")
        else:
            logger.info("--until-perfect: not every trained state was exact by the end of training")

    report(Status("probing"))
    model.eval()
    from .precision import of as precision_of

    precision_used = precision_of(model)
    held_out = dataset.omitted
    result = probe.run(model, tokenizer, dataset.system, held_out)
    from .system_file import manifest_entry

    manifest = {
        "format": 1,
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "run_id": run_id,
        "system": manifest_entry(dataset.system),
        "dataset": {
            "folder": str(dataset.folder) if dataset.folder else None,
            "seed": dataset.seed,
            "sizes": dataset.sizes,
            "omitted": [dataset.system.format_state(s) for s in held_out],
        },
        "config": asdict(config),
        "precision": precision_used,
        "metrics": {
            "steps": steps,
            "seconds": round(seconds, 2),
            "train_loss": callback.last_loss,
            "eval_loss": callback.last_eval_loss,
            "perfect_at_step": perfect[0] if perfect else None,
            "perfect_after_s": round(perfect[1], 2) if perfect else None,
        },
        "probe": result.summary(),
    }
    report(Status("saving"))
    final = model_store.save(model_store.final_dir(out_dir), model, tokenizer, manifest)
    logger.info(f"saved {final}/ after {steps} steps in {seconds:.1f}s; {result.summary_line()}")
    logger.info(f"result: {json.dumps(manifest['metrics'])} probe {json.dumps(manifest['probe'])}")
    return TrainResult(False, steps, seconds, callback.last_loss, callback.last_eval_loss, final, result,
                       perfect, model, tokenizer, losses, run_id, manifest)


def _last_checkpoint(run_dir: Path) -> Path | None:
    from transformers.trainer_utils import get_last_checkpoint

    found = get_last_checkpoint(str(run_dir)) if run_dir.is_dir() else None
    return Path(found) if found else None
