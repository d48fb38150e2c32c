"""The Trainer callback that reports progress and stops training when asked.

Front ends (a rich progress bar, the dashboard) pass a `report` function and
a `should_stop` function; neither side knows about the other."""

from __future__ import annotations

import time
from typing import Callable

from transformers import TrainerCallback

from causal_tui.training.progress import Evaluated, Progress, Reporter, Status


class ReportingCallback(TrainerCallback):
    """Forwards the Trainer's logs to `report` and stops training when asked.

    `should_stop` is polled at every step end: cancelling a thread worker or
    pressing Ctrl+C only sets a flag, and only the Trainer can act on it."""

    def __init__(self, report: Reporter | None, should_stop: Callable[[], bool] | None):
        self.report = report or (lambda event: None)
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

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "eval_loss" in logs:
            self.last_eval_loss = float(logs["eval_loss"])
            self.evals.append([state.global_step, self.last_eval_loss])
            self.report(Evaluated(state.global_step, float(state.epoch or 0), self.last_eval_loss))
        elif "loss" in logs:
            self.last_loss = float(logs["loss"])
            self.losses.append([state.global_step, self.last_loss])
            self.report(Progress(
                step=state.global_step,
                total_steps=state.max_steps,
                loss=self.last_loss,
                learning_rate=logs.get("learning_rate"),
                epoch=float(state.epoch or 0),
                elapsed_s=time.perf_counter() - self._start,
            ))


class PerfectionCallback(TrainerCallback):
    """Ends training as soon as every trained state is exact (--until-perfect).

    Checked every `every` steps with one teacher-forced forward pass over the
    trained states' full sequences (see evaluation/decoding.py)."""

    SUSPECTS = 4
    """States that failed the last full check, re-checked first: while any of
    them still fails (most of training), a check costs a forward pass over 4
    sequences instead of all of them."""

    def __init__(self, model, sequences, labels, every: int, report: Reporter | None = None):
        self.model, self.sequences, self.labels, self.every = model, sequences, labels, every
        self.report = report or (lambda event: None)
        self.reached: tuple[int, float] | None = None
        self.suspects = list(range(min(self.SUSPECTS, len(sequences))))
        self._start = time.perf_counter()

    def on_train_begin(self, args, state, control, **kwargs):
        self._start = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step % self.every:
            return control
        from causal_tui.evaluation.decoding import teacher_forced_rows

        was_training = self.model.training
        self.model.eval()  # no dropout: judge what greedy decoding would do
        try:
            suspects = self.suspects
            if not teacher_forced_rows(self.model, self.sequences[suspects], self.labels[suspects]).all():
                return control
            rows = teacher_forced_rows(self.model, self.sequences, self.labels)
        finally:
            self.model.train(was_training)
        failing = (~rows).nonzero().flatten().tolist()
        self.suspects = failing[: self.SUSPECTS] or self.suspects
        if not failing:
            self.reached = (state.global_step, time.perf_counter() - self._start)
            self.report(Status(f"every trained state exact at step {state.global_step}"))
            control.should_training_stop = True
        return control
