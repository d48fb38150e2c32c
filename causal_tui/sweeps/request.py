"""A sweep, asked for: SweepRequest, built by every front end from the
declared settings (the flags, `ct.sweep`'s arguments, an experiment file),
checked whole before anything is written, and handed to runner.run_sweep.
It is written back, fully resolved, beside the sweep's results
(out/sweeps/<name>/experiment.toml): running that file again reproduces the
sweep, and resumes it.

    name = "A1_C1-lr"              # optional: the sweep's folder name
    system = "seed"                # a bundled name, a path, or an inline [system] table
    holdout = "A=1&C=1"
    seeds = 10
    jobs = 2
    backend = "local"
    [training]                     # any training setting by its name, and the dataset sizes
    until_perfect = true
    lr = 5e-4
    [grid]                         # optional: every combination, for every seed
    arch = ["gpt2", "lstm"]
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from causal_tui.data import dataset as data
from causal_tui.errors import UserError
from causal_tui.settings import check, declared
from causal_tui.store import records
from causal_tui.sweeps import grid as grid_mod
from causal_tui.sweeps.grid import SIZE_FIELDS, Configuration
from causal_tui.sweeps.layout import default_name
from causal_tui.systems import catalog, reader
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import System
from causal_tui.training.config import CONFIG_FIELDS, TrainingConfig

FILE = "experiment.toml"
TABLES = ("training", "grid")
SCALARS: tuple[str, ...] = tuple(s.name for s in declared.of("sweep")
                                 if s.panel in (declared.SWEEP, declared.DATASET) and not s.config
                                 and not s.name.endswith("_size") and s.name != "grid")
"""An experiment file's top-level keys (beside the [training] and [grid] tables)."""
KEYS = (*SCALARS, *TABLES)
SIZE_KEYS = tuple(f"{split}_size" for split in data.SPLITS)
"""Dataset sizes, read from [training] like the other settings of a training."""
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
MAX_FILE = 1 * 2**20
"""The largest experiment file read."""


@dataclass
class SweepRequest:
    """Everything a sweep is: what it trains, on what, how many seeds, where."""

    name: str
    system: System
    holdout: HeldOut
    """The held-out states, with the text the user wrote."""
    config: TrainingConfig = field(default_factory=TrainingConfig)
    """The training configuration (a grid's values are applied to it per configuration)."""
    explicit: frozenset[str] = frozenset()
    """Size fields given, which a grid over learners keeps instead of each learner's default size."""
    sizes: dict[str, int] = field(default_factory=lambda: dict(data.DEFAULT_SIZES))
    grid: dict[str, list] = field(default_factory=dict)
    seeds: int = declared.get("seeds").default
    jobs: int = declared.get("jobs").default
    backend: str = declared.get("backend").default
    address: str | None = None
    vary: str = declared.get("vary").default
    every_state: bool = False
    """Each seed's training split is every trained state once."""
    """What differs between seeds: both the dataset and the initialisation, the data only, or the init only."""

    def configurations(self) -> list[Configuration]:
        """The configurations: one without a grid, every combination with one."""
        if self.grid:
            return grid_mod.configurations(self.grid, self.config, self.explicit)
        return grid_mod.single(self.config)

    # -- reading ------------------------------------------------------------
    @classmethod
    def from_values(cls, values: dict, where: str | None = None, base_dir: Path | None = None) -> "SweepRequest":
        """A checked request from plain values (an experiment file's, merged
        with flags, or the flags or arguments alone); UserError names `where`
        (the file) and the key that is wrong. Nothing has been written then."""
        try:
            request = cls._from_values(values, base_dir)
            for configuration in request.configurations():
                configuration.config.validate()
        except UserError as e:
            raise UserError(f"{where}: {e}" if where else str(e)) from None
        return request

    @classmethod
    def _from_values(cls, values: dict, base_dir: Path | None) -> "SweepRequest":
        unknown = [k for k in values if k not in KEYS]
        if unknown:
            raise UserError(f"unknown key {unknown[0]!r} (an experiment has {', '.join(KEYS)})")
        scalars = {k: v for k, v in values.items() if k in SCALARS and k != "system"}
        v = check.check_values(scalars, "sweep")
        check.check_holdout_seed(v)
        check.check_every_state({**v, "train_size": (values.get("training") or {}).get("train_size")
                                 if isinstance(values.get("training"), dict) else None})
        system = _system(values.get("system"), base_dir)
        holdout_text = v.get("holdout")
        if not holdout_text:
            raise UserError("a sweep needs held-out states: --holdout 'A=1&C=1', 'random-3' or a list like "
                            "'1,0,1,0,1' (holdout = ... in an experiment file)")
        holdout = HeldOut.parse(holdout_text, system, seed=v.get("holdout_seed", 0))
        training = values.get("training") or {}
        if not isinstance(training, dict):
            raise UserError("[training] must be a table of training settings")
        training = {declared.RENAMED.get(k, k): value for k, value in training.items()}
        wrong = [k for k in training if k not in CONFIG_FIELDS and k not in SIZE_KEYS]
        if wrong:
            raise UserError(f"[training]: unknown setting {wrong[0]!r} (settings: "
                            f"{', '.join((*CONFIG_FIELDS, *SIZE_KEYS))})")
        if "seed" in training:
            raise UserError(check.not_applicable("seed", "sweep"))
        training = check.check_values(training, "sweep", where="[training]")
        sizes = {split: training.pop(f"{split}_size", n) for split, n in data.DEFAULT_SIZES.items()}
        config = TrainingConfig.from_settings(training)
        grid_value = values.get("grid")
        grid = {}
        if grid_value:
            grid = grid_mod.parse_axes(grid_value) if isinstance(grid_value, str) else grid_mod.check_axes(grid_value)
        name = v.get("name") or default_name(holdout, bool(grid))
        if not NAME.match(name):
            raise UserError(f"name {name!r} must be a folder name of letters, digits, '-', '_' or '.' "
                            "(at most 100, not starting with '.', '-' or '_')")
        return cls(name=name, system=system, holdout=holdout, config=config,
                   explicit=frozenset(k for k in SIZE_FIELDS if k in training), sizes=sizes, grid=grid,
                   **{k: v[k] for k in ("seeds", "jobs", "backend", "address", "vary", "every_state") if k in v})

    # -- writing ------------------------------------------------------------
    def values(self) -> dict:
        """Every setting as plain values (what from_values reads back), the
        held-out states as an explicit list and the system inline."""
        training = self.config.settings()
        if "arch" in self.grid:
            # each learner's own default size, unless a size was given
            for key in SIZE_FIELDS:
                if key not in self.explicit:
                    training.pop(key)
        training.pop("seed", None)  # each seed has its own
        for key in self.grid:  # the grid says these, configuration by configuration
            training.pop(key, None)
        training.update({f"{split}_size": n for split, n in self.sizes.items()})
        training = {k: v for k, v in training.items() if v is not None}  # TOML has no None: left out is off
        # What the user wrote, except a random draw: its states, so the file holds them whatever draws them.
        source = self.holdout.source
        holdout = source if source and not source.startswith("random-") else self.holdout.text()
        values = {"name": self.name, "holdout": holdout, "seeds": self.seeds, "jobs": self.jobs,
                  "backend": self.backend, "vary": self.vary, "system": _system_table(self.system),
                  "training": training}
        if self.address:
            values["address"] = self.address
        if self.every_state:
            values["every_state"] = True
            values["training"].pop("train_size", None)
        if self.grid:
            values["grid"] = self.grid
        return values

    def to_toml(self, version: str = "") -> str:
        import tomli_w

        when = datetime.now(timezone.utc).isoformat(timespec="seconds")
        head = (f"# Sweep {self.name} as it ran ({'causal-tui ' + version + ', ' if version else ''}{when}).\n"
                "# `causal-tui sweep THIS_FILE` runs it again: finished seeds are kept, missing ones trained.\n")
        return head + tomli_w.dumps(self.values())


