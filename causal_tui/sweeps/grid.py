"""Configuration grids for sweeps: `arch=gpt2,lstm n_layer=1,4 lr=5e-4,1e-3`
is every combination of the values given, each trained for every seed. The
keys are the settings declared with grid=True (settings/declared.py)."""

from __future__ import annotations

import itertools
import re
from dataclasses import asdict, dataclass, replace

from causal_tui.errors import UserError
from causal_tui.learners import registry
from causal_tui.settings import check, declared
from causal_tui.training.config import TrainingConfig

KEYS: tuple[str, ...] = tuple(s.name for s in declared.GRID)
"""The settings a grid may vary."""
SIZE_FIELDS = ("n_embd", "n_layer", "n_head")
MAX_CONFIGURATIONS = 1_000
"""The most configurations a grid may make (each is trained for every seed)."""


@dataclass(frozen=True)
class Configuration:
    """One configuration of a grid (a sweep without a grid has one, without an id)."""

    id: str
    """Its folder name: 'arch-lstm_n_layer-1' (the keys and values given)."""
    settings: dict
    """The grid's keys and values for it, as given: {'arch': 'lstm', 'n_layer': 1}."""
    config: TrainingConfig


def parse_axes(text: str) -> dict[str, list]:
    """'arch=gpt2,lstm n_layer=1,4' -> {"arch": ["gpt2", "lstm"], "n_layer": [1, 4]}."""
    if not isinstance(text, str):
        raise UserError(f"--grid must be text like 'arch=gpt2,lstm n_layer=1,4', got {text!r}")
    axes: dict[str, list] = {}
    for part in text.split():
        m = re.fullmatch(r"([a-z_]+)=(.+)", part)
        if not m:
            raise UserError(f"--grid: {part!r} is not like key=value,value (e.g. 'arch=gpt2,lstm n_layer=1,4')")
        key, values = _key(m.group(1), axes), m.group(2).split(",")
        axes[key] = [_value(key, v) for v in values]
    return axes


def _key(key: str, axes: dict) -> str:
    key = declared.RENAMED.get(key, key)
    if key not in KEYS:
        raise UserError(f"--grid: unknown key {key!r} (keys: {', '.join(KEYS)})")
    if key in axes:
        raise UserError(f"--grid: {key} is given twice")
    return key


def _value(key: str, text: str):
    setting = declared.get(key)
    kind = setting.kind
    try:
        value = text if kind is str else int(text) if kind is int else float(text)
    except ValueError:
        raise UserError(f"--grid {key}={text}: {text!r} is not a {kind.__name__}") from None
    return check.check_value(setting, value, f"--grid {key}")


def check_axes(axes) -> dict[str, list]:
    """A grid given as a table (an experiment file's [grid]): known keys, a
    non-empty list of values each of the key's type and range."""
    if not isinstance(axes, dict):
        raise UserError("grid must be a table of lists, e.g. [grid] arch = [\"gpt2\", \"lstm\"]")
    checked: dict[str, list] = {}
    for key, values in axes.items():
        key = _key(key, checked)
        if not isinstance(values, list) or not values:
            example = '"gpt2", "lstm"' if declared.get(key).kind is str else "1, 2"
            raise UserError(f"grid {key}: give a list of values, e.g. {key} = [{example}]")
        checked[key] = [check.check_value(declared.get(key), v, f"grid {key}") for v in values]
    return checked


def configurations(axes: dict[str, list], base: TrainingConfig,
                   explicit: frozenset[str] = frozenset()) -> list[Configuration]:
    """Every combination of the grid's values, applied to `base`. Where the
    grid changes the learner but not its size, each learner gets its default
    size (about GPT-2 128/4/4's parameters), except for the size fields named
    in `explicit` (given on the command line), which stay as in `base`."""
    if not axes:
        raise UserError("--grid is empty: give key=value,value pairs, e.g. 'arch=gpt2,lstm'")
    count = 1
    for key, values in axes.items():
        if "" in values or len(set(values)) != len(values):
            raise UserError(f"--grid {key}={','.join(map(str, values))}: empty or repeated value")
        count *= len(values)
    if count > MAX_CONFIGURATIONS:
        raise UserError(f"--grid makes {count:,} configurations: at most {MAX_CONFIGURATIONS:,}")
    found = []
    for combo in itertools.product(*axes.values()):
        fields = dict(zip(axes, combo))
        if "arch" in fields:
            sizes = {k: v for k, v in registry.get(fields["arch"]).sizes.items()
                     if k not in fields and k not in explicit}
            fields = {**sizes, **fields}
        config = replace(base, **fields)
        config.validate()
        settings = dict(zip(axes, combo))
        found.append(Configuration(configuration_id(settings), settings, config))
    return found


def configuration_id(settings: dict) -> str:
    return "_".join(f"{k}-{v:g}" if isinstance(v, float) else f"{k}-{v}" for k, v in settings.items())


def label(settings: dict) -> str:
    """How a configuration is named in tables: 'arch=lstm n_layer=1'."""
    return " ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in settings.items())


def single(config: TrainingConfig) -> list[Configuration]:
    """A sweep of one configuration, as a grid of one without a folder of its own."""
    return [Configuration("", {}, config)]


def settings_of(config: TrainingConfig) -> dict:
    """A configuration as a sweep records it: every field but the seed (each seed has its own)."""
    return {k: v for k, v in asdict(config).items() if k != "seed"}
