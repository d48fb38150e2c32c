"""Causal systems from TOML files: the parser, the checks, and every part of
the tool following the system."""

import hashlib
import itertools
import json
from pathlib import Path

import pytest
from conftest import snapshot_files

from causal_tui.cli.main import experiment_main, tui_main
from causal_tui.data import dataset as data
from causal_tui.data import tokenizer
from causal_tui.learners import loading
from causal_tui.systems import catalog, expressions, reader
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.reader import SystemFileError
from causal_tui.training.encode import encode_split

TINY3 = Path(__file__).parent / "fixtures" / "systems" / "tiny3.toml"


def ev(text: str, **values) -> int:
    return expressions.evaluate(expressions.parse(text), values)


@pytest.mark.parametrize("op, table", [
    ("AND", (0, 0, 0, 1)), ("NAND", (1, 1, 1, 0)), ("OR", (0, 1, 1, 1)), ("NOR", (1, 0, 0, 0)),
    ("XOR", (0, 1, 1, 0)), ("XNOR", (1, 0, 0, 1)), ("IMPLIES", (1, 1, 0, 1)),
])
def test_every_binary_operators_truth_table(op, table):
    # rows: (a, b) = 00, 01, 10, 11
    assert tuple(ev(f"a {op} b", a=a, b=b) for a, b in itertools.product((0, 1), repeat=2)) == table


def test_not_and_constants():
    assert (ev("NOT a", a=0), ev("NOT a", a=1), ev("NOT 0"), ev("NOT NOT 1")) == (1, 0, 1, 1)
    assert ev("1 AND a", a=1) == 1 and ev("0 OR a", a=0) == 0


@pytest.mark.parametrize("text, values, expected", [
    # NOT binds tightest: (NOT a) AND b
    ("NOT a AND b", dict(a=0, b=0), 0),
    # AND before XOR: a XOR (b AND c)
    ("a XOR b AND c", dict(a=1, b=1, c=0), 1),
    # XOR before OR: a OR (b XOR c)
    ("a OR b XOR c", dict(a=0, b=1, c=1), 0),
    # OR before IMPLIES: (a OR b) IMPLIES c
    ("a OR b IMPLIES c", dict(a=1, b=0, c=0), 0),
    # NAND is left-associative: (a NAND b) NAND c = NOT(1) NAND 1 ...
    ("a NAND b NAND c", dict(a=1, b=1, c=1), 1),  # (1 NAND 1)=0, 0 NAND 1 = 1; right-assoc would give 0
    # NOR left-associative: (0 NOR 0) NOR 1 = 1 NOR 1 = 0; right: 0 NOR (0 NOR 1) = 0 NOR 0 = 1
    ("a NOR b NOR c", dict(a=0, b=0, c=1), 0),
    # IMPLIES right-associative: 0 IMPLIES (0 IMPLIES 0) = 1; left: (0 IMPLIES 0) IMPLIES 0 = 0
    ("a IMPLIES b IMPLIES c", dict(a=0, b=0, c=0), 1),
    # XNOR at the XOR level, left to right: (1 XNOR 0) XOR 1 = 0 XOR 1 = 1
    ("a XNOR b XOR c", dict(a=1, b=0, c=1), 1),
    # parentheses win
    ("(a OR b) AND c", dict(a=1, b=0, c=0), 0),
    ("NOT (a AND b)", dict(a=1, b=1), 0),
])
def test_precedence_and_associativity(text, values, expected):
    assert ev(text, **values) == expected


def test_the_bundled_seed_file_is_the_seed_system():
    seed = catalog.bundled("seed")
    assert seed == SEED and seed.inputs == ("A", "B", "C", "D", "E")
    assert seed.fields == ("newA", "newB", "newC", "newD", "sum1", "sum2")
    assert [e.text for e in seed.equations] == ["A XOR C", "NOT D", "B AND E", "A OR newB"]
    assert seed.reads["newD"] == ("newB",) and seed.composed == ("newD", "sum2")


# Digests of what the project wrote before systems became data (commit 6a31f0a):
# generate(omit 1,0,1,0,1;0,0,0,0,0, seed 7, sizes 500/50/20), and the token ids of all 32 states.
BEFORE = {
    "train": "0afba0dfe3c8fa5f344d23be668c16ebaf5c00924a2853fc73aa6b30d767fd2f",
    "valid": "f53bcca15cf22446614e17f0ad8a0a20e3a2abb5f2cb53941878c5c8c8da25d2",
    "test": "fbb2eed01fa32bdee1b56b83d16013cf4653766ecff6df256a0c33aa7e81b943",
    "ids": "beb3a65f4ccfafb1d68506b039348306eb51b1cb1f2a82292014180096ccea93",
    "labels": "b7cb2bbbc769752a582738db0bbf0d4c69bfdb2c30d1a5c7d17f040a4367b503",
}


