"""The multi-seed held-out scorecard: per held-out state and field, how often
the model is right, against reference guessers, with intervals that treat the
seed (one independently trained model) as the unit.

Intervals
---------
A cell (one held-out state, one field) over S seeds is S independent trials:
its interval is the Wilson score interval of k right out of S.

A field's accuracy pools the held-out cells of every seed, but the cells of
one seed come from one model and are not independent trials: a seed that
learned a rule gets all of them right. Pooled as if independent, 7 of 24
cells right (7, 0, 0 of 8 per seed) reads as [0.15, 0.49]; in a simulation
where each seed learns a field or not, such intervals cover the truth only
two times in three. The scorecard instead uses the Wilson score interval at
Kish's *effective sample size*: n_eff = p(1-p) / v, where v is the variance of
the pooled accuracy estimated from the spread of the seeds' own accuracies
(the ratio estimator's between-cluster variance, v = sum((k_s - p m_s)/m)^2 /
(S (S-1)) for seeds with k_s of m_s right, m their mean). n_eff is kept
between S (the seeds are independent, so never fewer) and the number of cells
(never more). Where every seed's cells agree (each seed all right or all
wrong) this is exactly the Wilson interval over seeds, so 0 of 3 seeds right
reads [0, 0.56], never [0, 0]; where seeds vary little it narrows towards the
pooled interval, as far as the seeds' spread allows. One seed: n_eff = 1."""

from __future__ import annotations

import math
from typing import Sequence

from . import guessers, holdout
from .rules import System

Z95 = 1.959963984540054
INTERVAL_METHOD = "wilson-kish"
INTERVAL_METHOD_TEXT = ("Wilson score interval at Kish's effective sample size over seeds "
                        "(between the number of seeds and the number of cells)")


def level(fraction: float | None) -> str:
    """How a cell reads: 'right' when (nearly) every seed is right, 'wrong' when
    (nearly) none is, 'mixed' between, 'none' without data."""
    if fraction is None:
        return "none"
    return "right" if fraction >= 0.9 else "wrong" if fraction <= 0.1 else "mixed"


def wilson_p(p: float, n: float, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval for a proportion p observed over n trials
    (n may be an effective, fractional sample size)."""
    if n <= 0:
        return (0.0, 1.0)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(max(p * (1 - p), 0.0) / n + z * z / (4 * n * n)) / denom
    # At p = 0 or p = 1 the bound is exactly 0 or 1; say so rather than 5e-17.
    lo = 0.0 if p <= 0 else max(0.0, centre - half)
    hi = 1.0 if p >= 1 else min(1.0, centre + half)
    return (lo, hi)


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval for k successes in n independent trials."""
    return (0.0, 1.0) if n == 0 else wilson_p(k / n, n, z)


def effective_n(per_seed: Sequence[tuple[int, int]]) -> float:
    """Kish's effective sample size of the pooled proportion of (right, cells)
    per seed, kept between the number of seeds and the number of cells."""
    seeds = [(k, m) for k, m in per_seed if m > 0]
    s = len(seeds)
    if s == 0:
        return 0.0
    cells = sum(m for _, m in seeds)
    if s == 1:
        return 1.0
    p = sum(k for k, _ in seeds) / cells
    mean_m = cells / s
    v = sum(((k - p * m) / mean_m) ** 2 for k, m in seeds) / (s * (s - 1))
    if p in (0.0, 1.0):
        return float(s)  # no spread at all: the seeds are all there is to go on
    if v == 0:
        return float(cells)
    return min(float(cells), max(float(s), p * (1 - p) / v))


def seed_summary(per_seed: Sequence[tuple[int, int]]) -> dict:
    """Pooled accuracy over seeds, each seed's own, and the seed-level interval.

    `per_seed`: (right, cells) for each seed, in seed order."""
    right = sum(k for k, _ in per_seed)
    cells = sum(m for _, m in per_seed)
    n_eff = effective_n(per_seed)
    p = right / cells if cells else None
    return {
        "right": right, "total": cells,
        "accuracy": p,
        "per_seed": [k / m if m else None for k, m in per_seed],
        "effective_n": round(n_eff, 3),
        "interval95": wilson_p(p, n_eff) if p is not None else (0.0, 1.0),
        "interval_method": INTERVAL_METHOD,
    }


def newcombe_difference(a: dict, b: dict) -> tuple[float, float] | None:
    """95% interval for accuracy(a) - accuracy(b), two seed_summary() results,
    by Newcombe's hybrid score method on their seed-level Wilson intervals."""
    if a["accuracy"] is None or b["accuracy"] is None:
        return None
    p1, p2 = a["accuracy"], b["accuracy"]
    (l1, u1), (l2, u2) = a["interval95"], b["interval95"]
    d = p1 - p2
    return (max(-1.0, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)),
            min(1.0, d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)))


