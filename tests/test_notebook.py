"""examples/quickstart.ipynb runs top to bottom, offline, on a kernel of this
environment (a tiny model: CAUSAL_TUI_NOTEBOOK_TINY)."""

import os
import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "quickstart.ipynb"


def test_the_quickstart_notebook_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("CAUSAL_TUI_NOTEBOOK_TINY", "1")
    shutil.copy(NOTEBOOK, tmp_path / NOTEBOOK.name)
    nb = nbformat.read(tmp_path / NOTEBOOK.name, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = {i: cell.get("outputs", []) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"}
    assert all(o.get("output_type") != "error" for out in outputs.values() for o in out)
    text = "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                     for out in outputs.values() for o in out)
    assert "Run(" in text and "held-out exact" in text          # the trained run
    assert "accuracy" in text and "newD" in text                 # the scorecard's per-field table
    assert any("image/png" in o.get("data", {}) for out in outputs.values() for o in out)  # the figure
    assert "'git_commit'" in text or "git_commit" in text        # the provenance
    assert (tmp_path / "out" / "sweeps" / "A1_C1" / "scorecard.json").exists()
    assert os.environ["HF_HUB_OFFLINE"] == "1"
