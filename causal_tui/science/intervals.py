"""Intervals that treat the seed (one independently trained model) as the unit.

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

Z95 = 1.959963984540054
INTERVAL_METHOD = "wilson-kish"
INTERVAL_METHOD_TEXT = ("Wilson score interval at Kish's effective sample size over seeds "
                        "(between the number of seeds and the number of cells)")


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


def seed_interval(correct: Sequence[int], total: Sequence[int], level: float = 0.95) -> tuple[float, float]:
    """The interval the scorecard prints for a field's accuracy over seeds:
    `correct[s]` right out of `total[s]` cells for seed s (one independently
    trained model each). UserError where the lists do not fit.

    >>> seed_interval(correct=[8, 8, 7], total=[8, 8, 8])
    """
    per_seed = _per_seed(correct, total)
    cells = sum(m for _, m in per_seed)
    if not cells:
        return (0.0, 1.0)
    return wilson_p(sum(k for k, _ in per_seed) / cells, effective_n(per_seed), _z(level))


def _z(level: float) -> float:
    from statistics import NormalDist

    if not 0 < level < 1:
        from causal_tui.errors import UserError

        raise UserError(f"level must be between 0 and 1, got {level}")
    return NormalDist().inv_cdf(0.5 + level / 2)


def _per_seed(correct: Sequence[int], total: Sequence[int]) -> list[tuple[int, int]]:
    from causal_tui.errors import UserError

    correct, total = list(correct), list(total)
    if len(correct) != len(total):
        raise UserError(f"correct has {len(correct)} seeds and total {len(total)}: give one count of each per seed")
    for k, m in zip(correct, total):
        if not (isinstance(k, int) and isinstance(m, int)) or not 0 <= k <= m:
            raise UserError(f"each seed needs 0 <= correct <= total in whole numbers, got {k} of {m}")
    return list(zip(correct, total))


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
