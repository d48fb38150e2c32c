"""Reference guessers on hand-computed cases, the Wilson interval, the scorecard."""

import pytest

from causal_tui.errors import UserError
from causal_tui.science import guessers, intervals, scorecard
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut

AC = HeldOut.parse("A=1&C=1", SEED)


def test_condition_preset_holds_out_the_eight_states_with_a_and_c_set():
    assert len(AC) == 8 and all(s[0] == 1 and s[2] == 1 for s in AC)


def test_random_preset_is_reproducible_and_sized():
    a, b = HeldOut.parse("random-5", SEED, seed=3), HeldOut.parse("random-5", SEED, seed=3)
    assert a == b and len(a) == 5 and HeldOut.parse("random-5", SEED, seed=4) != a


@pytest.mark.parametrize("preset, fragment", [
    ("A=2", "is not like A=1"), ("F=1", "is not like A=1"), ("A=1&&C=1", "is not like A=1"),
    ("random-0", "K must be"), ("random-32", "K must be"), ("1,1,1", "has 3 values"),
    ("A=1&A=0", "contradicts itself on A"), ("A=1&A=1", "repeats A"), ("C=0&B=1&C=1", "contradicts itself on C"),
])
def test_bad_presets(preset, fragment):
    with pytest.raises(UserError, match=fragment):
        HeldOut.parse(preset, SEED)


def test_a_bad_condition_on_the_command_line_is_one_line_and_exit_2(workdir, capsys):
    from causal_tui.cli.main import tui_main

    assert tui_main(["sweep", "--seeds", "1", "--holdout", "A=1&A=0"]) == 2
    err = capsys.readouterr().err
    assert "contradicts itself on A" in err and len(err.strip().splitlines()) == 1
    assert not (workdir / "out").exists()


def test_unseen_labels_match_the_facts_of_the_task():
    # sum1 = 0 only for 0,0,0,0,0 and sum1 = 5 only for 1,1,1,1,1.
    assert HeldOut([(0, 0, 0, 0, 0)], SEED).unseen_labels()[(0, 0, 0, 0, 0)] == {"sum1"}
    assert "sum1" in HeldOut([(1, 1, 1, 1, 1)], SEED).unseen_labels()[(1, 1, 1, 1, 1)]
    # sum2 = 0 only for 0,0,0,1,0 / 0,0,0,1,1 / 0,1,0,1,0: hold all three out.
    zero_sum2 = [SEED.parse_state(s) for s in ("0,0,0,1,0", "0,0,0,1,1", "0,1,0,1,0")]
    assert all("sum2" in fields for fields in HeldOut(zero_sum2, SEED).unseen_labels().values())
    assert all("sum2" not in f for f in HeldOut(zero_sum2[:2], SEED).unseen_labels().values())
    # sum2 = 4 only for 0,1,1,0,1 and 1,1,0,0,1.
    four = [SEED.parse_state("0,1,1,0,1"), SEED.parse_state("1,1,0,0,1")]
    assert all("sum2" in f for f in HeldOut(four, SEED).unseen_labels().values())


def test_nearest_neighbour_gets_the_boolean_fields_right_with_one_state_held_out():
    for s in SEED.all_states:
        trained = HeldOut([s], SEED).trained()
        for f in SEED.outputs:
            assert guessers.nearest_neighbour(SEED, trained, s, f) == SEED.truth(s)[f], (s, f)


def test_nearest_neighbour_by_hand():
    # Holding out 0,0,0,0,0: its five neighbours each have sum1 = 1.
    trained = HeldOut([(0, 0, 0, 0, 0)], SEED).trained()
    assert guessers.nearest_neighbour(SEED, trained, (0, 0, 0, 0, 0), "sum1") == 1


def test_majority_by_hand():
    # Over all 32 states newB = NOT D is 1 for 16 states and 0 for 16: a tie is no answer.
    assert guessers.majority(SEED, SEED.all_states, "newB") is None
    # newD = A OR NOT D is 1 for 24 of 32 states.
    assert guessers.majority(SEED, SEED.all_states, "newD") == 1


def test_interpolator_on_the_a_and_c_holdout_predicts_a_plus_c():
    trained = HeldOut(AC, SEED).trained()
    fit = guessers.interpolator(SEED, trained, "newA")
    assert fit.degree == 1
    for s in AC:
        p = fit.predict(s)
        assert p.determined and p.value == 2  # A + C, where the truth (A XOR C) is 0
        assert SEED.truth(s)["newA"] == 0


