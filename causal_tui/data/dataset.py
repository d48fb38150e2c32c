"""Dataset generation, JSONL reading and writing, the dataset manifest."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from causal_tui.errors import UserError
from causal_tui.store import atomic, locks, records
from causal_tui.systems.catalog import SEED, from_manifest, manifest_entry
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import State, System

SPLITS: tuple[str, ...] = ("train", "valid", "test")
DEFAULT_SIZES: dict[str, int] = {"train": 20_000, "valid": 2_000, "test": 2_000}
DEFAULT_SEED = 42
# The original project named its validation split validation.jsonl.
SPLIT_ALIASES: dict[str, tuple[str, ...]] = {"valid": ("validation",)}
MANIFEST = "manifest.json"
DEFAULT_DIR = Path("dataset")
MARKS = (MANIFEST, ".gitkeep", *(f"{name}.jsonl" for name in ("train", "valid", "validation", "test")))
"""Files that make a folder a dataset folder (one of them must be there before it is replaced)."""


def format_line(state: State, system: System) -> str:
    """One JSONL line (without newline), key order prompt then completion."""
    return json.dumps({"prompt": system.prompt(state), "completion": system.completion(state)})


@dataclass
class Dataset:
    """The three splits as lists of input states, and how they were made."""

    splits: dict[str, list[State]]
    omitted: HeldOut
    """The states in none of the splits (they carry the system the lines follow)."""
    seed: int | None = None
    folder: Path | None = None
    manifest: dict | None = field(default=None, repr=False)
    every_state: bool = False
    """The training split is every trained state once (not a draw with replacement)."""

    @property
    def system(self) -> System:
        """The causal system the lines follow."""
        return self.omitted.system

    @property
    def sizes(self) -> dict[str, int]:
        return {name: len(states) for name, states in self.splits.items()}

    def counts(self, split: str) -> dict[State, int]:
        """How often each state occurs in a split (0 included)."""
        c = Counter(self.splits[split])
        return {s: c.get(s, 0) for s in self.system.all_states}

    @property
    def trained_states(self) -> tuple[State, ...]:
        return self.omitted.trained()

    def build_manifest(self) -> dict:
        fmt = self.system.format_state
        return {
            "format": records.FORMATS["dataset"],
            "seed": self.seed,
            "sizes": self.sizes,
            "omitted": self.omitted.labels(),
            "holdout": self.omitted.source,
            "system": manifest_entry(self.system),
            "distinct": {split: len(set(states)) for split, states in self.splits.items()},
            "every_state": self.every_state,
            "counts": {
                split: {fmt(s): n for s, n in self.counts(split).items()}
                for split in self.splits
            },
        }


def check_sizes(sizes: dict[str, int]) -> None:
    for name, n in sizes.items():
        if not isinstance(n, int) or n < 1:
            raise UserError(f"--{name}-size must be a positive whole number, got {n!r}")


def generate(omitted: HeldOut, seed: int = DEFAULT_SEED, sizes: dict[str, int] | None = None,
             every_state: bool = False) -> Dataset:
    """Draw every line uniformly from the states not omitted (of the system
    `omitted` belongs to). Deterministic in seed. With `every_state`, the
    training split is every trained state once, shuffled (as Abbe et al.
    train), whatever its size says."""
    sizes = {**DEFAULT_SIZES, **(sizes or {})}
    allowed = list(omitted.trained())
    if not allowed:
        raise UserError("every state is omitted: nothing would be left to train on")
    if every_state:
        sizes["train"] = len(allowed)
    check_sizes(sizes)
    rng = random.Random(seed)
    splits = {name: rng.choices(allowed, k=sizes[name]) for name in SPLITS}
    if every_state:
        splits["train"] = list(allowed)
        rng.shuffle(splits["train"])
    return Dataset(splits=splits, omitted=omitted, seed=seed, every_state=every_state)


def write(dataset: Dataset, folder: Path = DEFAULT_DIR) -> Path:
    """Replace `folder` with the dataset's JSONL files and manifest, atomically as a whole."""
    folder = Path(folder)
    manifest = dataset.build_manifest()
    try:
        with atomic.replace_dir(folder, keep_extra=True, marks=MARKS) as staging:
            for name, states in dataset.splits.items():
                lines = _lines_for(states, dataset.system)
                (staging / f"{name}.jsonl").write_text(lines, encoding="utf-8")
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    except OSError as e:
        raise UserError(f"cannot write the dataset to {folder}/: {e.strerror or e}") from None
    dataset.folder, dataset.manifest = folder, manifest
    return folder


