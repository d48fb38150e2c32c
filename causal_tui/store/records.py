"""The JSON records the tool writes, each with a format number, and the one
reader of each kind: it reads with a size limit, never blocks on a FIFO or a
device, upgrades records of older formats to today's, and refuses a newer
one in one line. Readers never change a file.

    kind        file                                       what it holds
    run         out/runs/<id>/run.json                     one training in the history
    manifest    <model folder>/causal-tui.json             what a model was trained on and how it did
    probe       <model folder>/causal-tui-probe.json       a model's probe, with the digest of its weights
    dataset     dataset/manifest.json                      what the JSONL files hold
    seed        out/sweeps/<name>/.../seed-<k>/probe.json  one seed of a sweep: its answers and what is inside
    sweep       out/sweeps/<name>/sweep.json               what a sweep asked for
    scorecard   out/sweeps/<name>/scorecard.json           a sweep's scorecard

Format 2 (causal-tui 0.4): every record carries "format"; a training's
settings are named as the settings are (`lr`, not `learning_rate`; no
`max_steps` is None, not -1); scorecard intervals are `interval95`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from causal_tui.errors import UserError
from causal_tui.systems import reading

FORMATS: dict[str, int] = {"run": 2, "manifest": 2, "probe": 2, "dataset": 2, "seed": 2, "sweep": 2,
                           "scorecard": 2}
"""Today's format of each kind of record."""

WHAT = {"run": "run record", "manifest": "model manifest", "probe": "model probe", "dataset": "dataset manifest",
        "seed": "seed record", "sweep": "sweep description", "scorecard": "scorecard"}

MAX_BYTES = 256 * 2**20
"""The largest record read (a scorecard of 8 inputs and a grid is a few MB)."""


class RecordError(UserError):
    """A record that cannot be read: missing, not JSON, of the wrong shape, or from a newer version."""


def stamped(kind: str, record: dict) -> dict:
    """The record with today's format number first."""
    return {"format": FORMATS[kind], **{k: v for k, v in record.items() if k != "format"}}


def read_text(path: Path, limit: int = MAX_BYTES, what: str = "file") -> str:
    """A regular file's text, read safely (systems/reading.py); RecordError where it cannot be."""
    try:
        return reading.read_text(path, limit, what)
    except UserError as e:
        raise RecordError(str(e)) from None


def read(path: Path, kind: str) -> dict:
    """A record of `kind`, upgraded to today's format; RecordError in one line
    naming the file where it is missing, unreadable, not an object or newer."""
    path = Path(path)
    what = WHAT[kind]
    text = read_text(path, what=what)
    try:
        record = json.loads(text)
    except ValueError as e:
        raise RecordError(f"{path} is not valid JSON ({e}): a {what} cannot be read from it") from None
    return upgrade(record, kind, str(path))


def upgrade(record, kind: str, where: str) -> dict:
    """A record of any format this version knows, as today's."""
    what = WHAT[kind]
    if not isinstance(record, dict):
        raise RecordError(f"{where} is not a {what} (a JSON object was expected)")
    version = record.get("format", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise RecordError(f"{where}: its format {version!r} is not a format number")
    if version > FORMATS[kind]:
        raise RecordError(f"{where} was written by a newer causal-tui ({what} format {version}; this version "
                          f"reads up to {FORMATS[kind]}): upgrade causal-tui to read it")
    for step in range(version, FORMATS[kind]):
        record = UPGRADES[step](record)
    record["format"] = FORMATS[kind]
    return record


def _config_to_2(config):
    """A training's settings of format 1: `learning_rate` is `lr`; max_steps -1 (off) is None."""
    if not isinstance(config, dict):
        return config
    config = dict(config)
    if "learning_rate" in config and "lr" not in config:
        config["lr"] = config.pop("learning_rate")
    if config.get("max_steps") == -1:
        config["max_steps"] = None
    return config


def _to_2(record: dict) -> dict:
    """Format 1 -> 2, for every kind: configurations anywhere in the record are
    renamed, and intervals from before the exact ones (wilson95) read as interval95."""

    def walk(value):
        if isinstance(value, dict):
            out = {k: walk(v) for k, v in value.items()}
            for key in ("config", "configuration"):
                if isinstance(out.get(key), dict):
                    out[key] = _config_to_2(out[key])
            if "wilson95" in out and "interval95" not in out:
                out["interval95"] = out["wilson95"]
            return out
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(record)


UPGRADES: dict[int, Callable[[dict], dict]] = {1: _to_2}
"""UPGRADES[n] turns a record of format n into one of format n + 1."""


def field(record: dict, key: str, kind: type | tuple, where: str, default=None):
    """record[key] where it is of `kind` (default where absent); RecordError naming the file and key otherwise."""
    value = record.get(key, default)
    if value is None or isinstance(value, kind):
        return value
    raise RecordError(f"{where}: {key} is {value!r}, not of the kind a {key} is")