def _own_rule(system: System, field: str, held_out, runs: list[dict]) -> dict | None:
    """For a field whose rule reads other fields (sum2 = newA+...+newD): how
    often, on held-out states, the model's answer is that rule applied to its
    own answers for them. High while its accuracy is low: it composes, but from
    wrong parts. Only informative cells count: those where the rule's value
    depends on the answers it reads (not newD = A OR newB where A = 1)."""
    if field not in system.composed:
        return None
    informative = [s for s in held_out if system.informative(field, s)]
    per_seed = []
    readable = 0
    for r in runs:
        k = m = 0
        for s in informative:
            answers = r["predictions"][system.format_state(s)]
            expected = system.rule_on(field, s, answers)
            if expected is not None and answers[field] is not None:
                m += 1
                k += answers[field] == expected
        per_seed.append((k, m))
        readable += m
    summary = seed_summary(per_seed)
    return {"reads": list(system.reads[field]),
            "total": len(held_out) * len(runs),
            "informative": len(informative) * len(runs),
            "readable": readable,
            "consistent": summary["right"],
            "fraction": summary["accuracy"],
            **{k: summary[k] for k in ("per_seed", "effective_n", "interval95", "interval_method")}}


def _cell(key: str, field: str, truth: int, preds: list, guess: dict, unseen: bool) -> dict:
    n = len(preds)
    k = sum(p == truth for p in preds)
    interp = guess["interpolator"]
    answers = {"majority": guess["majority"], "nearest_neighbour": guess["nearest_neighbour"],
               "interpolator": interp.answer}
    return {
        "state": key, "field": field, "truth": truth,
        "right": k, "seeds": n, "fraction": k / n if n else None, "wilson95": wilson(k, n),
        "unseen_label": unseen,
        "model_values": preds,
        "guessers": {"majority": guess["majority"], "nearest_neighbour": guess["nearest_neighbour"],
                     "interpolator": None if interp.value is None else float(interp.value)},
        "interpolator_determined": interp.determined,
        "interpolator_range": None if interp.range is None else list(interp.range),
        "agree": {name: (sum(p == a for p in preds) / n if n else None) if a is not None else None
                  for name, a in answers.items()},
    }


def build(system: System, held_out, runs: list[dict]) -> dict:
    """`runs`: one per seed, {"seed": k, "predictions": {state: {field: value or None}}}
    over at least the held-out states. Returns the scorecard as plain data."""
    from .system_file import manifest_entry

    held_out = tuple(sorted(held_out))
    trained = holdout.trained_states(held_out, system)
    guesses = guessers.predictions(system, held_out)
    unseen = holdout.unseen_labels(held_out, system)
    cells = []
    for s in held_out:
        truth = system.truth(s)
        key = system.format_state(s)
        for f in system.fields:
            preds = [r["predictions"][key][f] for r in runs]
            cells.append(_cell(key, f, truth[f], preds, guesses[s][f], f in unseen[s]))

    def per_seed(selected: list[dict]) -> list[tuple[int, int]]:
        return [(sum(c["model_values"][i] == c["truth"] for c in selected), len(selected)) for i in range(len(runs))]

    fields = {}
    for f in system.fields:
        fc = [c for c in cells if c["field"] == f]
        maj = guessers.majority(system, trained, f)
        determined = [c for c in fc if c["interpolator_determined"]]
        fields[f] = {
            **seed_summary(per_seed(fc)),
            "chance_value": maj,
            "chance_accuracy": sum(system.truth(s)[f] == maj for s in held_out) / len(held_out),
            "guesser_accuracy": {
                "majority": sum(c["guessers"]["majority"] == c["truth"] for c in fc) / len(fc),
                "nearest_neighbour": sum(c["guessers"]["nearest_neighbour"] == c["truth"] for c in fc) / len(fc),
                # Over the cells where every lowest-degree fit agrees; None if there are none.
                "interpolator": (sum(round(c["guessers"]["interpolator"]) == c["truth"] for c in determined)
                                 / len(determined)) if determined else None,
            },
            "agreement": {name: _mean([c["agree"][name] for c in fc if c["agree"][name] is not None])
                          for name in ("majority", "nearest_neighbour", "interpolator")},
            "interpolator_degree": guessers.interpolator(system, trained, f).degree,
            "interpolator_undetermined": len(fc) - len(determined),
            "own_answers": _own_rule(system, f, held_out, runs),
        }
    groups = {}
    for label, flag in (("unseen_label", True), ("seen_label", False)):
        gc = [c for c in cells if c["unseen_label"] == flag]
        groups[label] = {"cells": len(gc), **seed_summary(per_seed(gc))}
    extra = {}
    if runs and all("intervention_summary" in r for r in runs):
        extra["interventions"] = interventions_over_seeds(runs)
    if runs and all("graph" in r for r in runs):
        extra["graph"] = graph_over_seeds(system, runs)
    return {
        **extra,
        "system": manifest_entry(system),
        "held_out": [system.format_state(s) for s in held_out],
        "seeds": [r["seed"] for r in runs],
        "interval_method": {"name": INTERVAL_METHOD, "text": INTERVAL_METHOD_TEXT},
        "cells": cells,
        "fields": fields,
        "by_label": groups,
    }