def test_interpolator_determinacy_on_the_a_and_c_holdout():
    # AC is 0 on every trained state, so at degree 2 any multiple of it can be
    # added to a fit: newC, newD and sum2 can be anything on the 8 held-out states.
    trained = HeldOut(AC, SEED).trained()
    for f in ("newA", "newB", "sum1"):
        fit = guessers.interpolator(SEED, trained, f)
        assert fit.degree == 1 and all(fit.predict(s).determined for s in AC), f
    for f in ("newC", "newD", "sum2"):
        fit = guessers.interpolator(SEED, trained, f)
        assert fit.degree == 2, f
        for s in AC:
            p = fit.predict(s)
            assert not p.determined and p.value is None and p.range == (None, None), (f, s)
    card = scorecard.build(SEED, AC, [{"seed": 0, "predictions": {SEED.format_state(s): SEED.truth(s) for s in AC}}])
    undetermined = {f: card["fields"][f]["interpolator_undetermined"] for f in SEED.fields}
    assert undetermined == {"newA": 0, "newB": 0, "newC": 8, "newD": 8, "sum1": 0, "sum2": 8}
    assert card["fields"]["sum2"]["guesser_accuracy"]["interpolator"] is None  # no determined cell to score
    assert card["fields"]["newA"]["guesser_accuracy"]["interpolator"] == 0.0  # predicts 2, truth 0
    cell = next(c for c in card["cells"] if c["field"] == "sum2")
    assert cell["interpolator_range"] == [None, None] and scorecard.interpolator_mark(cell) == "?"


def test_interpolator_with_one_state_held_out_is_determined_and_right():
    # Only the indicator of the held-out point (degree 5) vanishes on the other 31.
    state = (1, 0, 1, 0, 1)
    trained = HeldOut([state], SEED).trained()
    for f in SEED.fields:
        p = guessers.interpolator(SEED, trained, f).predict(state)
        assert p.determined and p.value == SEED.truth(state)[f], f


def test_a_half_is_undetermined():
    from fractions import Fraction

    from causal_tui.science.exact_fit import Prediction

    half = Prediction(Fraction(3, 2))
    assert not half.determined and half.range == (1, 2) and half.answer is None
    assert Prediction(Fraction(-1, 2)).range == (-1, 0)
    assert Prediction(Fraction(4, 3)).determined and Prediction(Fraction(4, 3)).answer == 1


@pytest.mark.parametrize("per_seed, lo, hi", [
    # Each seed is one trial scored by its share of right cells; exact (Clopper-Pearson)
    # over seeds, values checked against scipy.stats.beta.ppf.
    ([(0, 8), (0, 8), (0, 8)], 0.0, 0.7076),      # 0 of 3 seeds: never [0, 0]
    ([(8, 8), (8, 8), (8, 8)], 0.2924, 1.0),      # 3 of 3
    ([(8, 8), (8, 8), (7, 8)], 0.2597, 1.0),      # a worse result never has a higher bound
    ([(4, 8), (4, 8), (4, 8)], 0.0387, 0.9613),   # agreeing at 4 of 8 is still three seeds
    ([(8, 8), (8, 8), (0, 8), (0, 8), (0, 8)], 0.0527, 0.8534),  # 2 of 5
    ([(7, 8), (0, 8), (0, 8)], 0.0046, 0.8877),   # 0.875 of 3
    ([(6, 8)], 0.0057, 1.0),                      # one seed: one unit of evidence
])
def test_seed_level_interval_on_hand_computed_cases(per_seed, lo, hi):
    got = intervals.seed_summary(per_seed)
    assert got["interval95"][0] == pytest.approx(lo, abs=1e-4) and got["interval95"][1] == pytest.approx(hi, abs=1e-4)
    assert got["per_seed"] == [k / m for k, m in per_seed] and got["interval_method"] == "seed-exact"
    assert intervals.seed_interval([k for k, _ in per_seed], [m for _, m in per_seed]) == got["interval95"]


def test_the_pooled_interval_the_scorecard_used_to_print_is_too_narrow():
    # The review's case: 7/24 pooled as independent cells gives [0.149, 0.492] (exact: [0.126, 0.511]).
    assert intervals.exact_bounds(7, 24) == pytest.approx((0.1262, 0.5109), abs=1e-3)
    lo, hi = intervals.seed_summary([(7, 8), (0, 8), (0, 8)])["interval95"]
    assert lo < 0.149 and hi > 0.492


@pytest.mark.parametrize("k, n, lo, hi", [
    (0, 10, 0.0, 0.3085),
    (10, 10, 0.6915, 1.0),
    (5, 10, 0.1871, 0.8129),
    (81, 263, 0.2527, 0.3676),  # Wilson's classic example, exact bounds (scipy)
    (2.875, 3, 0.2597, 1.0),    # fractional successes: the beta quantiles still apply
])
def test_exact_interval_against_known_values(k, n, lo, hi):
    got = intervals.exact_bounds(k, n)
    assert got[0] == pytest.approx(lo, abs=1e-4) and got[1] == pytest.approx(hi, abs=1e-4)


