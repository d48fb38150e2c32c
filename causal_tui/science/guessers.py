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


NEAREST_UP_TO = 400_000_000
"""Held-out x trained pairs up to which the nearest-neighbour vote is taken
for every held-out state; above, for a seeded sample of NEAREST_SAMPLE of them
(the others get no answer, counted as undetermined)."""
NEAREST_SAMPLE = 2_048


def nearest_neighbours(system: System, trained, states: list[State]) -> dict[State, dict[str, int | None]]:
    """nearest_neighbour for many states and every field at once (numpy,
    states packed into integers: Hamming distance is a popcount of their xor)."""
    import random

    import numpy as np

    n = len(system.inputs)
    weights = 1 << np.arange(n - 1, -1, -1, dtype=np.int64)
    trained_codes = np.array(trained, dtype=np.int64).reshape(-1, n) @ weights
    truths = {f: np.array([system.truth(t)[f] for t in trained]) for f in system.fields}
    chosen = states
    if len(states) * len(trained) > NEAREST_UP_TO:
        chosen = sorted(random.Random(0).sample(states, min(NEAREST_SAMPLE, len(states))))
    out: dict[State, dict[str, int | None]] = {s: {f: None for f in system.fields} for s in states}
    for s in chosen:
        code = int(np.array(s, dtype=np.int64) @ weights)
        distance = np.bitwise_count(trained_codes ^ code)
        nearest = distance == distance.min()
        for f in system.fields:
            votes = Counter(truths[f][nearest].tolist())
            out[s][f] = _winner(votes)
    return out


def nearest_neighbour(system: System, trained, state: State, field: str) -> int | None:
    """Vote of the trained states nearest in Hamming distance (None where tied)."""
    dist = {t: sum(a != b for a, b in zip(t, state)) for t in trained}
    nearest = min(dist.values())
    return _winner(Counter(system.truth(t)[field] for t, d in dist.items() if d == nearest))


EXACT_UP_TO = 10
"""Inputs up to which the lowest-degree fit is found in exact rational arithmetic;
above, it would take minutes, and the min-degree interpolator (floating point) stands in."""


class _NotComputed:
    """The lowest-degree fit of a system too large for exact arithmetic: its
    degree (the min-degree interpolator's), no prediction."""

    def __init__(self, degree):
        self.degree = degree

    def predict(self, state):
        from causal_tui.science.exact_fit import Prediction

        return Prediction(None)


def interpolator(system: System, trained, field: str):
    """The family of lowest-degree polynomials in the inputs that fit the
    trained states exactly (exact_fit.Fit): `.degree`, and `.predict(state)`
    saying whether every such fit agrees there. Above EXACT_UP_TO inputs, not
    computed (every prediction undetermined; its degree the MDI's)."""
    from causal_tui.science.exact_fit import lowest_degree_fit

    if len(system.inputs) > EXACT_UP_TO:
        fit = min_degree(system, trained, field)
        return _NotComputed(getattr(fit, "degree", None))
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

    import numpy as np

    trained = held_out.trained()
    fits = {f: interpolator(system, trained, f) for f in system.fields}
    mdis = {f: min_degree(system, trained, f) for f in system.fields}
    majorities = {f: majority(system, trained, f) for f in system.fields}
    nearest = nearest_neighbours(system, trained, list(held_out))
    held_bits = np.array(list(held_out), dtype=np.int8).reshape(-1, len(system.inputs))
    values = {f: (mdis[f].values(held_bits) if isinstance(mdis[f], mdi.MinDegree) else None) for f in system.fields}
    out = {}
    for i, s in enumerate(held_out):
        row = {}
        for f in system.fields:
            value = None if values[f] is None else mdi.clean(float(values[f][i]))
            row[f] = {"majority": majorities[f], "nearest_neighbour": nearest[s][f],
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