def test_the_seed_system_writes_the_same_files_and_model_inputs_byte_for_byte(tmp_path):
    ds = data.generate(HeldOut.parse_list("1,0,1,0,1;0,0,0,0,0", catalog.load("seed")), seed=7,
                       sizes={"train": 500, "valid": 50, "test": 20})
    data.write(ds, tmp_path)
    for split in data.SPLITS:
        assert hashlib.sha256((tmp_path / f"{split}.jsonl").read_bytes()).hexdigest() == BEFORE[split], split
    tok = tokenizer.build(SEED)
    ids, labels = encode_split(tok, list(SEED.all_states), SEED)
    assert tuple(ids.shape) == (32, 25)
    assert hashlib.sha256(ids.numpy().tobytes()).hexdigest() == BEFORE["ids"]
    assert hashlib.sha256(labels.numpy().tobytes()).hexdigest() == BEFORE["labels"]
    manifest = json.loads((tmp_path / data.MANIFEST).read_text())
    assert manifest["system"]["name"] == "seed" and manifest["system"]["digest"] == SEED.digest
    assert manifest["system"]["equations"][3] == "newD = A OR newB"


def test_the_original_projects_data_loads_as_the_seed_system(upstream):
    ds = data.load(upstream)
    assert ds.system == SEED and ds.manifest is None


