"""Shared fixtures. Every test runs offline (no hub) in its own folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

FIXTURES = Path(__file__).parent / "fixtures"
# A copy of the original project's published dataset (see its README.md).
UPSTREAM = FIXTURES / "upstream-dataset"


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    """A fresh current folder, so default paths (dataset/, out/, logs/) land there."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def snapshot_files(folder: Path) -> dict[str, bytes]:
    """Every file below a folder with its bytes, to prove nothing changed."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*")) if p.is_file()}


@pytest.fixture
def upstream() -> Path:
    """The original project's published dataset, as it wrote it."""
    return UPSTREAM
