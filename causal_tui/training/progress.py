"""Training progress as plain data that any front end can render.

Kept free of torch and transformers so a front end can import it at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Union


@dataclass(frozen=True)
class Progress:
    """A training step was logged."""

    step: int
    total_steps: int
    loss: float | None
    learning_rate: float | None
    epoch: float
    elapsed_s: float

    @property
    def steps_per_s(self) -> float:
        return self.step / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        rate = self.steps_per_s
        return (self.total_steps - self.step) / rate if rate > 0 else None


@dataclass(frozen=True)
class Evaluated:
    """The validation split was evaluated."""

    step: int
    epoch: float
    eval_loss: float


@dataclass(frozen=True)
class Status:
    """A phase began (building, training, saving, probing)."""

    text: str


@dataclass(frozen=True)
class Notice:
    """Something the user should read, once (a checkpoint moved aside)."""

    text: str


@dataclass(frozen=True)
class Probed:
    """With --probe-every: the probe recorded at a step (one entry of the
    training's course, science/course.py), for a front end to show at once."""

    record: dict


@dataclass(frozen=True)
class DatasetReady:
    """The dataset a training uses is ready: loaded as it was, or written
    first (`generated_because` says why)."""

    dataset: object
    generated_because: str | None = None


Event = Union[Progress, Evaluated, Status, DatasetReady, Notice, Probed]
OnEvent = Callable[[Event], None]
"""What a front end passes to follow a training (a progress bar, the dashboard's messages)."""
