"""Reference guessers on hand-computed cases, the Wilson interval, the scorecard."""

import pytest

from causal_tui import guessers, holdout, rules, scorecard
from causal_tui.errors import UserError

AC = holdout.parse("A=1&C=1")


def test_condition_preset_holds_out_the_eight_states_with_a_and_c_set():
    assert len(AC) == 8 and all(s[0] == 1 and s[2] == 1 for s in AC)


def test_random_preset_is_reproducible_and_sized():
    a, b = holdout.parse("random-5", seed=3), holdout.parse("random-5", seed=3)
    assert a == b and len(a) == 5 and holdout.parse("random-5", seed=4) != a


@pytest.mark.parametrize("preset", ["A=2", "F=1", "A=1&&C=1", "random-0", "random-32", "1,1,1"])
def test_bad_presets(preset):
    with pytest.raises(UserError):
        holdout.parse(preset)


def test_unseen_labels_match_the_facts_of_the_task():
    # sum1 = 0 only for 0,0,0,0,0 and sum1 = 5 only for 1,1,1,1,1.
    assert holdout.unseen_labels([(0, 0, 0, 0, 0)])[(0, 0, 0, 0, 0)] == {"sum1"}
    assert "sum1" in holdout.unseen_labels([(1, 1, 1, 1, 1)])[(1, 1, 1, 1, 1)]
    # sum2 = 0 only for 0,0,0,1,0 / 0,0,0,1,1 / 0,1,0,1,0: hold all three out.
    zero_sum2 = [rules.parse_state(s) for s in ("0,0,0,1,0", "0,0,0,1,1", "0,1,0,1,0")]
    assert all("sum2" in fields for fields in holdout.unseen_labels(zero_sum2).values())
    assert all("sum2" not in f for f in holdout.unseen_labels(zero_sum2[:2]).values())
    # sum2 = 4 only for 0,1,1,0,1 and 1,1,0,0,1.
    four = [rules.parse_state("0,1,1,0,1"), rules.parse_state("1,1,0,0,1")]
    assert all("sum2" in f for f in holdout.unseen_labels(four).values())


def test_nearest_neighbour_gets_the_boolean_fields_right_with_one_state_held_out():
    for s in rules.ALL_STATES:
        trained = holdout.trained_states([s])
        for f in rules.OUTPUTS:
            assert guessers.nearest_neighbour(trained, s, f) == rules.truth(s)[f], (s, f)


def test_nearest_neighbour_by_hand():
    # Holding out 0,0,0,0,0: its five neighbours each have sum1 = 1.
    trained = holdout.trained_states([(0, 0, 0, 0, 0)])
    assert guessers.nearest_neighbour(trained, (0, 0, 0, 0, 0), "sum1") == 1


def test_majority_by_hand():
    # Over all 32 states newB = NOT D is 1 for 16 states and 0 for 16: the tie goes to 0.
    assert guessers.majority(rules.ALL_STATES, "newB") == 0
    # newD = A OR NOT D is 1 for 24 of 32 states.
    assert guessers.majority(rules.ALL_STATES, "newD") == 1


def test_interpolator_on_the_a_and_c_holdout_predicts_a_plus_c():
    trained = holdout.trained_states(AC)
    degree, predict = guessers.interpolator(trained, "newA")
    assert degree == 1
    for s in AC:
        assert predict(s) == pytest.approx(2.0)  # A + C, where the truth (A XOR C) is 0
        assert rules.truth(s)["newA"] == 0
    _, predict_sum2 = guessers.interpolator(trained, "sum2")
    for s in AC:
        assert predict_sum2(s) == pytest.approx(rules.truth(s)["sum2"] + 2)


def test_interpolator_recovers_exact_rules_when_nothing_is_ambiguous():
    trained = holdout.trained_states([(1, 0, 1, 0, 1)])
    for f in rules.FIELDS:
        _, predict = guessers.interpolator(trained, f)
        assert predict((1, 0, 1, 0, 1)) == pytest.approx(rules.truth((1, 0, 1, 0, 1))[f]), f


@pytest.mark.parametrize("k, n, lo, hi", [
    (0, 10, 0.0, 0.2775),
    (10, 10, 0.7225, 1.0),
    (5, 10, 0.2366, 0.7634),
    (81, 263, 0.2553, 0.3662),  # Wilson's classic example as given in Newcombe (1998)
])
def test_wilson_interval_against_known_values(k, n, lo, hi):
    got = scorecard.wilson(k, n)
    assert got[0] == pytest.approx(lo, abs=1e-3) and got[1] == pytest.approx(hi, abs=1e-3)


def test_scorecard_from_hand_made_runs():
    held = [(0, 0, 0, 0, 0)]
    right = {f: v for f, v in rules.truth((0, 0, 0, 0, 0)).items()}
    wrong = {**right, "sum1": 1}
    runs = [{"seed": 0, "predictions": {"0,0,0,0,0": right}},
            {"seed": 1, "predictions": {"0,0,0,0,0": wrong}}]
    card = scorecard.build(held, runs)
    cell = next(c for c in card["cells"] if c["field"] == "sum1")
    assert cell["right"] == 1 and cell["seeds"] == 2 and cell["unseen_label"]
    assert cell["guessers"]["nearest_neighbour"] == 1 and cell["agree"]["nearest_neighbour"] == 0.5
    assert card["by_label"]["unseen_label"]["cells"] == 1
    assert card["fields"]["newA"]["accuracy"] == 1.0


def test_own_answer_rule_counts_composition_from_wrong_parts():
    # 1,0,1,1,0: truth newA=0 newB=0 newC=0 newD=1 sum2=1. A model that says newA=1
    # (A OR C) and then sum2=2 is wrong twice but adds up its own answers.
    state = (1, 0, 1, 1, 0)
    truth = rules.truth(state)
    composed = {**truth, "newA": 1, "sum2": 2}
    scrambled = {**truth, "newA": 1, "sum2": 3}
    runs = [{"seed": 0, "predictions": {"1,0,1,1,0": composed}},
            {"seed": 1, "predictions": {"1,0,1,1,0": scrambled}}]
    card = scorecard.build([state], runs)
    own = card["fields"]["sum2"]["own_answers"]
    assert own["reads"] == ["newA", "newB", "newC", "newD"]
    assert (own["consistent"], own["total"]) == (1, 2)
    assert card["fields"]["sum2"]["accuracy"] == 0.0
    assert card["fields"]["newD"]["own_answers"]["reads"] == ["newB"]
    assert card["fields"]["newA"]["own_answers"] is None  # reads inputs only


def test_rule_on_uses_the_given_answers_for_the_fields_it_reads():
    state = (0, 0, 0, 0, 0)  # truth: newB=1 so newD=1; sum2=2
    assert rules.COMPOSED == ("newD", "sum2")
    assert rules.rule_on("newD", state, {"newB": 0}) == 0  # A OR newB with the given newB
    assert rules.rule_on("sum2", state, {"newA": 1, "newB": 1, "newC": 1, "newD": 1}) == 4
    assert rules.rule_on("sum2", state, {"newA": None, "newB": 1, "newC": 0, "newD": 1}) is None
    for s in rules.ALL_STATES:  # on the true answers, every rule gives the truth
        t = rules.truth(s)
        assert all(rules.rule_on(f, s, t) == t[f] for f in rules.FIELDS)
