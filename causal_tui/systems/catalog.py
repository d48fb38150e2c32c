"""The systems that come with the tool, loading a system by name or path, and
the entry a manifest records of a system (and reading it back).

`SEED` is the original experiment's system, the default everywhere."""

from __future__ import annotations

import json
import re
from pathlib import Path

from causal_tui.errors import UserError
from causal_tui.systems import reading
from causal_tui.systems.reader import MAX_SOURCE, SystemFileError, parse
from causal_tui.systems.system import System

BUNDLED_DIR = Path(__file__).parent
"""Where the bundled *.toml files live (beside this module)."""


FAMILIES = ("sparse-parity-K-of-N", "majority-N")
"""Systems made by name: the parity of the first K of N inputs, the majority of N."""


def generated(name: str) -> System | None:
    """A system of a generated family by its name ('sparse-parity-2-of-15',
    'majority-9'), None where the name is not one; SystemFileError where its
    numbers are out of range."""
    m = re.fullmatch(r"sparse-parity-(\d+)-of-(\d+)", name)
    if m:
        k, n = int(m.group(1)), int(m.group(2))
        _check_size(name, n)
        if not 1 <= k <= n:
            raise SystemFileError(f"--system {name}: K must be 1 to N")
        inputs = [f"x{i}" for i in range(n)]
        return _generated(name, f"the parity of x0..x{k - 1} of {n} inputs", inputs, " XOR ".join(inputs[:k]))
    m = re.fullmatch(r"majority-(\d+)", name)
    if m:
        n = int(m.group(1))
        _check_size(name, n)
        if n < 2:
            raise SystemFileError(f"--system {name}: a majority needs at least 2 inputs")
        inputs = [f"x{i}" for i in range(n)]
        return _generated(name, f"1 where more than half of {n} inputs are 1", inputs, f"MAJ({', '.join(inputs)})")
    return None


def _generated(name: str, description: str, inputs: list[str], formula: str) -> System:
    """A generated family's system, through the same parser as a system file."""
    source = (f'name = "{name}"\ndescription = "{description}"\n'
              f"inputs = [{', '.join(json.dumps(v) for v in inputs)}]\n"
              f'equations = ["y = {formula}"]\n')
    return parse(source, f"the generated system {name}", default_name=name)


def _check_size(name: str, n: int) -> None:
    from causal_tui.systems.reader import MAX_INPUTS

    if not 1 <= n <= MAX_INPUTS:
        raise SystemFileError(f"--system {name}: {n} inputs; a system has 1 to {MAX_INPUTS} (every state is "
                              "evaluated exactly: 2^16 = 65,536 at most)")


def load(path_or_name: str | Path) -> System:
    """A system from a TOML file, a bundled one by bare name (`seed`, `chain`,
    ...), or one of a generated family (FAMILIES)."""
    text = str(path_or_name)
    if text in bundled_names():
        return bundled(text)
    made = generated(text)
    if made is not None:
        return made
    path = Path(text)
    if not path.exists():
        raise SystemFileError(f"--system {text}: no such file, and no bundled system of that name "
                              f"(bundled: {', '.join(bundled_names())}; generated: {', '.join(FAMILIES)})")
    try:
        source = reading.read_text(path, limit=MAX_SOURCE, what="system file")
    except UserError as e:
        raise SystemFileError(str(e)) from None
    return parse(source, str(path), default_name=path.stem)


def bundled_names() -> list[str]:
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.toml"))


def bundled(name: str) -> System:
    path = BUNDLED_DIR / f"{name}.toml"
    return parse(path.read_text(encoding="utf-8"), f"bundled system {name}", default_name=name)


def from_manifest(entry: dict | None) -> System:
    """The system a manifest records; manifests written before systems existed
    (no entry) are the seed's. UserError if it no longer parses."""
    if not entry:
        return SEED
    source = entry.get("toml")
    if source:
        return parse(source, f"the system recorded in the manifest ({entry.get('name', '?')})")
    lines = [f"name = {_toml_string(entry.get('name', 'custom'))}",
             f"inputs = [{', '.join(map(_toml_string, entry['inputs']))}]",
             f"equations = [{', '.join(map(_toml_string, entry['equations']))}]",
             f"sums = [{', '.join(map(_toml_string, entry.get('sums', [])))}]"]
    return parse("\n".join(lines) + "\n", "the system recorded in the manifest")


def _toml_string(text: str) -> str:
    return json.dumps(text)


def manifest_entry(system: System) -> dict:
    """What a manifest records of a system: the summary plus the TOML it came from."""
    return {**system.summary(), "toml": system.source or None}


SEED: System = bundled("seed")
"""The original experiment's system: five inputs, four equations, two sums."""