def write_system(tmp_path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return path


BASE = 'inputs = ["A", "B"]\n'


@pytest.mark.parametrize("text, fragment, line, column", [
    (BASE + 'equations = ["y = A ANDD B"]\n', "equation 1 ('y = A ANDD B'), column 7: unexpected 'ANDD'", 2, 21),
    (BASE + 'equations = ["y = A AND (B"]\n', "missing ')'", 2, None),
    (BASE + 'equations = ["y = A AND Z"]\n', "column 11: unknown name 'Z'", 2, 25),
    (BASE + 'equations = ["y = A AND z", "z = B"]\n', "z is defined later (equation 2)", 2, None),
    (BASE + 'equations = ["y = y AND A"]\n', "y reads itself (a cycle)", 2, None),
    (BASE + 'equations = ["y = A", "y = B"]\n', "'y' is already equation 1", 2, None),
    (BASE + 'equations = ["A = B"]\n', "'A' is already input 1", 2, None),
    ('inputs = ["A", "XOR"]\nequations = ["y = A"]\n', "'XOR' is an operator word", 1, None),
    (BASE + 'equations = ["and = A"]\n', "'and' is an operator word", 2, None),
    ('inputs = [' + ",".join(f'"x{i}"' for i in range(17)) + ']\nequations = ["y = x0"]\n',
     '"inputs" has 17 entries; a system has 1 to 16', None, None),
    (BASE + 'equations = [' + ", ".join(f'"y{i} = A"' for i in range(9)) + ']\n', '"equations" has 9 entries', None, None),
    (BASE + 'equations = []\n', 'no "equations"', None, None),
    ('equations = ["y = 1"]\n', 'no "inputs"', None, None),
    (BASE + 'equations = ["y = A"]\nsums = ["s = A + q"]\n', "'q' is unknown", 3, None),
    (BASE + 'equations = ["y = A"]\nsums = ["s = A + A"]\n', "A is added twice", 3, None),
    (BASE + 'equation = ["y = A"]\n', "unknown key 'equation'", None, None),
    ("this is [not toml\n", "not valid TOML", 1, None),
    (BASE + 'equations = ["y A"]\n', "expected 'name = expression'", 2, None),
    ('inputs = ["1A"]\nequations = ["y = 1"]\n', "'1A' is not a name", 1, None),
])
def test_bad_system_files_say_where_in_one_line(tmp_path, text, fragment, line, column):
    path = write_system(tmp_path, text)
    with pytest.raises(SystemFileError) as e:
        catalog.load(path)
    message = str(e.value)
    assert message.startswith(str(path)) and fragment in message and "\n" not in message, message
    if line is not None:
        assert e.value.line == line
    if column is not None:
        assert e.value.column == column


def test_a_bad_system_on_the_command_line_is_one_line_exit_2_and_changes_nothing(workdir, capsys):
    experiment_main(["--generate", "--train-size", "50"])
    before = snapshot_files(workdir)
    path = write_system(workdir, BASE + 'equations = ["y = A AND Z"]\n')
    capsys.readouterr()
    for argv in (["--generate", "--system", str(path)], ["--train", "--system", str(path)],
                 ["--generate", "--system", "nonesuch"]):
        assert experiment_main(argv) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    assert tui_main(["--train-only", "--system", str(path)]) == 2
    assert "unknown name 'Z'" in capsys.readouterr().err
    assert snapshot_files(workdir) == {**before, "bad.toml": path.read_bytes()}


def test_training_on_a_dataset_of_another_system_is_refused_naming_both(workdir, capsys):
    assert experiment_main(["--generate", "--system", "chain", "--train-size", "50"]) == 0
    before = snapshot_files(workdir)
    capsys.readouterr()
    assert experiment_main(["--train", "--system", "seed"]) == 2
    err = capsys.readouterr().err
    assert "chain" in err and "seed" in err and len(err.strip().splitlines()) == 1
    assert snapshot_files(workdir) == before


def test_a_small_three_input_system_trains_until_exact_and_probes_all_8_states(workdir, capsys):
    code = tui_main(["--train-only", "--system", str(TINY3), "--omit", "1,1,0", "--until-perfect",
                     "--epochs", "3", "--lr", "3e-3", "--batch-size", "32", "--n-embd", "32", "--n-layer", "2",
                     "--n-head", "2", "--train-size", "4000", "--valid-size", "64", "--test-size", "16"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Probe: all 8 input states" in out and "every trained state exact" in out
    from causal_tui.store import model_folder

    manifest = model_folder.read_manifest(model_folder.final_dir(workdir / "out"))
    assert manifest["system"]["name"] == "tiny3" and manifest["probe"]["trained_exact"] == [7, 7]
    assert manifest["dataset"]["omitted"] == ["1,1,0"]
    # --test speaks the model's system: three bits, its fields and explanation.
    assert experiment_main(["--test", "1,1,0"]) == 0
    out = capsys.readouterr().out
    assert "y = x OR R" in out and "held out of training" in out
    assert experiment_main(["--test", "1,1,0,1,0"]) == 2
    assert "has 5 values; a state has 3 bits" in capsys.readouterr().err
    # Testing against another system than the model's is refused, naming both.
    assert experiment_main(["--test", "1,1,0", "--system", "seed"]) == 2
    err = capsys.readouterr().err
    assert "tiny3" in err and "seed" in err


def test_an_eight_input_system_generates_trains_briefly_and_probes_all_256_states(workdir, capsys):
    system = catalog.load("parity8")
    assert len(system.all_states) == 256 and system.sequence_length == 33
    code = tui_main(["--train-only", "--system", "parity8", "--max-steps", "20", "--batch-size", "32",
                     "--n-embd", "32", "--n-layer", "1", "--n-head", "2", "--train-size", "1000",
                     "--valid-size", "64", "--test-size", "16", "--omit", "1,1,1,1,1,1,1,1"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Probe: all 256 input states" in out
    ds = data.load(workdir / "dataset")
    assert ds.system == system and len(ds.splits["train"]) == 1000
    from causal_tui.evaluation import probe
    from causal_tui.store import model_folder

    loaded = loading.load(model_folder.final_dir(workdir / "out"))
    report = probe.run(loaded.model, loaded.tokenizer, loaded.system, loaded.held_out)
    assert len(report.states) == 256 and report.held_out == ((1,) * 8,)
    assert set(report.states[0].fields) == set(system.fields)


def test_holdout_conditions_and_guessers_follow_the_system():
    system = catalog.load(TINY3)
    held = HeldOut.parse("P=1&Q=1", system)
    assert held == ((1, 1, 0), (1, 1, 1))
    with pytest.raises(Exception, match="not like P=1"):
        HeldOut.parse("A=1", system)
    unseen = HeldOut(held, system).unseen_labels()
    assert unseen[(1, 1, 1)] == {"n"}  # n = 3 only at 1,1,1
    from causal_tui.science import scorecard

    runs = [{"seed": 0, "predictions": {system.format_state(s): system.truth(s) for s in held}}]
    card = scorecard.build(system, held, runs)
    assert set(card["fields"]) == {"x", "y", "n"} and card["system"]["name"] == "tiny3"
    assert card["fields"]["y"]["own_answers"]["reads"] == ["x"]


def test_two_digit_sums_are_written_and_read_back():
    text = 'inputs = ["A","B","C","D","E","F"]\nequations = ["a = A", "b = B", "c = C", "d = D", "e = E"]\n' \
           'sums = ["all = A + B + C + D + E + F + a + b + c + d + e"]\n'
    system = reader.parse(text)
    top = (1,) * 6
    assert system.completion(top) == "\n1,1,1,1,1\n11\n"
    assert system.read_fields(system.completion(top))["all"] == 11
    assert system.completion_length == len("\n1,1,1,1,1\n11\n")
    assert "9" in system.alphabet() and system.sequence_length == 11 + 14 + 1
    tok = tokenizer.build(system)
    ids, labels = encode_split(tok, [(0,) * 6, top], system)
    assert ids.shape == (2, system.sequence_length)
    assert (labels[0] == -100).sum() == 11 + 1  # prompt + one padding position after the shorter completion


def test_a_dataset_written_before_systems_were_recorded_is_the_seeds(tmp_path):
    ds = data.generate(HeldOut.parse_list("1,0,1,0,1", SEED), seed=3, sizes={"train": 50, "valid": 10, "test": 10})
    data.write(ds, tmp_path)
    manifest = json.loads((tmp_path / data.MANIFEST).read_text())
    manifest.pop("system")
    manifest["rules"] = {"inputs": list("ABCDE")}  # what the first round wrote instead
    (tmp_path / data.MANIFEST).write_text(json.dumps(manifest))
    loaded = data.load(tmp_path)
    assert loaded.system == SEED and loaded.omitted == ((1, 0, 1, 0, 1),)
