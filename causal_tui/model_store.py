"""The model folder: a standard Hugging Face folder plus our manifest.

`out/tiny-gpt2-causal/final/` holds `save_pretrained` of model and tokenizer
and `causal-tui.json`, which records what the model was trained on, so the
Probe knows which states were held out for *this* model whatever dataset/
holds today."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from . import atomic
from .errors import UserError
from .rules import State, System

DEFAULT_OUT = Path("out")
RUN_NAME = "tiny-gpt2-causal"
MANIFEST = "causal-tui.json"


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


@dataclass
class LoadedModel:
    model: object
    tokenizer: object
    manifest: dict
    folder: Path

    system: System

    @property
    def held_out(self) -> tuple[State, ...]:
        return held_out_states(self.manifest, self.system)


def system_of(manifest: dict | None) -> System:
    """The system a model was trained on; models from before systems were
    recorded are the seed's."""
    from .system_file import from_manifest

    return from_manifest((manifest or {}).get("system"))


def held_out_states(manifest: dict, system: System | None = None) -> tuple[State, ...]:
    system = system or system_of(manifest)
    return tuple(system.parse_state(s) for s in manifest.get("dataset", {}).get("omitted", []))


def save(folder: Path, model, tokenizer, manifest: dict) -> Path:
    """Replace `folder` atomically: the previous model stays whole until the new one is."""
    try:
        with atomic.replace_dir(folder) as staging:
            model.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    except OSError as e:
        raise UserError(f"cannot write the model to {folder}/: {e.strerror or e}") from None
    return Path(folder)


def read_manifest(folder: Path) -> dict | None:
    """The manifest alone (no torch import), or None if there is no model."""
    folder = Path(folder)
    atomic.recover(folder)
    path = folder / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise UserError(f"{path} is unreadable ({e}); retrain with `causal-experiment --train`") from None


def load(folder: Path) -> LoadedModel:
    """Load model, tokenizer and manifest; UserError says what is missing or broken."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"no model at {folder}/: train one with `causal-experiment --train`")
    manifest = read_manifest(folder) or {}
    from transformers import AutoModelForCausalLM

    from . import logs, models, tokenizer as tok_mod

    logs.route_transformers()
    models.register()
    try:
        model = AutoModelForCausalLM.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError, json.JSONDecodeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise UserError(f"cannot load the model in {folder}/: {first}") from None
    try:
        tokenizer = tok_mod.load(folder)
    except (OSError, ValueError, json.JSONDecodeError, TypeError) as e:
        raise UserError(f"cannot load the tokenizer in {folder}/: {str(e).splitlines()[0] if str(e) else e}") from None
    system = system_of(manifest)
    missing = [ch for ch in system.alphabet() if tokenizer.convert_tokens_to_ids(ch) in (None, tokenizer.unk_token_id)]
    if missing or len(tokenizer) > model.config.vocab_size:
        raise UserError(
            f"the tokenizer in {folder}/ does not fit the model "
            f"({len(tokenizer)} tokens for a vocabulary of {model.config.vocab_size}"
            + (f", lacks {missing!r}" if missing else "") + ")"
        )
    model.eval()
    from . import precision

    # Decoded as it was trained: models from before precisions were recorded are fp32.
    precision.mark(model, manifest.get("precision", "fp32"))
    return LoadedModel(model=model, tokenizer=tokenizer, manifest=manifest, folder=folder, system=system)


_cache: dict[str, tuple[float, LoadedModel]] = {}


def load_cached(folder: Path) -> LoadedModel:
    """load(), kept for as long as the folder's manifest is unchanged: the
    dashboard's helper process inspects the same model many times."""
    folder = Path(folder)
    key = str(folder.resolve())
    try:
        stamp = (folder / MANIFEST).stat().st_mtime_ns
    except OSError:
        stamp = -1
    hit = _cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    loaded = load(folder)
    _cache.clear()  # one model at a time is plenty
    _cache[key] = (stamp, loaded)
    return loaded
