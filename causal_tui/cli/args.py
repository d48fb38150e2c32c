"""What the command lines share: reading flags into engine values (the
system, the held-out states, sizes, the training config, a model folder),
one-line errors, exit codes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from causal_tui.data import dataset as data
from causal_tui.errors import UserError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_CODES = {EXIT_OK: "done", EXIT_FAILED: "some seeds failed", EXIT_USAGE: "bad input",
              EXIT_INTERRUPTED: "interrupted"}


def chosen_system(args):
    """The system --system names, or None where it was not given."""
    from causal_tui.systems.catalog import load

    return load(args.system) if getattr(args, "system", None) is not None else None


def held_out_of(args, system):
    """The held-out states the flags give: --holdout (a list, random-K or a
    condition) or the original's --omit list; none where neither is given."""
    from causal_tui.systems.holdout import HeldOut

    preset = getattr(args, "holdout", None)
    if preset is not None:
        return HeldOut.parse(preset, system, seed=getattr(args, "holdout_seed", None) or 0)
    return HeldOut.parse_list(getattr(args, "omit", None), system)


def dataset_sizes(args) -> dict[str, int]:
    return {s: getattr(args, f"{s}_size", None) or n for s, n in data.DEFAULT_SIZES.items()}


def seed_of(args) -> int:
    """--seed, or the default seed where it was not given."""
    seed = getattr(args, "seed", None)
    return data.DEFAULT_SEED if seed is None else seed


def training_config(args):
    """The checked TrainingConfig of the training flags given (defaults for the rest)."""
    from causal_tui.training.config import FLAGS, TrainingConfig

    return TrainingConfig.from_flags({k: getattr(args, k, None) for k in FLAGS}, seed=seed_of(args))


def model_folder_of(model: str | None, out_dir: Path) -> Path:
    """The folder --model names: a model folder, or a run id under out/runs/;
    the current model (final/) without one. Reads only."""
    from causal_tui.store import model_folder, runs

    if model is None:
        return model_folder.final_dir(out_dir)
    path = Path(model)
    if (path / model_folder.MANIFEST).exists() or (path.is_dir() and (path / "config.json").exists()):
        return path
    if (runs.runs_dir(out_dir) / model).is_dir():
        return runs.model_of(out_dir, model)
    raise UserError(f"--model {model}: no model at {model}/ and no run of that id in {runs.runs_dir(out_dir)}/ "
                    "(see causal-tui runs list)")


def run_reporting_errors(main: Callable[[], int | None]) -> int:
    """Turn user errors into one line and exit code 2, Ctrl+C into 130."""
    try:
        return main() or 0
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
