"""Which precision a training uses: fp32, or bfloat16 autocast where the hardware has it.

`auto` picks bf16 where the hardware has bfloat16 units (AVX512-BF16 or AMX,
or a CUDA device that supports it) and a short calibration shows it at least
10% faster here (calibration.py, which also resolves `auto`), fp32 elsewhere. Training in bf16 uses
the Trainer's own `bf16=True` (torch.autocast; the weights stay fp32); the
model remembers it (learners/runtime.py)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from causal_tui.settings.declared import PRECISIONS as CHOICES  # noqa: F401  (declared once; read from here)


@lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """AVX512-BF16 or AMX (bf16 tiles), from /proc/cpuinfo's flags (Linux)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    flags = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[1].split())
            break
    return "avx512_bf16" in flags or "amx_bf16" in flags


def cuda_has_bf16() -> bool:
    import torch

    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
