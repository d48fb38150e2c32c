"""Loading a saved model folder: the learner (whichever it is, through the
Auto classes), its tokenizer and its manifest, checked against each other."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from causal_tui.errors import UserError
from causal_tui.store import logs
from causal_tui.store.model_folder import MANIFEST, held_out_states, read_manifest, system_of
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import System


@dataclass
class LoadedModel:
    model: object
    tokenizer: object
    manifest: dict
    folder: Path

    system: System

    @property
    def held_out(self) -> HeldOut:
        return held_out_states(self.manifest, self.system)


def load(folder: Path, device: str = "cpu") -> LoadedModel:
    """Load model, tokenizer and manifest; UserError says what is missing or
    broken. `device`: cpu (reading a tiny model is fastest there), cuda, or
    auto (CUDA where torch sees a GPU)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"no model at {folder}/: train one with `causal-experiment --train`")
    manifest = read_manifest(folder) or {}
    from transformers import AutoModelForCausalLM

    from causal_tui.data import tokenizer as tok_mod
    from causal_tui.learners import registry

    logs.route_transformers()
    registry.register_auto()
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
    if device != "cpu":
        import torch

        if device == "cuda" and not torch.cuda.is_available():
            raise UserError("--device cuda: torch sees no CUDA device here (use --device cpu or auto)")
        if torch.cuda.is_available():
            model.to("cuda")
    from causal_tui.learners import runtime

    # Decoded as it was trained: models from before precisions were recorded are fp32.
    runtime.mark(model, manifest.get("precision", "fp32"))
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
