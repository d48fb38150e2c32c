"""The Trainer callback that reports progress and stops training when asked.

Front ends (a rich progress bar, the dashboard) pass an `on_event` function and
a `should_stop` function; neither side knows about the other."""

from __future__ import annotations

from pathlib import Path

import time
from typing import Callable

from transformers import TrainerCallback

from causal_tui.training.progress import Evaluated, Progress, OnEvent, Status


class ReportingCallback(TrainerCallback):
    """Forwards the Trainer's logs to `on_event` and stops training when asked.

    `should_stop` is polled at every step end: cancelling a thread worker or
    pressing Ctrl+C only sets a flag, and only the Trainer can act on it."""

    def __init__(self, on_event: OnEvent | None, should_stop: Callable[[], bool] | None):
        self.on_event = on_event or (lambda event: None)
        self.should_stop = should_stop or (lambda: False)
        self.stopped = False
        self._start = time.perf_counter()
        self.last_loss: float | None = None
        self.last_eval_loss: float | None = None
        self.losses: list[list[float]] = []
        self.evals: list[list[float]] = []

    def on_train_begin(self, args, state, control, **kwargs):
        self._start = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        if self.should_stop():
            self.stopped = True
            control.should_training_stop = True
            # A checkpoint of where we stopped, so --resume can go on from it.
            control.should_save = True
        return control

    def on_epoch_end(self, args, state, control, **kwargs):
        # A checkpoint is for going on later. A run that is over (its last
        # epoch, or stopped because every trained state is exact) needs none:
        # the model is saved as final/ right after. Stopped on request, it keeps one.
        finished = state.global_step >= state.max_steps or (control.should_training_stop and not self.stopped)
        if finished:
            control.should_save = False
        return control

    def evaluated(self, state, loss: float) -> None:
        """The validation loss at an epoch's end (WeightedEvaluation measures it)."""
        self.last_eval_loss = loss
        self.evals.append([state.global_step, loss])
        self.on_event(Evaluated(state.global_step, float(state.epoch or 0), loss))

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "eval_loss" in logs:
            self.evaluated(state, float(logs["eval_loss"]))
        elif "loss" in logs:
            self.last_loss = float(logs["loss"])
            self.losses.append([state.global_step, self.last_loss])
            self.on_event(Progress(
                step=state.global_step,
                total_steps=state.max_steps,
                loss=self.last_loss,
                learning_rate=logs.get("learning_rate"),
                epoch=float(state.epoch or 0),
                elapsed_s=time.perf_counter() - self._start,
            ))


class WeightedEvaluation(TrainerCallback):
    """The validation loss at each epoch's end, from each distinct validation
    state once, weighted by how often it occurs: what the Trainer's evaluation
    of every line gives (one state's lines are identical), in one forward pass
    over at most 2^n sequences instead of thousands.

    The Trainer averages each batch's token losses and weighs batches by their
    size: over lines of one completion length (every bundled system) that is
    the mean of the lines' own token-mean losses, which is what this computes."""

    def __init__(self, model, sequences, labels, weights, reporting: ReportingCallback):
        self.model, self.sequences, self.labels, self.reporting = model, sequences, labels, reporting
        self.weights = weights

    def loss(self) -> float:
        import torch

        from causal_tui.learners import runtime

        was_training = self.model.training
        self.model.eval()
        try:
            with torch.inference_mode(), runtime.autocast(self.model):
                logits = self.model(input_ids=self.sequences.to(self.model.device)).logits
        finally:
            self.model.train(was_training)
        target = self.labels[:, 1:].to(logits.device)
        per_token = torch.nn.functional.cross_entropy(logits[:, :-1].float().transpose(1, 2), target,
                                                      ignore_index=-100, reduction="none")
        counted = (target != -100).sum(1)
        per_line = per_token.sum(1) / counted
        weights = self.weights.to(per_line.device, per_line.dtype)
        return float((per_line * weights).sum() / weights.sum())

    def on_epoch_end(self, args, state, control, **kwargs):
        self.reporting.evaluated(state, self.loss())
        return control


