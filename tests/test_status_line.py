"""The status line at the top of every screen fits 80 columns without losing the verdict."""

from causal_tui.systems.catalog import SEED
from causal_tui.data import dataset as data
from causal_tui.systems.holdout import HeldOut
from causal_tui.tui.session import Session
from causal_tui.tui.widgets.status_line import describe

OMIT = HeldOut.parse_list("1,0,1,0,1", SEED)


def _session(model_omitted: list[str]) -> Session:
    ds = data.Dataset(splits={"train": [(0,) * 5] * 20000, "valid": [(0,) * 5] * 2000, "test": [(0,) * 5] * 2000},
                      omitted=OMIT)
    manifest = {"dataset": {"omitted": model_omitted}, "probe": {"trained_exact": [31, 31]},
                "trained_at": "2026-11-24T06:01:33"}
    session = Session()
    session.data.dataset, session.model.manifest = ds, manifest
    return session


def test_full_line_names_everything():
    text = describe(_session(["1,0,1,0,1"])).plain
    assert "20,000/2,000/2,000" in text and "2026-11-24 06:01" in text
    assert text.count("omit 1,0,1,0,1") == 2 and "exact 31/31" in text


def test_compact_line_fits_80_columns_and_keeps_the_verdict():
    text = describe(_session(["1,0,1,0,1"]), compact=True)
    assert text.cell_len <= 80, text.plain
    assert "20k/2k/2k" in text.plain and "same omit" in text.plain and text.plain.rstrip().endswith("exact 31/31")


def test_compact_line_says_when_the_model_was_trained_on_another_holdout():
    text = describe(_session(["0,0,0,0,0", "1,1,1,1,1"]), compact=True).plain
    assert "same omit" not in text and "omit 2 states" in text