def read_file(path: Path) -> dict:
    """An experiment file's values; UserError if it cannot be read or is not TOML."""
    path = Path(path)
    text = records.read_text(path, limit=MAX_FILE, what="experiment file")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"{path}: not valid TOML: {e}") from None
    except RecursionError:
        raise UserError(f"{path}: nested too deeply to be an experiment file") from None


def merge(file_values: dict, flags: dict) -> tuple[dict, list[str]]:
    """The file's values with the flags given on top; one line per value a flag replaced."""
    merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in file_values.items()}
    said = []
    for key, value in flags.items():
        if key in ("training", "grid"):
            table = merged.setdefault(key, {})
            if not isinstance(table, dict):
                continue
            for k, v in value.items():
                if k in table and table[k] != v:
                    said.append(f"--{k.replace('_', '-')} {v} overrides the file's {key}.{k} = {table[k]!r}")
                table[k] = v
        else:
            if key in merged and merged[key] != value and key != "system":
                said.append(f"--{key.replace('_', '-')} {value} overrides the file's {key} = {merged[key]!r}")
            elif key == "system" and "system" in merged:
                said.append(f"--system {value} overrides the file's system")
            merged[key] = value
    return merged, said


def _system(value, base_dir: Path | None) -> System:
    """A bundled name, a path (relative to the experiment file), or an inline table."""
    if value is None:
        return catalog.SEED
    if isinstance(value, dict):
        import tomli_w

        try:
            text = tomli_w.dumps(value)
        except TypeError as e:
            raise UserError(f"[system] holds a value TOML cannot write ({e})") from None
        system = reader.parse(text, "[system]", default_name=str(value.get("name", "custom")))
        # A bundled system written out inline is that system again (with its own TOML text).
        return next((b for b in map(catalog.bundled, catalog.bundled_names()) if b == system and b.name == system.name),
                    system)
    if not isinstance(value, str):
        raise UserError("system must be a bundled name, a path or a [system] table")
    if value not in catalog.bundled_names() and base_dir is not None and (base_dir / value).exists():
        return catalog.load(base_dir / value)
    return catalog.load(value)


def _system_table(system: System) -> dict:
    summary = system.summary()
    return {k: summary[k] for k in ("name", "description", "inputs", "equations", "sums")}
