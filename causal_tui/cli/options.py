"""The options of `causal-tui`'s subcommands, each defined once, in groups that
the subcommands share (`takes` expands a group into a command's options).

Every option defaults to None, "not given", so that a command knows which
flags were given (an experiment file's values stay unless a flag replaces
them) and fills in the defaults itself; the help says what they are."""

# No `from __future__ import annotations` here: Typer reads these annotations as objects.

import dataclasses
import inspect
import typing
from pathlib import Path
from typing import Annotated, Literal, Optional

import typer

from causal_tui.data.dataset import DEFAULT_SEED, DEFAULT_SIZES
from causal_tui.learners.registry import ARCH_SIZES, ARCHS
from causal_tui.store.model_folder import DEFAULT_OUT
from causal_tui.training.config import DEVICES, REPORT_TO, TrainingConfig
from causal_tui.training.precision import CHOICES as PRECISIONS

_D = TrainingConfig()
DATASET, TRAINING, OUTPUT = "Dataset", "Training (defaults: the original experiment's)", "Files"


@dataclasses.dataclass
class SystemFlag:
    system: Annotated[Optional[str], typer.Option(
        "--system", metavar="FILE|NAME", rich_help_panel=DATASET,
        help="A system file, or seed, chain, parity8 (default: dataset/'s, or seed).")] = None


@dataclasses.dataclass
class HoldoutFlags:
    holdout: Annotated[Optional[str], typer.Option(
        "--holdout", "--omit", "-o", metavar="STATES", rich_help_panel=DATASET,
        help="Held out of training: '1,0,1,0,1;0,0,0,0,0', 'random-K' or 'A=1&C=1'.")] = None
    holdout_seed: Annotated[Optional[int], typer.Option(
        "--holdout-seed", metavar="N", rich_help_panel=DATASET, help="Seed that draws random-K (default 0).")] = None


@dataclasses.dataclass
class SeedFlag:
    seed: Annotated[Optional[int], typer.Option(
        "--seed", metavar="N", rich_help_panel=DATASET,
        help=f"Seed of the dataset and the training (default {DEFAULT_SEED}).")] = None


@dataclasses.dataclass
class SizeFlags:
    train_size: Annotated[Optional[int], typer.Option(
        "--train-size", metavar="N", rich_help_panel=DATASET,
        help=f"Lines in train.jsonl (default {DEFAULT_SIZES['train']:,}).")] = None
    valid_size: Annotated[Optional[int], typer.Option(
        "--valid-size", metavar="N", rich_help_panel=DATASET,
        help=f"Lines in valid.jsonl (default {DEFAULT_SIZES['valid']:,}).")] = None
    test_size: Annotated[Optional[int], typer.Option(
        "--test-size", metavar="N", rich_help_panel=DATASET,
        help=f"Lines in test.jsonl (default {DEFAULT_SIZES['test']:,}).")] = None


@dataclasses.dataclass
class DatasetDirFlag:
    dataset_dir: Annotated[Optional[Path], typer.Option(
        "--dataset-dir", metavar="DIR", rich_help_panel=OUTPUT,
        help="The JSONL files (default dataset/).")] = None


@dataclasses.dataclass
class OutDirFlag:
    out_dir: Annotated[Optional[Path], typer.Option(
        "--out-dir", metavar="DIR", rich_help_panel=OUTPUT,
        help=f"Models, runs, sweeps (default {DEFAULT_OUT}/).")] = None


@dataclasses.dataclass
class ModelFlag:
    model: Annotated[Optional[str], typer.Option(
        "--model", metavar="DIR|RUN_ID", rich_help_panel=OUTPUT,
        help="A saved model (a folder or a run id) to read; writes nothing.")] = None


@dataclasses.dataclass
class RunOnFlag:
    device: Annotated[Optional[Literal[DEVICES]], typer.Option(
        "--device", rich_help_panel=OUTPUT,
        help="Where a model that must be loaded runs: cpu (the default: fastest for a tiny model), cuda or auto.")] = None


