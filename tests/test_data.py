"""Dataset generation, omission, determinism, loading, and bad input."""

import json

import pytest

from causal_tui.data import dataset as data
from causal_tui.errors import UserError
from causal_tui.store import locks
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut

SMALL = {"train": 500, "valid": 50, "test": 50}


def test_generated_lines_have_the_seed_format_and_the_truth(tmp_path):
    ds = data.generate(HeldOut((), SEED), seed=1, sizes=SMALL)
    data.write(ds, tmp_path)
    for split in data.SPLITS:
        lines = (tmp_path / f"{split}.jsonl").read_text().splitlines()
        assert len(lines) == SMALL[split]
        for line in lines:
            obj = json.loads(line)
            assert list(obj) == ["prompt", "completion"]
            state = SEED.parse_state(obj["prompt"])
            assert obj["completion"] == SEED.completion(state)
            assert line == json.dumps(obj)


def test_omitted_states_appear_in_no_split(tmp_path):
    omit = HeldOut.parse_list("1,1,1,1,1;0,0,0,0,0", SEED)
    data.write(data.generate(omit, seed=3, sizes=SMALL), tmp_path)
    for split in data.SPLITS:
        text = (tmp_path / f"{split}.jsonl").read_text()
        assert '"1,1,1,1,1"' not in text and '"0,0,0,0,0"' not in text
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["omitted"] == ["0,0,0,0,0", "1,1,1,1,1"]
    assert manifest["counts"]["train"]["1,1,1,1,1"] == 0
    assert sum(manifest["counts"]["train"].values()) == SMALL["train"]
    # Every other state does occur with 500 draws over 30 states.
    assert all(n > 0 for s, n in manifest["counts"]["train"].items() if s not in manifest["omitted"])


def test_same_seed_gives_byte_identical_files(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    data.write(data.generate(HeldOut((), SEED), seed=7, sizes=SMALL), a)
    data.write(data.generate(HeldOut((), SEED), seed=7, sizes=SMALL), b)
    data.write(data.generate(HeldOut((), SEED), seed=8, sizes=SMALL), c)
    for name in ["train.jsonl", "valid.jsonl", "test.jsonl", "manifest.json"]:
        assert (a / name).read_bytes() == (b / name).read_bytes()
    assert (a / "train.jsonl").read_bytes() != (c / "train.jsonl").read_bytes()


def test_load_round_trip(tmp_path):
    ds = data.generate(HeldOut.parse_list("1,0,1,0,1", SEED), seed=5, sizes=SMALL)
    data.write(ds, tmp_path)
    loaded = data.load(tmp_path)
    assert loaded.splits == ds.splits
    assert loaded.omitted == ((1, 0, 1, 0, 1),)
    assert loaded.seed == 5


def test_write_keeps_other_files_and_folders_in_the_folder(tmp_path):
    folder = tmp_path / "dataset"
    data.write(data.generate(HeldOut((), SEED), seed=1, sizes=SMALL), folder)
    (folder / "notes.txt").write_text("mine")
    (folder / "mine" / "deeper").mkdir(parents=True)
    (folder / "mine" / "deeper" / "plot.png").write_bytes(b"\x89PNG")
    data.write(data.generate(HeldOut.parse_list("1,1,1,1,1", SEED), seed=2, sizes=SMALL), folder)
    assert (folder / "notes.txt").read_text() == "mine"
    assert (folder / "mine" / "deeper" / "plot.png").read_bytes() == b"\x89PNG"
    assert data.load(folder).omitted == ((1, 1, 1, 1, 1),)
    assert not list(tmp_path.glob(".dataset*"))


def test_a_target_that_is_not_a_folder_the_tool_made_is_refused_and_untouched(tmp_path):
    import os

    dataset = data.generate(HeldOut((), SEED), seed=1, sizes=SMALL)
    a_file = tmp_path / "file"
    a_file.write_text("precious")
    link = tmp_path / "link"
    os.symlink(tmp_path / "elsewhere", link)
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "thesis.tex").write_text("chapter 1")
    for target, fragment in ((a_file, "is not a folder"), (link, "is a symbolic link"),
                             (theirs, "did not write there")):
        with pytest.raises(UserError, match=fragment):
            data.write(dataset, target)
    assert a_file.read_text() == "precious" and os.readlink(link) == str(tmp_path / "elsewhere")
    assert [p.name for p in theirs.iterdir()] == ["thesis.tex"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "link", "theirs"]  # no staging left