def regenerate(folder: Path, omitted: HeldOut, seed: int = DEFAULT_SEED, sizes: dict[str, int] | None = None,
               lock: bool = True, every_state: bool = False) -> Dataset:
    """Generate a dataset and write it to `folder`: what `--generate`, the
    dashboard's regeneration and a training on a new holdout all do. Holds
    the folder's lock unless the caller already does (`lock=False`)."""
    dataset = generate(omitted, seed=seed, sizes=sizes, every_state=every_state)
    if lock:
        with locks.writing(folder):
            write(dataset, folder)
    else:
        write(dataset, folder)
    return dataset


def ensure(folder: Path, held_out: HeldOut, seed: int, sizes: dict[str, int], may_regenerate: bool = True,
           given: frozenset[str] = frozenset(), every_state: bool = False) -> tuple[Dataset, str | None]:
    """dataset/ for a training: loaded as it is, or generated first where it is
    absent. With `may_regenerate`, it is also regenerated where the system,
    held-out states, seed or sizes asked for differ from the files. Without,
    the files are used as they are, and a difference in what was `given`
    ("system", "held_out", "seed", "sizes") is refused in one line. Returns
    the dataset and why it was generated (None where it was loaded). The
    caller holds the folder's lock (so it may finish a swap a crash interrupted)."""
    folder = Path(folder)
    atomic.recover(folder)
    current = load(folder) if exists(folder) else None
    if current is None:
        return (regenerate(folder, held_out, seed=seed, sizes=sizes, lock=False, every_state=every_state),
                f"{folder}/ has no dataset")
    if every_state:
        sizes = {**sizes, "train": len(held_out.trained())}
    asked = {"system": held_out.system, "held_out": held_out, "seed": seed, "sizes": sizes,
             "every_state": every_state}
    found = {"system": current.system, "held_out": current.omitted, "seed": current.seed, "sizes": current.sizes,
             "every_state": bool((current.manifest or {}).get("every_state"))}
    changed = [k for k in asked if asked[k] != found[k] and (may_regenerate or k in given)]
    if not changed:
        return current, None
    if not may_regenerate and "system" in changed:
        system = held_out.system
        raise UserError(f"{folder}/ holds a dataset of the {current.system.label()} system, not of "
                        f"{system.label()} asked for with --system: generate one with "
                        f"`causal-experiment --generate --system {system.name}`")
    if not may_regenerate:
        words = ", ".join(k.replace("_", "-") for k in changed)
        raise UserError(f"{folder}/ holds another {words} than asked for: write the dataset first with "
                        f"`causal-experiment --generate` and the same flags")
    names = {"held_out": "omitted"}
    reason = f"the {', '.join(names.get(k, k) for k in changed)} asked for differ from {folder}/"
    return regenerate(folder, held_out, seed=seed, sizes=sizes, lock=False, every_state=every_state), reason


def _lines_for(states: list[State], system: System) -> str:
    # One json.dumps per distinct state, not per line: 20,000 lines in a few ms.
    cache = {s: format_line(s, system) + "\n" for s in set(states)}
    return "".join(cache[s] for s in states)


def split_path(folder: Path, split: str) -> Path | None:
    """The file holding a split, accepting the original project's names."""
    for name in (split, *SPLIT_ALIASES.get(split, ())):
        p = Path(folder) / f"{name}.jsonl"
        if p.exists():
            return p
    return None


