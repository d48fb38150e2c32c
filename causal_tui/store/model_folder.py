"""The model folder: a standard Hugging Face folder plus our manifest (its
paths, saving it atomically, reading the manifest; loading the model is
learners/loading.py's).

`out/tiny-gpt2-causal/final/` holds `save_pretrained` of model and tokenizer,
`causal-tui.json`, which records what the model was trained on (so the Probe
knows which states were held out for *this* model whatever dataset/ holds
today), and `causal-tui-probe.json`, its probe as it was saved: every state's
completion and each field's probability, with the digest of the weights it
belongs to, so that showing it needs no torch."""

from __future__ import annotations

import json
from pathlib import Path

from causal_tui.errors import UserError
from causal_tui.store import atomic, records
from causal_tui.systems.catalog import from_manifest
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import System

DEFAULT_OUT = Path("out")
RUN_NAME = "tiny-gpt2-causal"
MANIFEST = "causal-tui.json"
PROBE = "causal-tui-probe.json"
MARKS = (MANIFEST, "config.json")
"""Files that make a folder a model folder (one of them must be there before it is replaced)."""


def run_dir(out_dir: Path = DEFAULT_OUT) -> Path:
    """Where checkpoints go."""
    return Path(out_dir) / RUN_NAME


def prepare_run_dir(out_dir: Path = DEFAULT_OUT) -> Path:
    """Create the run folder, or say on one line why it cannot be."""
    folder = run_dir(out_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"cannot write to {folder}/: {e.strerror or e}") from None
    return folder


def final_dir(out_dir: Path = DEFAULT_OUT) -> Path:
    return run_dir(out_dir) / "final"


def system_of(manifest: dict | None) -> System:
    """The system a model was trained on; models from before systems were
    recorded are the seed's."""
    return from_manifest((manifest or {}).get("system"))


def held_out_states(manifest: dict, system: System | None = None) -> HeldOut:
    """The states the model in a folder was trained without, as its manifest says
    (with the text the user wrote for them, where it records it)."""
    system = system or system_of(manifest)
    dataset = manifest.get("dataset") or {}
    try:
        return HeldOut.from_labels(dataset.get("omitted") or [], system, dataset.get("holdout"))
    except (ValueError, TypeError) as e:
        raise UserError(f"the manifest's held-out states are not states of its system ({e})") from None


def save(folder: Path, model, tokenizer, manifest: dict, probe: dict | None = None) -> Path:
    """Replace `folder` atomically: the previous model stays whole until the new
    one is. The manifest (and the probe record, if given) gets the model's digest."""
    try:
        with atomic.replace_dir(folder, marks=MARKS) as staging:
            model.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
            digest = model_digest(staging)
            manifest["model_sha256"] = digest
            manifest.update(records.stamped("manifest", manifest))
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            if probe is not None:
                stamped = records.stamped("probe", {**probe, "model_sha256": digest})
                (staging / PROBE).write_text(json.dumps(stamped) + "\n", encoding="utf-8")
    except OSError as e:
        raise UserError(f"cannot write the model to {folder}/: {e.strerror or e}") from None
    return Path(folder)


def model_digest(folder: Path) -> str:
    """SHA-256 over a model folder's files (weights, config, tokenizer: all but
    our own records), name by name: a few ms for our models. Any change to what
    loads as the model changes it."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted(p for p in Path(folder).iterdir() if p.is_file() and p.name not in (MANIFEST, PROBE)):
        h.update(path.name.encode() + b"\0")
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def read_probe(folder: Path) -> dict | None:
    """The probe saved with the model in `folder`, if it belongs to the model
    there now (its digest matches); None where there is none or it is stale."""
    path = Path(folder) / PROBE
    try:
        record = records.read(path, "probe")
    except UserError:
        return None
    if record.get("model_sha256") != model_digest(folder):
        return None
    return record


def read_manifest(folder: Path) -> dict | None:
    """The manifest alone (no torch import), or None if there is no model.
    Reads only: a folder half-swapped by a crash is put right by the next writer."""
    path = Path(folder) / MANIFEST
    if not path.exists():
        return None
    try:
        manifest = records.read(path, "manifest")
        for key in ("dataset", "config", "metrics", "probe", "system"):
            records.field(manifest, key, dict, str(path))
        return manifest
    except UserError as e:
        raise UserError(f"{e}; retrain with `causal-experiment --train`") from None
