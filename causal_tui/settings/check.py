"""The one validation of settings, run before anything is written: each value
of its declared type, in its range or among its choices; a setting that does
not apply to the action, or to another setting's value, is refused; and a
model too large for this machine's memory is refused before it is built.

Every message is one line a front end prints as it is (UserError)."""

from __future__ import annotations

import math
from pathlib import Path

from causal_tui.errors import UserError
from causal_tui.settings import declared
from causal_tui.settings.declared import Setting

WHAT = {bool: "true or false", int: "a whole number", float: "a number", str: "text", Path: "a path"}

WHY_NOT = {
    ("sweep", "seed"): "a sweep trains seeds 0 to N-1 (--seeds N); --seed picks the one seed of `causal-tui train`",
    ("train", "seeds"): "train trains one model (--seed N); many seeds are `causal-tui sweep --seeds N`",
    ("sweep", "dataset_dir"): "each seed of a sweep draws its own dataset in memory; dataset/ is train's",
    ("sweep", "resume"): "a sweep always resumes: seeds already done are kept",
}
"""Why a setting that belongs elsewhere does not apply, where a line helps."""

ACTION_WORDS = {"train": "causal-tui train", "sweep": "causal-tui sweep", "dashboard": "the dashboard",
                "inspect": "causal-tui inspect", "generate": "causal-experiment --generate",
                "experiment": "causal-experiment --train", "test": "causal-experiment --test",
                "read": "reading a saved model"}


def name_of(setting: Setting, action: str) -> str:
    """How a message names a setting: its flag on a command line."""
    return setting.flags_for(action)[0] if action != "sweep-file" else setting.name


def not_applicable(name: str, action: str) -> str:
    """'--seeds does not apply to causal-tui train: <why>'."""
    setting = declared.BY_NAME.get(name)
    flag = setting.flag if setting else name
    why = WHY_NOT.get((action, name))
    if why is None and setting is not None:
        owners = [ACTION_WORDS[a] for a in declared.ACTIONS if a in setting.actions]
        why = f"it is a setting of {', '.join(owners)}" if owners else "it applies nowhere"
    return f"{flag} does not apply to {ACTION_WORDS.get(action, action)}: {why or 'unknown setting'}"


def coerce(setting: Setting, value, where: str):
    """The value as the setting's type, or UserError. Numbers from a file may
    be of either kind where that loses nothing (3 for 3.0); true is never a number."""
    kind = setting.kind
    wrong = UserError(f"{where} must be {WHAT[kind]}, got {value!r}"[:300])
    if kind is bool:
        if not isinstance(value, bool):
            raise wrong
        return value
    if isinstance(value, bool):
        raise wrong
    if kind is int:
        if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
            value = int(value)
        if not isinstance(value, int):
            raise wrong
        return value
    if kind is float:
        if not isinstance(value, (int, float)):
            raise wrong
        value = float(value)
        if not math.isfinite(value):
            raise UserError(f"{where} must be a finite number, got {value!r}")
        return value
    if kind is Path:
        if not isinstance(value, (str, Path)) or not str(value) or "\0" in str(value):
            raise wrong
        return Path(value)
    if not isinstance(value, str):
        raise wrong
    if "\0" in value:
        raise UserError(f"{where} holds a NUL character")
    return value


def check_value(setting: Setting, value, where: str):
    """The value checked against the setting's type, range and choices."""
    value = coerce(setting, value, where)
    if setting.kind in (int, float):
        if setting.low is not None and value < setting.low:
            raise UserError(f"{where} must be at least {_number(setting.low)}, got {_number(value)}")
        if setting.high is not None and value > setting.high:
            raise UserError(f"{where} must be at most {_number(setting.high)}, got {_number(value)}")
    choices = setting.allowed()
    if choices is not None and value not in choices:
        raise UserError(f"{where} must be one of {', '.join(map(str, choices))}, got {value!r}"[:300])
    if setting.kind is str and len(value) > MAX_TEXT:
        raise UserError(f"{where} is {len(value):,} characters long: at most {MAX_TEXT:,}")
    return value


MAX_TEXT = 100_000
"""The longest text a setting takes (an omit list of every state of 8 inputs is about 4,000 characters)."""


def _number(x) -> str:
    return f"{x:,}" if isinstance(x, int) and abs(x) >= 10_000 else f"{x:g}"


def check_values(values: dict, action: str, complete: bool = False, where: str | None = None) -> dict:
    """`values` ({name: value}, None for "not given") checked for `action`:
    every name known and applying to it, every value of its type, in range,
    among its choices, and every setting another needs given. Returns the
    given values, of their declared types. With `complete`, the values are a
    whole configuration (a setting's needs are not checked)."""
    out = {}
    for name, value in values.items():
        setting = declared.BY_NAME.get(declared.RENAMED.get(name, name))
        if setting is None:
            known = ", ".join(s.name for s in declared.of(action))
            raise UserError(f"unknown setting {name!r}" + (f" in {where}" if where else "")
                            + f" (settings of {ACTION_WORDS.get(action, action)}: {known})")
        if action not in setting.actions and not (complete and setting.config):
            raise UserError(not_applicable(setting.name, action))
        if value is None:
            continue
        label = f"{where}: {setting.name}" if where else name_of(setting, action)
        out[setting.name] = check_value(setting, value, label)
    if not complete:
        for name in out:
            needs = declared.BY_NAME[name].needs
            if needs is not None:
                other, why = needs
                given = out.get(other)
                if given in (None, False) or (other == "backend" and given != "ray"):
                    raise UserError(why)
    return out


def check_holdout_seed(values: dict) -> None:
    """--holdout-seed draws a 'random-K' holdout: beside a list or a condition it means nothing."""
    holdout = values.get("holdout")
    if values.get("holdout_seed") is not None and not (isinstance(holdout, str)
                                                        and holdout.strip().startswith("random-")):
        raise UserError("--holdout-seed draws a 'random-K' holdout (--holdout random-4 --holdout-seed 3): "
                        "beside a list or a condition it means nothing")


def check_every_state(values: dict) -> None:
    """--every-state makes the training split every trained state once: a --train-size beside it means nothing."""
    if values.get("every_state") and values.get("train_size") is not None:
        raise UserError("--every-state trains on every trained state once: --train-size means nothing beside it")


MEMORY_SHARE = 0.5
"""A training may plan to use at most this share of the machine's memory."""


def planned_bytes(config) -> int:
    """A generous estimate of a training's peak memory: the parameters with
    their gradients and AdamW's two moments (16 bytes each), and activations of
    one batch (a transformer keeps about 20 vectors per layer and position)."""
    d, layers = config.n_embd, config.n_layer
    params = 12 * layers * d * d + 4 * d * d + 64 * d
    positions = 64  # our sequences are a few dozen tokens
    activations = 4 * config.batch_size * positions * layers * d * 20
    return 16 * params + activations


def check_fits_in_memory(config) -> None:
    """Refuse a model or batch that could not fit in this machine's memory (before anything is written)."""
    total = _physical_memory()
    need = planned_bytes(config)
    if total and need > MEMORY_SHARE * total:
        raise UserError(f"a model of width {config.n_embd} and {config.n_layer} layers with batches of "
                        f"{config.batch_size} needs about {need / 2**30:,.1f} GiB to train; this machine has "
                        f"{total / 2**30:,.1f} GiB: make it smaller")


def _physical_memory() -> int | None:
    try:
        import os

        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
