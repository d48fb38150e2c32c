"""`causal-tui` without a subcommand: check the flags on one line, then open the dashboard."""

from __future__ import annotations

from typing import Callable


def main(values: dict, start_dashboard: Callable[..., int] | None) -> int:
    from causal_tui.store import logs

    options = checked(values)
    if start_dashboard is None:
        raise RuntimeError("the dashboard is started by the causal-tui console script (causal_tui.entry)")
    # Nothing may write to the terminal while the dashboard owns it.
    logs.setup(console=False)
    return start_dashboard(**options)


def checked(values: dict) -> dict:
    """The dashboard's options from the flags, each checked (a bad one is a
    UserError, reported on one line before any screen opens): the training
    the flags describe (the Train screen's settings, the Dataset screen's
    choices) and a saved model to show instead of the current one."""
    from causal_tui.cli.args import model_folder_of
    from causal_tui.training.request import TrainRequest

    values = dict(values)
    model = values.pop("model", None)
    request = TrainRequest.from_settings(values, action="dashboard", source="dashboard")
    folder = model_folder_of(model, request.out_dir) if model is not None else None
    return dict(request=request, model=folder)
