"""The long ("tidy") table: one row per configuration, seed, state and field,
with the model's answer beside the truth and the reference guessers'. What
`sweep.to_pandas()`, `run.to_pandas()` and `causal-tui export` give; the
columns are stable (COLUMNS) and documented (COLUMN_DOCS)."""

from __future__ import annotations

from causal_tui.science import guessers
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import System

COLUMN_DOCS: dict[str, str] = {
    "sweep": "the sweep's name ('' for a single run)",
    "configuration": "the grid configuration's id, e.g. 'arch-lstm'; without a grid the learner and its size, "
                     "e.g. 'gpt2 128x4'",
    "run_id": "the run in out/runs/ that trained this model (None for seeds trained before runs were recorded)",
    "seed": "the seed of the model (one independently trained model)",
    "arch": "the learner: gpt2, lstm or mlp",
    "n_embd": "its width",
    "n_layer": "its depth",
    "n_head": "GPT-2's attention heads",
    "lr": "the peak learning rate",
    "batch_size": "examples per step",
    "epochs": "passes over the training split",
    "precision": "the precision it trained and decoded in: fp32 or bf16",
    "steps": "the optimiser steps it trained (fewer than epochs allow where it stopped early: --until-perfect, "
             "--max-steps)",
    "state": "the input state, as its prompt: '0,1,1,0,1'",
    "held_out": "whether the state was held out of this model's training",
    "field": "the field: an equation's output or a sum",
    "truth": "the field's true value at the state",
    "answer": "the value the model wrote (None where its text is not a number)",
    "correct": "answer == truth",
    "probability": "the probability the model gave its own answer (None where not recorded)",
    "unseen_label": "held out, and the true value never occurs in that field over the trained states",
    "majority": "the majority guesser's answer (held-out states; None where its vote is tied)",
    "nearest_neighbour": "the nearest-neighbour guesser's answer (held-out states; None where tied)",
    "interpolator": "the lowest-degree interpolator's answer (held-out states; None where undetermined)",
    "mdi": "the min-degree interpolator's answer: its value rounded (a 0/1 field thresholded at 1/2; held-out "
           "states; None exactly half way)",
    "mdi_value": "the min-degree interpolator's real value (held-out states)",
}
COLUMNS: tuple[str, ...] = tuple(COLUMN_DOCS)
CONFIG_COLUMNS = ("arch", "n_embd", "n_layer", "n_head", "lr", "batch_size", "epochs")
"""Columns read from a model's training configuration (the settings of those names)."""


def rows(system: System, held_out: HeldOut, models: list[dict], sweep: str = "", configuration: str = "",
         config: dict | None = None) -> list[dict]:
    """The tidy rows of some models of one configuration. `models`: one per
    seed, {"seed", "run_id", "precision", "steps", "predictions": {state: {field: value}},
    "probabilities": {state: {field: p}} (optional)}; `config`: the TrainingConfig as a dict."""
    unseen = held_out.unseen_labels()
    guesses = guessers.predictions(system, held_out) if held_out else {}
    config = config or {}
    if not configuration and config.get("arch"):
        configuration = f"{config['arch']} {config.get('n_embd')}x{config.get('n_layer')}"
    fixed = {"sweep": sweep, "configuration": configuration,
             **{column: config.get(column) for column in CONFIG_COLUMNS}}
    out = []
    for model in models:
        probabilities = model.get("probabilities") or {}
        head = {**fixed, "run_id": model.get("run_id"), "seed": model.get("seed"), "precision": model.get("precision"),
                "steps": model.get("steps")}
        for state in system.all_states:
            key = system.format_state(state)
            truth = system.truth(state)
            answers = model["predictions"][key]
            for f in system.fields:
                guess = guesses.get(state, {}).get(f)
                out.append({
                    **head, "state": key, "held_out": state in held_out, "field": f, "truth": truth[f],
                    "answer": answers[f], "correct": answers[f] == truth[f],
                    "probability": probabilities.get(key, {}).get(f),
                    "unseen_label": f in unseen.get(state, ()),
                    "majority": guess["majority"] if guess else None,
                    "nearest_neighbour": guess["nearest_neighbour"] if guess else None,
                    "interpolator": guess["interpolator"].answer if guess else None,
                    "mdi": guess["mdi_answer"] if guess else None,
                    "mdi_value": guess["mdi"] if guess else None,
                })
    return [{c: row[c] for c in COLUMNS} for row in out]
