"""`--precision auto`, measured: bf16 is used only where it is worth it here.

Where the hardware has bfloat16 units (AVX512-BF16 or AMX on a CPU, or a GPU
that supports it), a short calibration times a few dozen training steps of
the seed's model (GPT-2 128/4/4, batch 16) in fp32 and under bf16 autocast,
interleaved; auto picks bf16 only where it takes at most THRESHOLD of fp32's
step time. What bf16 buys differs between machines of one kind (0.76 of fp32
on one AMD EPYC, 0.97 on an Intel Xeon with AMX): a measure, not a CPU flag.

The measured ratio is cached in the user's cache folder ($CAUSAL_TUI_CACHE_DIR,
else $XDG_CACHE_HOME/causal-tui, else ~/.cache/causal-tui), keyed by the CPU
model or GPU name, the torch version and the threads used, so it runs once
per machine and torch version."""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

from causal_tui.store import atomic, provenance
from causal_tui.training.precision import CHOICES, cpu_has_bf16, cuda_has_bf16

THRESHOLD = 0.90
"""bf16 is chosen where its step takes at most this share of fp32's (10% faster)."""
STEPS, WARMUP, ROUNDS = 8, 2, 3
"""Steps timed per precision and round, after warm-up steps, in interleaved rounds."""
CACHE_FILE = "precision.json"


@dataclass(frozen=True)
class Choice:
    """Which precision a training uses, and why."""

    asked: str
    used: str
    bf16_over_fp32: float | None
    """The measured step time of bf16 over fp32's (None where nothing was measured)."""
    source: str
    """'asked' (fp32 or bf16 given), 'no bf16 units', 'measured' or 'cached'."""
    key: str | None = None

    def text(self) -> str:
        """One line for the command line and the logs."""
        if self.source == "asked":
            return f"precision {self.used} (--precision {self.used}; the default is fp32)"
        if self.source == "no bf16 units":
            return "precision fp32 (auto: this machine has no bfloat16 units)"
        verdict = "at most" if self.used == "bf16" else "more than"
        return (f"precision {self.used} (auto: bf16 took {self.bf16_over_fp32:.2f} of fp32's step time here, "
                f"{verdict} {THRESHOLD:.2f}; {self.source})")

    def record(self) -> dict:
        return asdict(self)


def cache_dir() -> Path:
    if os.environ.get("CAUSAL_TUI_CACHE_DIR"):
        return Path(os.environ["CAUSAL_TUI_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "causal-tui"


def machine_key(device: str) -> str:
    """What the ratio depends on: the device's name, torch's version, the threads."""
    import torch

    if device == "cuda":
        name = torch.cuda.get_device_name(0)
    else:
        name = provenance.cpu()["name"]
    return f"{device}: {name} | torch {torch.__version__} | {torch.get_num_threads()} threads"


def resolve(requested: str) -> str:
    """'auto' -> 'bf16' or 'fp32' for this machine (measured once, cached);
    the others as they are."""
    if requested not in CHOICES:
        raise ValueError(f"precision must be one of {', '.join(CHOICES)}, got {requested!r}")
    return choose(requested).used


def choose(asked: str, device: str | None = None, measure: Callable[[str], float] | None = None) -> Choice:
    """The precision for a training asked to run in `asked` (auto, fp32 or bf16)."""
    if asked != "auto":
        return Choice(asked, asked, None, "asked")
    import torch

    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if not (cuda_has_bf16() if device == "cuda" else cpu_has_bf16()):
        return Choice("auto", "fp32", None, "no bf16 units")
    key = machine_key(device)
    ratio, source = cached_ratio(key, lambda: (measure or measure_ratio)(device))
    return Choice("auto", "bf16" if ratio <= THRESHOLD else "fp32", round(ratio, 3), source, key)


def cached_ratio(key: str, measure: Callable[[], float]) -> tuple[float, str]:
    """The cached ratio for `key`, else measured now and cached. A cache that
    cannot be read or written is measured around, never a reason to fail."""
    path = cache_dir() / CACHE_FILE
    try:
        cache = json.loads(path.read_text())
        if not isinstance(cache, dict):
            cache = {}
    except (OSError, ValueError):
        cache = {}
    entry = cache.get(key)
    if isinstance(entry, dict) and isinstance(entry.get("bf16_over_fp32"), (int, float)):
        return float(entry["bf16_over_fp32"]), "cached"
    ratio = measure()
    cache[key] = {"bf16_over_fp32": round(ratio, 4), "measured_at": provenance.now(),
                  "steps": STEPS * ROUNDS}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(path, json.dumps(cache, indent=1) + "\n")
    except OSError:
        pass
    return ratio, "measured"


def measure_ratio(device: str = "cpu", steps: int = STEPS, warmup: int = WARMUP, rounds: int = ROUNDS) -> float:
    """bf16 autocast's training step time over fp32's, for the seed's model on
    this device: interleaved rounds, the median of each precision's."""
    import torch

    from causal_tui.data import tokenizer as tok_mod
    from causal_tui.learners import registry
    from causal_tui.systems.catalog import SEED
    from causal_tui.training.config import TrainingConfig

    torch.manual_seed(0)
    tok = tok_mod.build(SEED)
    model = registry.build("gpt2", TrainingConfig(), tok, SEED).to(device)
    ids = torch.randint(3, len(tok), (16, SEED.sequence_length), device=device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    model.train()

    def timed(bf16: bool) -> float:
        context = torch.autocast(device, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
        for i in range(warmup + steps):
            if i == warmup:
                if device == "cuda":
                    torch.cuda.synchronize()
                start = time.perf_counter()
            with context:
                loss = model(input_ids=ids, labels=ids).loss
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        if device == "cuda":
            torch.cuda.synchronize()
        return (time.perf_counter() - start) / steps

    fp32, bf16 = [], []
    for _ in range(rounds):
        fp32.append(timed(False))
        bf16.append(timed(True))
    return statistics.median(bf16) / statistics.median(fp32)
