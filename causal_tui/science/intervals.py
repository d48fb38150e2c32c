"""Intervals that treat the seed (one independently trained model) as the unit.

A field's held-out accuracy over S seeds is the mean of the seeds' own
accuracies (each seed: k_s of m_s cells right). The cells of one seed are not
independent trials: a seed that learned a rule gets all of them right, and in
the worst case (every seed all right or all wrong) the S seeds are all the
evidence there is. The interval is therefore exact over seeds: the
Clopper-Pearson interval (Clopper & Pearson 1934) for T = sum_s k_s/m_s
"successes" out of S trials, its bounds the beta quantiles

    lower = Beta^-1(alpha/2; T, S - T + 1),   upper = Beta^-1(1 - alpha/2; T + 1, S - T),

with fractional T (a seed with 7 of 8 right counts 0.875). Where seeds are
all-or-nothing this is the exact binomial interval (coverage at least 95%);
where their scores are spread less than that, it covers more often than 95%
(a seed's score lies in [0, 1] and a Bernoulli score is the most spread one:
the convex-order argument behind binomial bounds for bounded variables).
Properties the scorecard needs, checked by tests/test_statistics.py's
simulation (S = 3, 5, 10 seeds; 1, 4, 8 cells a seed; per-seed accuracy from
beta distributions of means 0.5, 0.8, 0.95 and within-seed correlations
0.05, 0.2, 0.5 and 1):

- monotone: raising any seed's count never lowers either bound (the bounds
  grow with T, and T with every k_s);
- never narrower than the seeds allow: it uses the seeds' scores only, so
  three seeds that agree at 4 of 8 read [0.13, 0.87], not [0.31, 0.69];
- coverage at least 0.95 in every scenario of that grid (worst case printed
  by the benchmark of the statistics, see the docs).

Differences between two configurations of a grid are paired: seed k of each
trains on the same dataset from the same initialisation seed, so the seeds'
own differences d_s = acc_a(s) - acc_b(s) carry the comparison. Their mean
is split as mean(d+) - mean(d-) (d+ = max(d, 0), d- = max(-d, 0), both in
[0, 1]); each part gets the exact interval above, and the two are combined
by MOVER (Zou & Donner 2008, the method of variance estimates recovery that
Newcombe's 1998 hybrid interval is an instance of):

    L = D - sqrt((p+ - L+)^2 + (U- - p-)^2),   U = D + sqrt((U+ - p+)^2 + (p- - L-)^2).

Where configurations agree seed by seed (d = 0), both parts are near 0 and
the interval is far narrower than combining the configurations' own
intervals; in the simulation it covers at least 95% and, from 5 seeds on,
is narrower than that unpaired interval wherever seeds share their outcomes."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Sequence

INTERVAL_METHOD = "seed-exact"
INTERVAL_METHOD_TEXT = ("exact (Clopper-Pearson) interval over seeds for the mean of the seeds' accuracies, "
                        "each seed one trial scored by its share of right cells")
DIFFERENCE_METHOD = "paired-seed-mover"
DIFFERENCE_METHOD_TEXT = ("paired by seed: exact intervals for the means of the seeds' positive and negative "
                          "differences, combined by MOVER (Zou & Donner 2008)")


# -- the beta distribution, without scipy ------------------------------------------------
def _continued_fraction(a: float, b: float, x: float) -> float:
    """Lentz's continued fraction for the incomplete beta function (Numerical Recipes' betacf)."""
    tiny, eps = 1e-300, 1e-15
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < eps:
            break
    return h


def beta_cdf(x: float, a: float, b: float) -> float:
    """The regularized incomplete beta function I_x(a, b): P(X <= x) for X ~ Beta(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _continued_fraction(a, b, x) / a
    return 1.0 - front * _continued_fraction(b, a, 1.0 - x) / b


@lru_cache(maxsize=65536)
def beta_quantile(q: float, a: float, b: float) -> float:
    """x with beta_cdf(x, a, b) = q, by bisection (to 1e-10)."""
    lo, hi = 0.0, 1.0
    for _ in range(34):  # 2^-34: far below what any table prints
        mid = (lo + hi) / 2
        if beta_cdf(mid, a, b) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def exact_bounds(successes: float, trials: int, level: float = 0.95) -> tuple[float, float]:
    """The Clopper-Pearson interval for `successes` (may be fractional) out of `trials`."""
    if trials <= 0:
        return (0.0, 1.0)
    alpha = 1.0 - level
    t = min(max(successes, 0.0), float(trials))
    lower = 0.0 if t <= 0 else beta_quantile(alpha / 2, t, trials - t + 1)
    upper = 1.0 if t >= trials else beta_quantile(1 - alpha / 2, t + 1, trials - t)
    return (lower, upper)


# -- a field over seeds ---------------------------------------------------------------------
def seed_interval(correct: Sequence[int], total: Sequence[int], level: float = 0.95) -> tuple[float, float]:
    """The interval the scorecard prints for a field's accuracy over seeds:
    `correct[s]` right out of `total[s]` cells for seed s (one independently
    trained model each); seeds without cells do not count. UserError where the
    lists do not fit.

    Examples:
        >>> seed_interval(correct=[8, 8, 7], total=[8, 8, 8])      # about (0.27, 1.0)
        >>> seed_interval(correct=[8, 8, 8], total=[8, 8, 8])      # about (0.29, 1.0): never lower
    """
    per_seed = [(k, m) for k, m in _per_seed(correct, total) if m > 0]
    _check_level(level)
    return exact_bounds(sum(k / m for k, m in per_seed), len(per_seed), level)


def seed_summary(per_seed: Sequence[tuple[int, int]], level: float = 0.95) -> dict:
    """Pooled accuracy over seeds, each seed's own, and the seed-level interval.

    `per_seed`: (right, cells) for each seed, in seed order."""
    right = sum(k for k, _ in per_seed)
    cells = sum(m for _, m in per_seed)
    counted = [(k, m) for k, m in per_seed if m > 0]
    return {
        "right": right, "total": cells,
        "accuracy": right / cells if cells else None,
        "seed_mean": sum(k / m for k, m in counted) / len(counted) if counted else None,
        "per_seed": [k / m if m else None for k, m in per_seed],
        "seeds_counted": len(counted),
        "interval95": seed_interval([k for k, _ in per_seed], [m for _, m in per_seed], level),
        "interval_method": INTERVAL_METHOD,
    }


def seeds_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """The exact interval for k of n seeds (each seed one trial): a cell's seeds
    right, the seeds that follow an intervention, the seeds whose graph matches."""
    return exact_bounds(k, n, level)


# -- two configurations, paired by seed ----------------------------------------------------------
def mean_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """Student's t interval of the mean of real values over seeds (a Walsh
    coefficient, a distance): mean +- t_{n-1} s / sqrt(n); the point itself
    from one value. t comes from the incomplete beta: P(|T| > t) = I_{v/(v+t^2)}(v/2, 1/2)."""
    _check_level(level)
    n = len(values)
    if n == 0:
        raise ValueError("no values")
    mean = sum(values) / n
    if n == 1:
        return (mean, mean)
    v = n - 1
    x = beta_quantile(1.0 - level, v / 2, 0.5)
    t = math.sqrt(v * (1.0 - x) / x)
    sd = math.sqrt(sum((y - mean) ** 2 for y in values) / v)
    half = t * sd / math.sqrt(n)
    return (mean - half, mean + half)


def paired_difference(a: Sequence[float | None], b: Sequence[float | None], level: float = 0.95) -> dict | None:
    """Configuration a minus configuration b from their seeds' accuracies,
    seed k of a paired with seed k of b (None: a seed without cells). The mean
    of the seeds' differences, its interval (see the module's docstring) and
    the p-value Holm's adjustment reads; None without a common seed."""
    diffs = [x - y for x, y in zip(a, b) if x is not None and y is not None]
    if not diffs:
        return None
    return {"difference": sum(diffs) / len(diffs), "interval95": _paired_bounds(diffs, level), "seeds": len(diffs),
            "p_value": _paired_p_value(diffs), "method": DIFFERENCE_METHOD}


def paired_interval(a: Sequence[float | None], b: Sequence[float | None], level: float = 0.95) -> tuple[float, float]:
    """The interval of paired_difference alone (what the coverage simulation checks)."""
    diffs = [x - y for x, y in zip(a, b) if x is not None and y is not None]
    return _paired_bounds(diffs, level) if diffs else (-1.0, 1.0)


def _paired_bounds(diffs: Sequence[float], level: float) -> tuple[float, float]:
    """MOVER (Zou & Donner 2008) on the mean positive and the mean negative
    difference, each with its exact interval over seeds."""
    n = len(diffs)
    up = sum(max(d, 0.0) for d in diffs)
    down = sum(max(-d, 0.0) for d in diffs)
    p_up, p_down = up / n, down / n
    lo_up, hi_up = exact_bounds(up, n, level)
    lo_down, hi_down = exact_bounds(down, n, level)
    diff = p_up - p_down
    return (max(-1.0, diff - math.sqrt((p_up - lo_up) ** 2 + (hi_down - p_down) ** 2)),
            min(1.0, diff + math.sqrt((hi_up - p_up) ** 2 + (p_down - lo_down) ** 2)))


def _paired_p_value(diffs: Sequence[float]) -> float:
    """The smallest alpha at which the paired interval (at level 1 - alpha)
    leaves out 0: 1 where even the narrowest one holds it."""
    if not _leaves_out_zero(diffs, 1e-6):
        return 1.0
    low, high = 1e-6, 1.0 - 1e-9  # 0 is left out at level `low`
    if _leaves_out_zero(diffs, high):
        return 1.0 - high
    for _ in range(26):
        mid = (low + high) / 2
        if _leaves_out_zero(diffs, mid):
            low = mid
        else:
            high = mid
    return 1.0 - low


def _leaves_out_zero(diffs: Sequence[float], level: float) -> bool:
    lo, hi = _paired_bounds(diffs, level)
    return lo > 0.0 or hi < 0.0


def unpaired_difference(a: Sequence[float | None], b: Sequence[float | None],
                        level: float = 0.95) -> tuple[float, float] | None:
    """Mean accuracy of a minus b from their seeds' accuracies as if the two
    were independent: Newcombe's hybrid score method (Newcombe 1998) on their
    own seed-level intervals. For comparison with the paired interval; the
    scorecard prints the paired one."""
    a, b = [x for x in a if x is not None], [y for y in b if y is not None]
    if not a or not b:
        return None
    p1, p2 = sum(a) / len(a), sum(b) / len(b)
    (l1, u1), (l2, u2) = exact_bounds(sum(a), len(a), level), exact_bounds(sum(b), len(b), level)
    d = p1 - p2
    return (max(-1.0, d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)),
            min(1.0, d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)))


def holm(p_values: Sequence[float], alpha: float = 0.05) -> list[bool]:
    """Holm's step-down adjustment (Holm 1979): which of these tests reject at
    family-wise level alpha (their order kept)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    reject = [False] * len(p_values)
    m = len(p_values)
    for rank, i in enumerate(order):
        if p_values[i] > alpha / (m - rank):
            break
        reject[i] = True
    return reject


# -- checking what callers give ------------------------------------------------------------------
def _check_level(level: float) -> None:
    if not 0 < level < 1:
        from causal_tui.errors import UserError

        raise UserError(f"level must be between 0 and 1, got {level}")


def _per_seed(correct: Sequence[int], total: Sequence[int]) -> list[tuple[int, int]]:
    from causal_tui.errors import UserError

    correct, total = list(correct), list(total)
    if len(correct) != len(total):
        raise UserError(f"correct has {len(correct)} seeds and total {len(total)}: give one count of each per seed")
    for k, m in zip(correct, total):
        if not (isinstance(k, int) and isinstance(m, int)) or not 0 <= k <= m:
            raise UserError(f"each seed needs 0 <= correct <= total in whole numbers, got {k} of {m}")
    return list(zip(correct, total))