class PerfectionCallback(TrainerCallback):
    """Ends training as soon as every trained state is exact (--until-perfect).
    The probe that follows reuses that check's pass for the trained states
    (`known`): training stops right after it, so the weights are the same.

    Checked every `every` steps with one teacher-forced forward pass over the
    trained states' full sequences (see evaluation/decoding.py)."""

    SUSPECTS = 4
    """States that failed the last full check, re-checked first: while any of
    them still fails (most of training), a check costs a forward pass over 4
    sequences instead of all of them."""

    def __init__(self, model, sequences, labels, every: int, on_event: OnEvent | None = None, states=()):
        self.model, self.sequences, self.labels, self.every = model, sequences, labels, every
        self.on_event = on_event or (lambda event: None)
        self.states = list(states)
        """The states the sequences are of, in order (for `known`)."""
        self.reached: tuple[int, float] | None = None
        self.top_p = None
        """The top probabilities of the check that found every state exact."""
        self.suspects = list(range(min(self.SUSPECTS, len(sequences))))
        self._start = time.perf_counter()

    def on_train_begin(self, args, state, control, **kwargs):
        self._start = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step % self.every:
            return control
        from causal_tui.evaluation.decoding import teacher_forced, teacher_forced_rows

        was_training = self.model.training
        self.model.eval()  # no dropout: judge what greedy decoding would do
        try:
            suspects = self.suspects
            if not teacher_forced_rows(self.model, self.sequences[suspects], self.labels[suspects]).all():
                return control
            rows, top_p = teacher_forced(self.model, self.sequences, self.labels)
        finally:
            self.model.train(was_training)
        failing = (~rows).nonzero().flatten().tolist()
        self.suspects = failing[: self.SUSPECTS] or self.suspects
        if not failing:
            self.top_p = top_p
            self.reached = (state.global_step, time.perf_counter() - self._start)
            self.on_event(Status(f"every trained state exact at step {state.global_step}"))
            control.should_training_stop = True
        return control


def known(perfection: PerfectionCallback | None, system):
    """The trained states' greedy rows from the check that stopped training
    (states, tokens, probabilities), for the probe; None where there is none."""
    if perfection is None or perfection.reached is None or perfection.top_p is None:
        return None
    from causal_tui.evaluation.decoding import known_rows

    tokens, probs = known_rows(system, perfection.sequences, perfection.top_p)
    return perfection.states, tokens, probs


COMPLETE = "causal-tui-complete"
"""Written into a checkpoint folder once the Trainer has saved all of it: only
a checkpoint with it is resumed from (a kill or a full disk mid-save leaves one without)."""


class CheckpointMarker(TrainerCallback):
    """Marks each checkpoint complete once the Trainer has saved it."""

    def on_save(self, args, state, control, **kwargs):
        from causal_tui.store import atomic

        folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if folder.is_dir():
            atomic.write_text(folder / COMPLETE, f"{state.global_step}\n")
        return control


class ProbeEvery(TrainerCallback):
    """With --probe-every N: the probe of every state (and the learned
    function's degree profile) every N steps, and at the last step, recorded
    in order: when each held-out answer settles, how the spectrum moves, and
    (systems small enough to replay, science/course.py) every state's
    completion. Each record is also sent as a Probed event."""

    def __init__(self, model, tokenizer, held_out, every: int, on_event=None):
        self.model, self.tokenizer, self.held_out, self.every = model, tokenizer, held_out, every
        self.on_event = on_event or (lambda event: None)
        self.records: list[dict] = []

    def _record(self, step: int) -> None:
        from causal_tui.evaluation import probe
        from causal_tui.science import course, spectrum
        from causal_tui.training.progress import Probed

        system = self.held_out.system
        was_training = self.model.training
        self.model.eval()
        try:
            report = probe.run(self.model, self.tokenizer, system, self.held_out)
        finally:
            self.model.train(was_training)
        predictions = report.predictions()
        probabilities = {s: e["probabilities"] for s, e in report.record()["states"].items()}
        found = spectrum.of_model(system, self.held_out, predictions, probabilities, fits={})
        record = {
            "step": step,
            "trained_exact": list(report.exact(held_out=False)),
            "held_out": {system.format_state(s): predictions[system.format_state(s)] for s in self.held_out},
            "profiles": {f: e["profile"] for f, e in found.items()},
        }
        if course.replayable(system):
            record["completions"] = [r.completion for r in report.states]
        self.records.append(record)
        self.on_event(Probed(record))

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step % self.every == 0:
            self._record(state.global_step)
        return control

    def on_train_end(self, args, state, control, **kwargs):
        if not self.records or self.records[-1]["step"] != state.global_step:
            self._record(state.global_step)
        return control