def test_scorecard_from_hand_made_runs():
    held = HeldOut([(0, 0, 0, 0, 0)], SEED)
    right = {f: v for f, v in SEED.truth((0, 0, 0, 0, 0)).items()}
    wrong = {**right, "sum1": 1}
    runs = [{"seed": 0, "predictions": {"0,0,0,0,0": right}},
            {"seed": 1, "predictions": {"0,0,0,0,0": wrong}}]
    card = scorecard.build(SEED, held, runs)
    cell = next(c for c in card["cells"] if c["field"] == "sum1")
    assert cell["right"] == 1 and cell["seeds"] == 2 and cell["unseen_label"]
    assert cell["guessers"]["nearest_neighbour"] == 1 and cell["agree"]["nearest_neighbour"] == 0.5
    assert card["by_label"]["unseen_label"]["cells"] == 1
    assert card["fields"]["newA"]["accuracy"] == 1.0


def test_own_answer_rule_counts_composition_from_wrong_parts():
    # 1,0,1,1,0: truth newA=0 newB=0 newC=0 newD=1 sum2=1. A model that says newA=1
    # (A OR C) and then sum2=2 is wrong twice but adds up its own answers.
    state = (1, 0, 1, 1, 0)
    truth = SEED.truth(state)
    composed = {**truth, "newA": 1, "sum2": 2}
    scrambled = {**truth, "newA": 1, "sum2": 3}
    runs = [{"seed": 0, "predictions": {"1,0,1,1,0": composed}},
            {"seed": 1, "predictions": {"1,0,1,1,0": scrambled}}]
    card = scorecard.build(SEED, HeldOut([state], SEED), runs)
    own = card["fields"]["sum2"]["own_answers"]
    assert own["reads"] == ["newA", "newB", "newC", "newD"]
    assert (own["consistent"], own["readable"], own["informative"], own["total"]) == (1, 2, 2, 2)
    assert own["per_seed"] == [1.0, 0.0]
    assert card["fields"]["sum2"]["accuracy"] == 0.0
    assert card["fields"]["newD"]["own_answers"]["reads"] == ["newB"]
    assert card["fields"]["newA"]["own_answers"] is None  # reads inputs only


def test_rule_on_uses_the_given_answers_for_the_fields_it_reads():
    state = (0, 0, 0, 0, 0)  # truth: newB=1 so newD=1; sum2=2
    assert SEED.composed == ("newD", "sum2")
    assert SEED.rule_on("newD", state, {"newB": 0}) == 0  # A OR newB with the given newB
    assert SEED.rule_on("sum2", state, {"newA": 1, "newB": 1, "newC": 1, "newD": 1}) == 4
    assert SEED.rule_on("sum2", state, {"newA": None, "newB": 1, "newC": 0, "newD": 1}) is None
    for s in SEED.all_states:  # on the true answers, every rule gives the truth
        t = SEED.truth(s)
        assert all(SEED.rule_on(f, s, t) == t[f] for f in SEED.fields)


def test_composed_counts_only_informative_cells():
    # Under A=1&C=1 every held-out state has A = 1: newD = A OR newB is 1 whatever newB is.
    assert not any(SEED.informative("newD", s) for s in AC)
    assert all(SEED.informative("sum2", s) for s in AC)
    runs = [{"seed": k, "predictions": {SEED.format_state(s): {**SEED.truth(s), "newB": 1 - SEED.truth(s)["newB"]}
                                        for s in AC}} for k in range(2)]
    own = scorecard.build(SEED, AC, runs)["fields"]["newD"]["own_answers"]
    assert own["informative"] == 0 and own["readable"] == 0 and own["fraction"] is None
    from rich.console import Console

    from causal_tui.report.scorecard_tables import scorecard_tables

    console = Console(width=120, record=True)
    for table in scorecard_tables(scorecard.build(SEED, AC, runs)):
        console.print(table)
    assert "no informative cell" in console.export_text()


def test_a_non_boolean_answer_is_unreadable_for_rules_that_read_it():
    state = (0, 0, 0, 0, 0)
    assert SEED.rule_on("newD", state, {"newB": 2}) is None
    assert SEED.rule_on("sum2", state, {"newA": 0, "newB": 2, "newC": 0, "newD": 1}) is None
    assert SEED.rule_on("newD", state, {"newB": 1}) == 1
