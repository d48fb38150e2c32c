"""The scorecard's statistics: the seed-level interval and the paired
difference cover in simulation (numpy only, a few seconds), bounds are
monotone, ties are no answers, Holm adjusts the marks, numbers print honestly."""

import itertools
import random

import pytest

import causal_tui as ct
from causal_tui.report.style import bound, interval, num
from causal_tui.science import coverage, guessers, intervals, scorecard
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut


def test_the_seed_interval_covers_at_least_93_percent_in_every_scenario():
    results = list(coverage.field_coverage(ct.stats.seed_interval, reps=4000))
    assert len(results) == 3 * 3 * 3 * 4  # seeds x cells x means x within-seed correlations
    worst = min(results, key=lambda r: r.coverage)
    assert worst.coverage >= 0.93, worst


def test_the_seed_interval_is_monotone_in_every_seeds_count():
    rng = random.Random(7)
    for seeds, cells in itertools.product(coverage.SEEDS, coverage.CELLS):
        for _ in range(60):
            counts = [rng.randint(0, cells) for _ in range(seeds)]
            lo, hi = ct.stats.seed_interval(counts, [cells] * seeds)
            for s in range(seeds):
                if counts[s] < cells:
                    raised = counts[:s] + [counts[s] + 1] + counts[s + 1:]
                    lo2, hi2 = ct.stats.seed_interval(raised, [cells] * seeds)
                    assert lo2 >= lo - 1e-12 and hi2 >= hi - 1e-12, (counts, raised)
    # The review's cases: a worse result never reads a higher lower bound ...
    assert ct.stats.seed_interval([8, 8, 8], [8] * 3)[0] > ct.stats.seed_interval([8, 8, 7], [8] * 3)[0]
    # ... and seeds that agree at an in-between value are still only three seeds.
    lo, hi = ct.stats.seed_interval([4, 4, 4], [8] * 3)
    assert lo < 0.1 and hi > 0.9


def test_the_paired_difference_covers_and_is_narrower_than_unpaired_where_pairing_helps():
    results = list(coverage.paired_coverage(intervals.paired_interval, reps=1500,
                                            unpaired=intervals.unpaired_difference))
    worst = min((paired for paired, _ in results), key=lambda r: r.coverage)
    assert worst.coverage >= 0.93, worst
    helped = [(p, u) for p, u in results if p.scenario[5] >= 0.7 and p.scenario[0] >= 5]
    assert helped and all(p.width < u.width for p, u in helped), [p.scenario for p, u in helped if p.width >= u.width]


def test_holm_adjusts_the_marks_of_a_table():
    assert intervals.holm([0.01, 0.04, 0.03, 0.2]) == [True, False, False, False]
    assert intervals.holm([0.001, 0.012, 0.2]) == [True, True, False]  # 0.012 <= 0.05/2
    assert intervals.holm([0.03]) == [True]
    paired = intervals.paired_difference([1.0] * 10, [0.0] * 10)
    assert paired["difference"] == 1 and paired["interval95"][0] > 0 and paired["p_value"] < 0.001
    same = intervals.paired_difference([0.5] * 10, [0.5] * 10)
    assert same["p_value"] == 1.0 and same["interval95"][0] < 0 < same["interval95"][1]


def _grid_card(per_seed_a, per_seed_b):
    """A two-configuration comparison from per-seed accuracies on one field of one held-out state."""
    configurations = []
    for name, accs in (("a", per_seed_a), ("b", per_seed_b)):
        fields = {f: {"accuracy": sum(accs) / len(accs), "interval95": ct.stats.seed_interval(
            [round(x) for x in accs], [1] * len(accs)), "per_seed": accs} for f in SEED.fields}
        configurations.append({"id": name, "label": name, "scorecard": {"fields": fields, "held_out": ["1,0,1,0,1"]}})
    return scorecard.compare(configurations)


