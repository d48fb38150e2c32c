"""The one path of a single training, whichever front end asked for it:
check the request, take the locks, prepare dataset/, train, probe, save and
record (trainer.py). `causal-tui train`, `causal-experiment --train`, the
dashboard and `ct.train` all call `train` here and nothing else."""

from __future__ import annotations

from typing import Callable

from causal_tui.data import dataset as data
from causal_tui.store import locks, model_folder
from causal_tui.training import trainer
from causal_tui.training.progress import DatasetReady, OnEvent
from causal_tui.training.request import TrainRequest


def train(request: TrainRequest, on_event: OnEvent | None = None,
          should_stop: Callable[[], bool] | None = None) -> trainer.TrainResult:
    """Train what `request` asks for. `on_event` receives DatasetReady (with
    why dataset/ was written, if it was), then the training's progress;
    `should_stop` is polled every step (a stopped training keeps the previous
    model). UserError for bad input, before anything is written."""
    on_event = on_event or (lambda event: None)
    request.check()
    model_folder.prepare_run_dir(request.out_dir)
    with locks.for_training(request.dataset_dir, request.out_dir):
        dataset, why = data.ensure(request.dataset_dir, request.held_out, request.seed, request.sizes,
                                   may_regenerate=request.regenerate, given=request.given,
                                   every_state=request.every_state)
        on_event(DatasetReady(dataset, why))
        return trainer.train(dataset, request.config, request.out_dir, on_event=on_event, should_stop=should_stop,
                             resume=request.resume, record_as=request.source)
