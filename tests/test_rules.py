"""The rules module against an independent formulation of the equations."""

from causal_tui.systems.catalog import SEED


def independent_truth(a, b, c, d, e):
    # Written from the original README, deliberately not using rules.py.
    new_a = 1 if a != c else 0
    new_b = 0 if d else 1
    new_c = 1 if (b and e) else 0
    new_d = 1 if (a or new_b) else 0
    return {"newA": new_a, "newB": new_b, "newC": new_c, "newD": new_d,
            "sum1": a + b + c + d + e, "sum2": new_a + new_b + new_c + new_d}


def test_all_32_states_listed_once():
    assert len(SEED.all_states) == 32
    assert len(set(SEED.all_states)) == 32


def test_truth_matches_independent_formulation_for_every_state():
    for state in SEED.all_states:
        assert SEED.truth(state) == independent_truth(*state), state


def test_completion_matches_independent_format_for_every_state():
    for state in SEED.all_states:
        t = independent_truth(*state)
        want = f"\n{t['newA']},{t['newB']},{t['newC']},{t['newD']}\n{t['sum1']} - {t['sum2']}\n"
        assert SEED.completion(state) == want


def test_seed_example_byte_for_byte():
    state = SEED.parse_state("0,1,1,1,0")
    assert SEED.prompt(state) == "0,1,1,1,0"
    assert SEED.completion(state) == "\n1,0,0,0\n3 - 1\n"


def test_fields_in_completion_order():
    assert SEED.fields == ("newA", "newB", "newC", "newD", "sum1", "sum2")


def test_read_fields_inverts_completion():
    for state in SEED.all_states:
        assert SEED.read_fields(SEED.completion(state)) == SEED.truth(state)


def test_read_fields_marks_garbage_as_none():
    got = SEED.read_fields("\nx,0,0,0\n3 - ")
    assert got["newA"] is None and got["newB"] == 0 and got["sum2"] is None


def test_explanation_like_original_readme():
    text = SEED.explain((0, 1, 1, 1, 0))
    assert "A = 0" in text and "E = 0" in text
    assert "newD = A OR newB" in text
    lines = text.splitlines()
    assert any(l.startswith("newA = A XOR C") and l.endswith("-> 1") for l in lines)
    assert lines[-1] == "sum1(A+B+C+D+E) - sum2(newA+newB+newC+newD) -> 3 - 1"