def test_a_grid_comparison_is_paired_and_holm_adjusted():
    comparison = _grid_card([1.0] * 10, [0.0] * 10)
    assert comparison["comparisons"] == 6 and all(d["holm_excludes_0"] for d in comparison["differences"])
    assert "Holm over the 6 comparisons" in comparison["adjustment"]
    d = comparison["differences"][0]  # the one pair: b (later) minus a (the first)
    assert (d["a"], d["b"], d["difference"]) == ("b", "a", -1.0)
    assert d["interval95"][1] < 0 and d["unpaired_interval95"][1] < 0


def test_ties_are_no_answers():
    # Every state held out but 0,0,0,0,0 and 0,0,0,1,1: newB (NOT D) is 1 on one, 0 on the other.
    held = HeldOut((s for s in SEED.all_states if s not in ((0, 0, 0, 0, 0), (0, 0, 0, 1, 1))), SEED)
    trained = held.trained()
    assert guessers.majority(SEED, trained, "newB") is None
    assert guessers.majority_votes(SEED, trained, "newB") == {0: 1, 1: 1}
    # 0,0,0,1,0 is one flip from both trained states: the nearest-neighbour vote on newB is tied.
    assert guessers.nearest_neighbour(SEED, trained, (0, 0, 0, 1, 0), "newB") is None
    runs = [{"seed": 0, "predictions": {SEED.format_state(s): SEED.truth(s) for s in SEED.all_states}}]
    card = scorecard.build(SEED, held, runs)
    newb = card["fields"]["newB"]
    assert newb["chance_value"] is None and newb["chance_accuracy"] is None
    assert newb["guesser_accuracy"]["majority"] is None and newb["undetermined"]["majority"] == len(held)
    tied = sum(c["guessers"]["nearest_neighbour"] is None for c in card["cells"] if c["field"] == "newB")
    assert tied == newb["undetermined"]["nearest_neighbour"] > 0
    from causal_tui.report.scorecard_tables import scorecard_tables

    from rich.console import Console

    console = Console(width=120, record=True)
    for table in scorecard_tables({**card, "name": "ties"}):
        console.print(table)
    text = console.export_text()
    assert "? (tie 1 vs 1)" in text and f"{tied}?" in text


def test_the_composed_table_says_when_informative_cells_do_not_parse():
    held = HeldOut([(0, 1, 0, 1, 1)], SEED)  # sum2 reads every output: informative here
    unreadable = {**SEED.truth((0, 1, 0, 1, 1)), "newA": None}
    runs = [{"seed": 0, "predictions": {"0,1,0,1,1": unreadable}}]
    card = scorecard.build(SEED, held, runs)
    own = card["fields"]["sum2"]["own_answers"]
    assert own["informative"] == 1 and own["readable"] == 0
    from rich.console import Console

    from causal_tui.report.scorecard_tables import scorecard_tables

    console = Console(width=120, record=True)
    for table in scorecard_tables({**card, "name": "unreadable"}):
        console.print(table)
    assert "informative 1, none readable" in console.export_text()


def test_numbers_print_without_misleading_rounding():
    assert num(1 / 8) == "0.125" and num(3 / 8) == "0.375" and num(1 / 3) == "0.33" and num(0.5) == "0.50"
    assert bound(0.998, upper=True) == "0.998" and bound(1.0, upper=True) == "1.00"
    assert bound(0.99999998, upper=True) == "0.9999" and bound(0.0004, upper=False) == "0.0004"
    assert interval((0.0, 0.998)) == "[0.00, 0.998]"


@pytest.mark.parametrize("vary, data_seeds, init_seeds", [("both", [0, 1, 2], [0, 1, 2]), ("data", [0, 1, 2], [0, 0, 0]),
                                                          ("init", [0, 0, 0], [0, 1, 2])])
def test_what_varies_across_seeds(vary, data_seeds, init_seeds):
    from causal_tui.sweeps.job import SeedJob
    from causal_tui.training.config import TrainingConfig

    jobs = [SeedJob(k, HeldOut((), SEED), TrainingConfig(), {}, vary) for k in range(3)]
    assert [j.data_seed for j in jobs] == data_seeds and [j.init_seed for j in jobs] == init_seeds
