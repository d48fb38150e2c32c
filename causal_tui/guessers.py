"""Reference guessers: what simple similarity, not rule learning, would answer
on held-out states. Each takes the trained states and returns, per state and
field, a prediction."""

from __future__ import annotations

import itertools
from collections import Counter

from . import rules
from .rules import State


def majority(trained, field: str) -> int:
    """The most common value of a field over the trained states (ties: the smaller)."""
    counts = Counter(rules.truth(s)[field] for s in trained)
    return max(sorted(counts), key=lambda v: counts[v])


def nearest_neighbour(trained, state: State, field: str) -> int:
    """Vote of the trained states nearest in Hamming distance (ties: the smaller value)."""
    dist = {t: sum(a != b for a, b in zip(t, state)) for t in trained}
    nearest = min(dist.values())
    votes = Counter(rules.truth(t)[field] for t, d in dist.items() if d == nearest)
    return max(sorted(votes), key=lambda v: votes[v])


def _monomials(degree: int):
    """Products of distinct inputs of at most `degree` factors (inputs are 0/1,
    so higher powers add nothing)."""
    n = len(rules.INPUTS)
    return [c for d in range(degree + 1) for c in itertools.combinations(range(n), d)]


def _features(states, monomials):
    import numpy as np

    return np.array([[float(all(s[i] for i in m)) for m in monomials] for s in states])


def interpolator(trained, field: str):
    """The lowest-degree polynomial in the inputs that fits the trained states
    exactly (the smallest-norm one where several do). Returns (degree, predict)."""
    import numpy as np

    y = np.array([rules.truth(s)[field] for s in trained], dtype=float)
    for degree in range(len(rules.INPUTS) + 1):
        monomials = _monomials(degree)
        x = _features(trained, monomials)
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        if np.allclose(x @ coef, y, atol=1e-8):
            break

    def predict(state: State) -> float:
        return float((_features([state], monomials) @ coef)[0])

    return degree, predict


def predictions(held_out) -> dict[State, dict[str, dict[str, float]]]:
    """For each held-out state and field: each guesser's prediction."""
    from .holdout import trained_states

    trained = trained_states(held_out)
    fitted = {f: interpolator(trained, f)[1] for f in rules.FIELDS}
    return {
        s: {f: {"majority": majority(trained, f),
                "nearest_neighbour": nearest_neighbour(trained, s, f),
                "interpolator": round(fitted[f](s), 6)}
            for f in rules.FIELDS}
        for s in held_out
    }
