"""Configuration grids for sweeps: `arch=gpt2,lstm n_layer=1,4 lr=5e-4,1e-3`
is every combination of the values given, each trained for every seed."""

from __future__ import annotations

import itertools
import re
from dataclasses import asdict, dataclass, replace

from causal_tui.errors import UserError
from causal_tui.learners.registry import ARCH_SIZES
from causal_tui.training.config import TrainingConfig

# Grid key -> (TrainingConfig field, how to read a value).
KEYS: dict[str, tuple[str, type]] = {
    "arch": ("arch", str),
    "n_embd": ("n_embd", int),
    "n_layer": ("n_layer", int),
    "n_head": ("n_head", int),
    "lr": ("learning_rate", float),
    "learning_rate": ("learning_rate", float),
    "batch_size": ("batch_size", int),
    "epochs": ("epochs", float),
    "precision": ("precision", str),
}


@dataclass(frozen=True)
class Cell:
    """One configuration of a grid."""

    id: str
    """Its folder name: 'arch-lstm_n_layer-1' (the keys and values given)."""
    settings: dict
    """The grid's keys and values for it, as given: {'arch': 'lstm', 'n_layer': 1}."""
    config: TrainingConfig


def _value(key: str, text: str, kind: type):
    try:
        return kind(text)
    except ValueError:
        raise UserError(f"--grid {key}={text}: {text!r} is not a {kind.__name__}") from None


def parse(text: str, base: TrainingConfig, explicit: frozenset[str] = frozenset()) -> list[Cell]:
    """Every combination of the values of a --grid text, applied to `base` (see cells)."""
    return cells(parse_axes(text), base, explicit)


def parse_axes(text: str) -> dict[str, list]:
    """'arch=gpt2,lstm n_layer=1,4' -> {"arch": ["gpt2", "lstm"], "n_layer": [1, 4]}."""
    axes: dict[str, list] = {}
    for part in text.split():
        m = re.fullmatch(r"([a-z_]+)=(.+)", part)
        if not m:
            raise UserError(f"--grid: {part!r} is not like key=value,value (e.g. 'arch=gpt2,lstm n_layer=1,4')")
        key, values = m.group(1), m.group(2).split(",")
        _check_key(key, axes)
        axes[key] = [_value(key, v, KEYS[key][1]) for v in values]
    return axes


def _check_key(key: str, axes: dict) -> None:
    if key not in KEYS:
        raise UserError(f"--grid: unknown key {key!r} (keys: {', '.join(sorted(set(KEYS) - {'learning_rate'}))})")
    if any(key == k or KEYS[key][0] == KEYS[k][0] for k in axes):
        raise UserError(f"--grid: {key} is given twice")


def check_axes(axes: dict) -> dict[str, list]:
    """A grid given as a table (an experiment file's [grid]): known keys, a
    list of values each of the key's type. Returns it with floats as floats."""
    checked: dict[str, list] = {}
    for key, values in axes.items():
        _check_key(key, checked)
        kind = KEYS[key][1]
        if not isinstance(values, list) or not values:
            example = '"gpt2", "lstm"' if kind is str else "1, 2"
            raise UserError(f"grid {key}: give a list of values, e.g. {key} = [{example}]")
        ok = all(isinstance(v, str) if kind is str else isinstance(v, (int, float)) and not isinstance(v, bool)
                 and (kind is float or isinstance(v, int)) for v in values)
        if not ok:
            what = {str: "a string", int: "a whole number", float: "a number"}[kind]
            raise UserError(f"grid {key}: every value must be {what}, got {values!r}")
        checked[key] = [kind(v) for v in values]
    return checked


def cells(axes: dict[str, list], base: TrainingConfig, explicit: frozenset[str] = frozenset()) -> list[Cell]:
    """Every combination of the grid's values, applied to `base`. Where the
    grid changes the learner but not its size, each learner gets its default
    size (about GPT-2 128/4/4's parameters), except for the size fields named
    in `explicit` (given on the command line), which stay as in `base`."""
    if not axes:
        raise UserError("--grid is empty: give key=value,value pairs, e.g. 'arch=gpt2,lstm'")
    for key, values in axes.items():
        if "" in values or len(set(values)) != len(values):
            raise UserError(f"--grid {key}={','.join(map(str, values))}: empty or repeated value")
    found = []
    for combo in itertools.product(*axes.values()):
        settings = dict(zip(axes, combo))
        fields = {KEYS[k][0]: v for k, v in settings.items()}
        if "arch" in fields:
            sizes = {k: v for k, v in ARCH_SIZES.get(fields["arch"], {}).items()
                     if k not in fields and k not in explicit}
            fields = {**sizes, **fields}
        config = replace(base, **fields)
        config.validate()
        found.append(Cell(cell_id(settings), settings, config))
    return found


def cell_id(settings: dict) -> str:
    return "_".join(f"{k}-{v:g}" if isinstance(v, float) else f"{k}-{v}" for k, v in settings.items())


def label(settings: dict) -> str:
    """How a configuration is named in tables: 'arch=lstm n_layer=1'."""
    return " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in settings.items())


def single(config: TrainingConfig) -> list[Cell]:
    """A sweep of one configuration, as a grid of one cell without a folder of its own."""
    return [Cell("", {}, config)]


def settings_of(config: TrainingConfig) -> dict:
    """A configuration as a sweep records it: every field but the seed (each seed has its own)."""
    return {k: v for k, v in asdict(config).items() if k != "seed"}
