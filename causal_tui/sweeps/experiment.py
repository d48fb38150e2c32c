"""A sweep as a value (Experiment), read from an experiment file and written
back, fully resolved, beside the sweep's results (out/sweeps/<name>/experiment.toml):
running that file again reproduces the sweep, and resumes it.

    name = "A1_C1-lr"              # optional: the sweep's folder name
    system = "seed"                # a bundled name, a path, or an inline [system] table
    holdout = "A=1&C=1"
    seeds = 10
    jobs = 2
    backend = "local"
    [training]                     # any training flag by its long name, '-' written '_'
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
from causal_tui.sweeps import grid as grid_mod
from causal_tui.sweeps.grid import Cell
from causal_tui.sweeps.layout import default_name
from causal_tui.systems import catalog, reader
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import System
from causal_tui.training.config import FLAGS, TrainingConfig

FILE = "experiment.toml"
KEYS = ("name", "system", "holdout", "holdout_seed", "seeds", "jobs", "backend", "address", "vary",
        "training", "grid")
SIZE_FLAGS = tuple(f"{split}_size" for split in data.SPLITS)
"""Dataset sizes, read from [training] like the other flags of `causal-tui train`."""
SIZE_FIELDS = ("n_embd", "n_layer", "n_head")
BACKENDS = ("local", "ray")
VARY = ("both", "data", "init")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
DEFAULTS = {"seeds": 10, "jobs": 1, "backend": "local", "holdout_seed": 0, "vary": "both"}


@dataclass
class Experiment:
    """Everything a sweep is: what it trains, on what, how many seeds, where."""

    name: str
    system: System
    holdout: HeldOut
    config: TrainingConfig = field(default_factory=TrainingConfig)
    """The training configuration (a grid's values are applied to it per configuration)."""
    explicit: frozenset[str] = frozenset()
    """Size fields given, which a grid over learners keeps instead of each learner's default size."""
    sizes: dict[str, int] = field(default_factory=lambda: dict(data.DEFAULT_SIZES))
    grid: dict[str, list] = field(default_factory=dict)
    seeds: int = 10
    jobs: int = 1
    backend: str = "local"
    address: str | None = None
    vary: str = "both"
    """What differs between seeds: both the dataset and the initialisation, the data only, or the init only."""

    def cells(self) -> list[Cell]:
        """The configurations: one without a grid, every combination with one."""
        if self.grid:
            return grid_mod.cells(self.grid, self.config, self.explicit)
        return grid_mod.single(self.config)

    # -- reading ------------------------------------------------------------
    @classmethod
    def from_values(cls, values: dict, where: str | None = None, base_dir: Path | None = None) -> "Experiment":
        """An experiment from plain values (an experiment file's, merged with
        flags, or the flags alone); UserError names `where` (the file) and the
        key that is wrong."""
        try:
            return cls._from_values(values, base_dir)
        except UserError as e:
            raise UserError(f"{where}: {e}" if where else str(e)) from None

    @classmethod
    def _from_values(cls, values: dict, base_dir: Path | None) -> "Experiment":
        unknown = [k for k in values if k not in KEYS]
        if unknown:
            raise UserError(f"unknown key {unknown[0]!r} (an experiment has {', '.join(KEYS)})")
        v = {**DEFAULTS, **values}
        for key in ("seeds", "jobs"):
            if not isinstance(v[key], int) or isinstance(v[key], bool) or v[key] < 1:
                raise UserError(f"{key} must be a whole number of at least 1, got {v[key]!r}")
        if v["backend"] not in BACKENDS:
            raise UserError(f"backend must be local or ray, got {v['backend']!r}")
        if v.get("address") is not None and v["backend"] != "ray":
            raise UserError("an address is for the ray backend (--backend ray)")
        if v["vary"] not in VARY:
            raise UserError(f"vary must be both, data or init, got {v['vary']!r}")
        system = _system(v.get("system"), base_dir)
        holdout_text = v.get("holdout")
        if not holdout_text:
            raise UserError("a sweep needs held-out states: --holdout 'A=1&C=1', 'random-3' or a list like "
                            "'1,0,1,0,1' (holdout = ... in an experiment file)")
        if not isinstance(holdout_text, str):
            raise UserError(f"holdout must be a string, got {holdout_text!r}")
        holdout = HeldOut.parse(holdout_text, system, seed=v["holdout_seed"])
        training = dict(v.get("training") or {})
        if not isinstance(training, dict):
            raise UserError("[training] must be a table of training flags")
        sizes = {split: training.pop(f"{split}_size", None) for split in data.SPLITS}
        sizes = {split: n if n is not None else data.DEFAULT_SIZES[split] for split, n in sizes.items()}
        data.check_sizes(sizes)
        config = TrainingConfig.from_flags(training)
        grid = grid_mod.check_axes(v.get("grid") or {}) if v.get("grid") else {}
        name = v.get("name") or default_name(holdout_text, system, "grid" if grid else None)
        if not isinstance(name, str) or not NAME.match(name):
            raise UserError(f"name {name!r} must be a folder name of letters, digits, '-', '_' or '.'")
        return cls(name=name, system=system, holdout=holdout, config=config,
                   explicit=frozenset(k for k in SIZE_FIELDS if k in training), sizes=sizes, grid=grid,
                   seeds=v["seeds"], jobs=v["jobs"], backend=v["backend"], address=v.get("address"), vary=v["vary"])

    # -- writing ------------------------------------------------------------
    def values(self) -> dict:
        """Every setting as plain values (what from_values reads back), the
        held-out states as an explicit list and the system inline."""
        training = self.config.flags()
        if "arch" in self.grid:
            # each learner's own default size, unless a size was given
            for key in SIZE_FIELDS:
                if key not in self.explicit:
                    training.pop(key)
        for key in self.grid:  # the grid says these, configuration by configuration
            config_field = grid_mod.KEYS[key][0]
            training.pop(next(f for f, name in FLAGS.items() if name == config_field), None)
        training.update({f"{split}_size": n for split, n in self.sizes.items()})
        values = {"name": self.name, "holdout": self.holdout.text(), "seeds": self.seeds, "jobs": self.jobs,
                  "backend": self.backend, "vary": self.vary, "system": _system_table(self.system),
                  "training": training}
        if self.address:
            values["address"] = self.address
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
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"no experiment file {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: cannot read it ({getattr(e, 'strerror', None) or e})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"{path}: not valid TOML: {e}") from None


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
