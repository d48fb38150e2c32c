"""Messages the dashboard's workers post to the app (thread-safe, non-blocking)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from causal_tui.training.progress import Event


@dataclass
class TrainingEvent(Message):
    """A step, an evaluation or a phase change from the training thread."""

    event: Event


@dataclass
class TrainingFinished(Message):
    """The training thread has ended: the only proof that it stopped.

    `result` is a training.TrainResult, or None where it failed with `error`."""

    result: object | None
    error: str | None = None


@dataclass
class DatasetWritten(Message):
    """Regeneration finished (error set where it failed)."""

    error: str | None = None


@dataclass
class ProbeDone(Message):
    """A probe of the saved model finished (report None where it failed)."""

    report: object | None
    manifest: dict | None
    error: str | None = None


@dataclass
class InspectDone(Message):
    """An inspect report of the saved model finished (report None where it failed)."""

    report: dict | None
    error: str | None = None


@dataclass
class InterchangeDone(Message):
    """The saved model's interchange report finished (None where it failed)."""

    report: dict | None
    error: str | None = None


@dataclass
class Note(Message):
    """A worker's one-line outcome to show as a notification (an error where `error`)."""

    text: str
    title: str = ""
    error: bool = False


@dataclass
class RunMadeCurrent(Message):
    """A run's model was made the current one (final/ replaced)."""

    run_id: str