def read_split(path: Path, system: System) -> list[State]:
    """Parse and check one JSONL file; UserError names the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
    expected = {system.prompt(s): (s, system.completion(s)) for s in system.all_states}
    # Lines exactly as this project and the original write them: a dict lookup
    # instead of a JSON parse (20,000 lines in a few ms). Anything else is parsed.
    canonical = {format_line(s, system): s for s in system.all_states}
    states: list[State] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        known = canonical.get(line)
        if known is not None:
            states.append(known)
            continue
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise UserError(f"{where}: not valid JSON ({e.msg}); was the file cut short?") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("prompt"), str) or not isinstance(obj.get("completion"), str):
            raise UserError(f'{where}: expected an object with string "prompt" and "completion"')
        if obj["prompt"] not in expected:
            try:
                system.parse_state(obj["prompt"])
            except ValueError as e:
                raise UserError(f"{where}: bad prompt for the {system.name} system: {e}") from None
        state, want = expected[obj["prompt"]]
        if obj["completion"] != want:
            raise UserError(
                f"{where}: completion {obj['completion']!r} contradicts the {system.name} system's rules "
                f"for {obj['prompt']} (expected {want!r})"
            )
        states.append(state)
    if not states:
        raise UserError(f"{path} holds no examples")
    return states


def load(folder: Path = DEFAULT_DIR) -> Dataset:
    """Load the three splits; the manifest if present, else omissions inferred
    as the states that occur in no split (files from the original project)."""
    folder = Path(folder)
    manifest, system = read_manifest(folder)
    splits = {}
    for split in SPLITS:
        p = split_path(folder, split)
        if p is None:
            raise UserError(f"{folder}/{split}.jsonl is missing: run `causal-experiment --generate` first")
        splits[split] = read_split(p, system)
    if manifest is not None:
        try:
            omitted = HeldOut.from_labels(manifest["omitted"], system, manifest.get("holdout"))
            seed = manifest.get("seed")
        except (KeyError, TypeError, ValueError, UserError) as e:
            raise UserError(f"{folder / MANIFEST} is corrupt ({e}): regenerate with `causal-experiment --generate`") \
                from None
    else:
        seen = set().union(*map(set, splits.values()))
        omitted = HeldOut((s for s in system.all_states if s not in seen), system)
        seed = None
    return Dataset(splits=splits, omitted=omitted, seed=seed, folder=folder, manifest=manifest,
                   every_state=bool((manifest or {}).get("every_state")))


def read_manifest(folder: Path) -> tuple[dict | None, System]:
    """The dataset's manifest (None if it has none) and its system: the one it
    records, or the seed's for files written before systems were recorded."""
    mpath = Path(folder) / MANIFEST
    if not mpath.exists():
        return None, SEED
    try:
        manifest = records.read(mpath, "dataset")
        return manifest, from_manifest(manifest.get("system"))
    except (AttributeError, KeyError, TypeError, ValueError, UserError) as e:
        raise UserError(f"{mpath} is corrupt ({e}): regenerate with `causal-experiment --generate`") from None


def exists(folder: Path = DEFAULT_DIR) -> bool:
    """Whether any split file is there: a folder with some but not all of them
    is a broken dataset to report, not an absent one to generate."""
    return any(split_path(folder, s) is not None for s in SPLITS)


def summary(dataset: Dataset) -> str:
    """A short human summary of what a dataset holds."""
    sizes = ", ".join(f"{n:,} {name}" for name, n in dataset.sizes.items())
    held = dataset.omitted
    # "; " between states: a line wraps between two states, never inside one.
    omitted = (held.text().replace(";", "; ") if len(held) <= 8 else f"{held.described} ({len(held):,} states)") or "none"
    if len(dataset.system.all_states) > 256:  # a sample of a large cube: how much of it the training saw
        trained = len(dataset.system.all_states) - len(held)
        sizes += f" ({len(set(dataset.splits['train'])):,} of the {trained:,} trained states)"
    seed = "" if dataset.seed is None else f", seed {dataset.seed}"
    system = "" if dataset.system == SEED else f"system {dataset.system.name}, "
    return f"{system}{sizes} lines{seed}; omitted: {omitted}"
