"""Reference guessers: what simple similarity, not rule learning, would answer
on held-out states. Each takes the trained states and returns, per state and
field, a prediction."""

from __future__ import annotations

from collections import Counter

from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import State, System


def _winner(votes: Counter) -> int | None:
    """The value with the most votes; None where the vote is tied: which of the
    tied values a guesser "answers" would be a tie-break, not a property of the data."""
    ranked = votes.most_common()
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return ranked[0][0]


def majority(system: System, trained, field: str) -> int | None:
    """The most common value of a field over the trained states (None where tied)."""
    return _winner(Counter(system.truth(s)[field] for s in trained))


def majority_votes(system: System, trained, field: str) -> dict[int, int]:
    """How many trained states have each value of the field (to say what a tie was)."""
    return dict(sorted(Counter(system.truth(s)[field] for s in trained).items()))


def nearest_neighbour(system: System, trained, state: State, field: str) -> int | None:
    """Vote of the trained states nearest in Hamming distance (None where tied)."""
    dist = {t: sum(a != b for a, b in zip(t, state)) for t in trained}
    nearest = min(dist.values())
    return _winner(Counter(system.truth(t)[field] for t, d in dist.items() if d == nearest))


def interpolator(system: System, trained, field: str):
    """The family of lowest-degree polynomials in the inputs that fit the
    trained states exactly (exact_fit.Fit): `.degree`, and `.predict(state)`
    saying whether every such fit agrees there."""
    from causal_tui.science.exact_fit import lowest_degree_fit

    return lowest_degree_fit(trained, [system.truth(s)[field] for s in trained], len(system.inputs))


def min_degree(system: System, trained, field: str):
    """The field's min-degree interpolator over the trained states (mdi.MinDegree),
    or the reason it was not computed (a string)."""
    import numpy as np

    from causal_tui.science import mdi

    try:
        return mdi.fit(np.array(trained, dtype=np.int8), [system.truth(s)[field] for s in trained],
                       len(system.inputs))
    except mdi.TooManyMonomials as e:
        return str(e)


def predictions(system: System, held_out: HeldOut) -> dict[State, dict[str, dict]]:
    """For each held-out state and field: the majority and nearest-neighbour
    answers, the interpolator's exact_fit.Prediction, and the min-degree
    interpolator's value ("mdi") and answer ("mdi_answer"); for a field whose
    rule reads other fields, that rule on the MDI's answers for them ("mdi_rule")."""
    from causal_tui.science import mdi

    trained = held_out.trained()
    fits = {f: interpolator(system, trained, f) for f in system.fields}
    mdis = {f: min_degree(system, trained, f) for f in system.fields}
    out = {}
    for s in held_out:
        row = {}
        for f in system.fields:
            value = mdis[f].value(s) if isinstance(mdis[f], mdi.MinDegree) else None
            row[f] = {"majority": majority(system, trained, f),
                      "nearest_neighbour": nearest_neighbour(system, trained, s, f),
                      "interpolator": fits[f].predict(s), "mdi": value,
                      "mdi_answer": mdi.answer(value, binary=f in system.outputs)}
        for f in system.composed:
            row[f]["mdi_rule"] = system.rule_on(f, s, {g: row[g]["mdi_answer"] for g in system.fields})
        out[s] = row
    return out


def min_degrees(system: System, held_out: HeldOut) -> dict[str, object]:
    """Each field's MDI over the trained states (or why it was not computed)."""
    trained = held_out.trained()
    return {f: min_degree(system, trained, f) for f in system.fields}