def interventions_over_seeds(runs: list[dict]) -> dict | None:
    """Per (forced field, later field g), trained and held-out states apart:
    how many seeds *follow* (their g equals its rule on the answers after the
    forced change in at least 90% of their informative states), with a Wilson
    interval over those seeds, and the pooled follow rate with the seed-level
    interval. None for learners without a sequence (nothing to force)."""
    from .interpret.interventions import FOLLOW_SHARE

    if any("not_applicable" in r["intervention_summary"] for r in runs):
        return None
    out: dict = {}
    first = runs[0]["intervention_summary"]
    for forced, per_g in first.items():
        for g in per_g:
            for part in ("trained", "held_out"):
                counts = [r["intervention_summary"][forced][g][part] for r in runs]
                with_inf = [c for c in counts if c["informative"]]
                k = sum(c["follows"] >= FOLLOW_SHARE * c["informative"] for c in with_inf)
                out.setdefault(forced, {}).setdefault(g, {})[part] = {
                    "seeds_following": k, "seeds_informative": len(with_inf),
                    "wilson95": wilson(k, len(with_inf)),
                    "follow_rate": seed_summary([(c["follows"], c["informative"]) for c in counts]),
                }
    return out


def graph_over_seeds(system: System, runs: list[dict]) -> dict:
    """Per field and input: in how many seeds the model's dependence on that
    input matches the truth's on every pair of states (Wilson over seeds)."""
    from .interpret.graph import true_graph

    truth = true_graph(system)
    out: dict = {}
    for f in system.fields:
        for v in system.inputs:
            cells = [r["graph"][f][v] for r in runs]
            k = sum(c["matches_truth"] == c["pairs"] for c in cells)
            out.setdefault(f, {})[v] = {
                "seeds_matching": k, "seeds": len(cells), "wilson95": wilson(k, len(cells)),
                "truth_depends": v in truth[f]["changes_with"],
                "pairs_matching": seed_summary([(c["matches_truth"], c["pairs"]) for c in cells]),
            }
    return out


def compare(configurations: list[dict]) -> dict:
    """Configurations of a grid side by side: per field, each one's held-out
    accuracy with its seed-level interval, and for every pair the difference
    with Newcombe's interval built from those (the seeds of both being the
    units). `configurations`: [{"id", "label", "scorecard"}, ...]."""
    fields = list(configurations[0]["scorecard"]["fields"])
    per_field = {
        f: [{"id": c["id"], "label": c["label"], **{k: c["scorecard"]["fields"][f][k]
                                                    for k in ("accuracy", "interval95", "per_seed", "effective_n")}}
            for c in configurations]
        for f in fields
    }
    differences = []
    for i, a in enumerate(configurations):
        for b in configurations[i + 1:]:
            for f in fields:
                fa, fb = a["scorecard"]["fields"][f], b["scorecard"]["fields"][f]
                diff = None if fa["accuracy"] is None or fb["accuracy"] is None else fa["accuracy"] - fb["accuracy"]
                differences.append({"a": a["id"], "b": b["id"], "field": f, "difference": diff,
                                    "interval95": newcombe_difference(fa, fb)})
    return {"fields": per_field, "differences": differences,
            "interval_method": "Newcombe's hybrid score interval on the two seed-level intervals"}


def interpolator_mark(cell: dict) -> str:
    """The interpolator's prediction for a cell as shown: its value, or ? where
    the lowest-degree fits disagree (or it is exactly a half)."""
    value = cell["guessers"]["interpolator"]
    return f"{value:g}" if cell["interpolator_determined"] else "?"


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