def test_duplicate_omit_entry_counts_once():
    assert HeldOut.parse_list("1,1,1,1,1;1,1,1,1,1", SEED) == ((1, 1, 1, 1, 1),)


@pytest.mark.parametrize("text, fragment", [
    ("1,1,1,1", "'1,1,1,1' has 4 values"),
    ("1,1,1,1,1,0", "has 6 values"),
    ("1,1,1,1,2", "'2' is not 0 or 1"),
    ("1,1,a,1,1", "'a' is not 0 or 1"),
    ("1,1,1,1,1;", "entry 2 is empty"),
    (";0,0,0,0,0", "entry 1 is empty"),
    ("1, 1,1,1,1", "' 1' is not 0 or 1"),
    (HeldOut(SEED.all_states, SEED).text(), "all 32 states"),
])
def test_bad_omit_lists_name_the_problem(text, fragment):
    with pytest.raises(UserError, match=None) as e:
        HeldOut.parse_list(text, SEED)
    assert fragment in str(e.value)
    assert "\n" not in str(e.value)


def test_loads_the_original_projects_files(upstream):
    ds = data.load(upstream)
    assert ds.sizes == {"train": 20_000, "valid": 2_000, "test": 2_000}
    assert ds.omitted == ()
    assert ds.manifest is None


@pytest.mark.parametrize("content, fragment", [
    ('{"prompt": "0,1,1,1,0", "completion": "\\n1,0,0,0\\n3 - 1\\n"}\n{"prompt": "0,1,1', "train.jsonl:2: not valid JSON"),
    ('{"prompt": "0,1,1,1,0"}\n', "train.jsonl:1: expected an object"),
    ('[1, 2]\n', "train.jsonl:1: expected an object"),
    ('{"prompt": "0,1,1,1,0", "completion": "\\n1,0,0,0\\n3 - 2\\n"}\n', "train.jsonl:1: completion"),
    ('{"prompt": "0,1,1,1", "completion": "\\n1,0,0,0\\n3 - 1\\n"}\n', "train.jsonl:1: bad prompt"),
    ("", "holds no examples"),
])
def test_malformed_files_are_reported_with_file_and_line(tmp_path, content, fragment):
    data.write(data.generate(HeldOut((), SEED), seed=1, sizes=SMALL), tmp_path)
    (tmp_path / "train.jsonl").write_text(content)
    with pytest.raises(UserError) as e:
        data.load(tmp_path)
    assert fragment in str(e.value)


def test_missing_split_says_how_to_make_it(tmp_path):
    with pytest.raises(UserError, match="--generate"):
        data.load(tmp_path)


def test_interrupted_swap_is_recovered(tmp_path):
    folder = tmp_path / "dataset"
    data.write(data.generate(HeldOut((), SEED), seed=1, sizes=SMALL), folder)
    before = (folder / "train.jsonl").read_bytes()
    # What the two-rename fallback leaves if killed between its renames.
    folder.rename(tmp_path / ".dataset.backup-123")
    # A reader changes nothing: it says the files are missing.
    with pytest.raises(UserError):
        data.load(folder)
    assert not folder.exists() and (tmp_path / ".dataset.backup-123").exists()
    # The next writer, under the folder's lock, puts the old version back and uses it.
    with locks.writing(folder):
        dataset, why = data.ensure(folder, HeldOut((), SEED), 1, dict(SMALL), may_regenerate=False)
    assert why is None and dataset.splits["train"] == data.generate(HeldOut((), SEED), seed=1, sizes=SMALL).splits["train"]
    assert (folder / "train.jsonl").read_bytes() == before