@dataclasses.dataclass
class TrainingFlags:
    arch: Annotated[Optional[Literal[ARCHS]], typer.Option(
        "--arch", rich_help_panel=TRAINING,
        help="The learner, each sized to about GPT-2 128/4/4's parameters (default gpt2).")] = None
    epochs: Annotated[Optional[float], typer.Option(
        "--epochs", metavar="N", rich_help_panel=TRAINING, help=f"Passes over train.jsonl (default {_D.epochs:g}).")] = None
    lr: Annotated[Optional[float], typer.Option(
        "--lr", metavar="RATE", rich_help_panel=TRAINING, help=f"Learning rate (default {_D.learning_rate:g}).")] = None
    batch_size: Annotated[Optional[int], typer.Option(
        "--batch-size", metavar="N", rich_help_panel=TRAINING,
        help=f"Examples per step (default {_D.batch_size}).")] = None
    n_embd: Annotated[Optional[int], typer.Option(
        "--n-embd", metavar="N", rich_help_panel=TRAINING,
        help="Width (default by arch: " + "; ".join(f"{a} {s['n_embd']}" for a, s in ARCH_SIZES.items()) + ").")] = None
    n_layer: Annotated[Optional[int], typer.Option(
        "--n-layer", metavar="N", rich_help_panel=TRAINING, help=f"Layers (default {_D.n_layer}).")] = None
    n_head: Annotated[Optional[int], typer.Option(
        "--n-head", metavar="N", rich_help_panel=TRAINING,
        help=f"GPT-2 attention heads (default {_D.n_head}).")] = None
    precision: Annotated[Optional[Literal[PRECISIONS]], typer.Option(
        "--precision", rich_help_panel=TRAINING,
        help="bf16 trains under bfloat16 autocast; auto (the default) picks it where this machine has it.")] = None
    report_to: Annotated[Optional[Literal[REPORT_TO]], typer.Option(
        "--report-to", rich_help_panel=TRAINING,
        help="tensorboard: event files in the run's folder (uv sync --extra tensorboard).")] = None
    device: Annotated[Optional[Literal[DEVICES]], typer.Option(
        "--device", rich_help_panel=TRAINING,
        help="Where to train: auto (a GPU where torch sees one, the default), cpu or cuda.")] = None
    max_steps: Annotated[Optional[int], typer.Option(
        "--max-steps", metavar="N", rich_help_panel=TRAINING,
        help="Stop after N steps whatever the epochs.")] = None
    until_perfect: Annotated[Optional[bool], typer.Option(
        "--until-perfect", rich_help_panel=TRAINING, show_default=False, metavar="",
        help="Stop as soon as every trained state is exact under greedy decoding.")] = None

    def given(self) -> dict:
        """The training flags given, by name ({"lr": 0.001})."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


FORMATS = ("table", "markdown", "json", "csv")


def format_type(values=FORMATS):
    """--format, for a command that prints these formats."""
    return Annotated[Optional[Literal[tuple(values)]], typer.Option(
        "--format", rich_help_panel=OUTPUT, help="How to print it (default table).")]


def as_flags(*groups) -> list[str]:
    """The options given in these groups as command-line words again
    (["--holdout", "1,0,1,0,1", "--until-perfect"]): what `serve` hands each
    dashboard it starts."""
    words = []
    for group in groups:
        hints = typing.get_type_hints(type(group), include_extras=True)
        for f in dataclasses.fields(group):
            value = getattr(group, f.name)
            if value is None or value is False:
                continue
            info = typing.get_args(hints[f.name])[1]
            # With Annotated, Typer takes the first name given as the option's `default`.
            name = info.default if isinstance(info.default, str) else info.param_decls[0]
            words += [name] if value is True else [name, str(value)]
    return words


def takes(*, hidden: tuple = (), panel: str | None = None):
    """Expand each parameter of a command annotated with an option group into
    that group's options, and hand the command the group, filled in. Groups
    (or option names) in `hidden` are accepted but left out of the help;
    `panel` puts every option shown under one heading."""

    def wrap(fn):
        hints = typing.get_type_hints(fn, include_extras=True)
        own, expanded, groups = [], [], {}
        for p in inspect.signature(fn).parameters.values():
            kind = hints.get(p.name, p.annotation)
            if dataclasses.is_dataclass(kind):
                groups[p.name] = kind
                for f in dataclasses.fields(kind):
                    annotation = f.type
                    if kind in hidden or f.name in hidden or panel:
                        base, info = typing.get_args(annotation)
                        annotation = Annotated[base, _changed(info, kind in hidden or f.name in hidden, panel)]
                    expanded.append(inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default,
                                                      annotation=annotation))
            else:
                own.append(p.replace(annotation=kind))
        # Arguments first, then the groups' options, then the command's own (its help panels in that order).
        positional = [p for p in own if p.kind is not inspect.Parameter.KEYWORD_ONLY]
        own = [p for p in own if p.kind is inspect.Parameter.KEYWORD_ONLY]

        def command(**values):
            for name, kind in groups.items():
                values[name] = kind(**{f.name: values.pop(f.name) for f in dataclasses.fields(kind)})
            return fn(**values)

        command.__name__, command.__doc__, command.__module__ = fn.__name__, fn.__doc__, fn.__module__
        params = positional + expanded + own
        command.__signature__ = inspect.Signature(params)
        command.__annotations__ = {p.name: p.annotation for p in params}
        return command

    return wrap


def _changed(info, hidden: bool, panel: str | None):
    import copy

    info = copy.copy(info)
    info.hidden = info.hidden or hidden
    info.rich_help_panel = panel or info.rich_help_panel
    return info
