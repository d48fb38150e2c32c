"""The multi-seed held-out scorecard: per held-out state and field, how often
the model is right (with a 95% Wilson interval), against reference guessers."""

from __future__ import annotations

import math

from . import guessers, holdout, rules

Z95 = 1.959963984540054


def level(fraction: float | None) -> str:
    """How a cell reads: 'right' when (nearly) every seed is right, 'wrong' when
    (nearly) none is, 'mixed' between, 'none' without data."""
    if fraction is None:
        return "none"
    return "right" if fraction >= 0.9 else "wrong" if fraction <= 0.1 else "mixed"


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval for k successes in n trials."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At k = 0 or k = n the bound is exactly 0 or 1; say so rather than 5e-17.
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return (lo, hi)


def _own_rule(field: str, held_out, runs: list[dict]) -> dict | None:
    """For a field whose rule reads other fields (sum2 = newA+...+newD): how
    often, on held-out states, the model's answer is that rule applied to its
    own answers for them. High while its accuracy is low: it composes, but from
    wrong parts."""
    if field not in rules.COMPOSED:
        return None
    k = total = 0
    for r in runs:
        for s in held_out:
            answers = r["predictions"][rules.format_state(s)]
            expected = rules.rule_on(field, s, answers)
            if expected is not None and answers[field] is not None:
                total += 1
                k += answers[field] == expected
    return {"reads": list(rules.READS[field]), "consistent": k, "total": total,
            "fraction": k / total if total else None, "wilson95": wilson(k, total)}


def build(held_out, runs: list[dict]) -> dict:
    """`runs`: one per seed, {"seed": k, "predictions": {state: {field: value or None}}}
    over at least the held-out states. Returns the scorecard as plain data."""
    held_out = tuple(sorted(held_out))
    trained = holdout.trained_states(held_out)
    guesses = guessers.predictions(held_out)
    unseen = holdout.unseen_labels(held_out)
    n = len(runs)
    cells = []
    for s in held_out:
        key = rules.format_state(s)
        truth = rules.truth(s)
        for f in rules.FIELDS:
            preds = [r["predictions"][key][f] for r in runs]
            k = sum(p == truth[f] for p in preds)
            g = guesses[s][f]
            cells.append({
                "state": key, "field": f, "truth": truth[f],
                "right": k, "seeds": n, "fraction": k / n if n else None, "wilson95": wilson(k, n),
                "unseen_label": f in unseen[s],
                "model_values": preds,
                "guessers": g,
                "agree": {name: sum(p == round(v) for p in preds) / n if n else None for name, v in g.items()},
            })
    fields = {}
    for f in rules.FIELDS:
        fc = [c for c in cells if c["field"] == f]
        own = _own_rule(f, held_out, runs)
        k, total = sum(c["right"] for c in fc), sum(c["seeds"] for c in fc)
        maj = guessers.majority(trained, f)
        fields[f] = {
            "right": k, "total": total, "accuracy": k / total if total else None, "wilson95": wilson(k, total),
            "chance_value": maj,
            "chance_accuracy": sum(rules.truth(s)[f] == maj for s in held_out) / len(held_out),
            "guesser_accuracy": {name: sum(round(c["guessers"][name]) == c["truth"] for c in fc) / len(fc)
                                 for name in ("majority", "nearest_neighbour", "interpolator")},
            "agreement": {name: sum(c["agree"][name] * c["seeds"] for c in fc) / total if total else None
                          for name in ("majority", "nearest_neighbour", "interpolator")},
            "interpolator_degree": guessers.interpolator(trained, f)[0],
            "own_answers": own,
        }
    groups = {}
    for label, flag in (("unseen_label", True), ("seen_label", False)):
        gc = [c for c in cells if c["unseen_label"] == flag]
        k, total = sum(c["right"] for c in gc), sum(c["seeds"] for c in gc)
        groups[label] = {"cells": len(gc), "right": k, "total": total,
                         "accuracy": k / total if total else None, "wilson95": wilson(k, total)}
    return {
        "held_out": [rules.format_state(s) for s in held_out],
        "seeds": [r["seed"] for r in runs],
        "cells": cells,
        "fields": fields,
        "by_label": groups,
    }
