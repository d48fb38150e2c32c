"""How often the scorecard's intervals cover the truth: a simulation of seeds
(numpy only), for tests/test_statistics.py and benchmarks/statistics.py.

A scenario: S seeds, m held-out cells a seed, each seed's accuracy drawn from
a beta distribution of a given mean and within-seed correlation rho (the
intra-class correlation of the beta-binomial, 1 / (a + b + 1)); rho = 1 makes
every seed all-or-nothing. A seed's count of right cells is binomial in its
accuracy. An interval covers where it holds the beta's mean."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

SEEDS = (3, 5, 10)
CELLS = (1, 4, 8)
MEANS = (0.5, 0.8, 0.95)
CORRELATIONS = (0.05, 0.2, 0.5, 1.0)
PAIRS = ((0.5, 0.5), (0.8, 0.5), (0.95, 0.8), (0.95, 0.5))
SHARED = (0.0, 0.7, 0.95)
"""For comparisons: the chance that a seed's second configuration does exactly what its first did."""


@dataclass(frozen=True)
class Result:
    scenario: tuple
    coverage: float
    width: float


def accuracies(rng: np.random.Generator, mean: float, rho: float, shape) -> np.ndarray:
    """Per-seed accuracies: beta of this mean and intra-class correlation, or all-or-nothing at rho = 1."""
    if rho >= 1:
        return (rng.random(shape) < mean).astype(float)
    total = 1.0 / rho - 1.0
    return rng.beta(mean * total, (1.0 - mean) * total, shape)


def field_coverage(interval: Callable[[list[int], list[int]], tuple[float, float]], reps: int = 4000,
                   seed: int = 2026) -> Iterator[Result]:
    """Coverage and mean width of `interval(correct, total)` per scenario of the grid."""
    rng = np.random.default_rng(seed)
    for s in SEEDS:
        for m in CELLS:
            for mean in MEANS:
                for rho in CORRELATIONS:
                    counts = rng.binomial(m, accuracies(rng, mean, rho, (reps, s)))
                    cover = width = 0.0
                    rows, times = np.unique(np.sort(counts, axis=1), axis=0, return_counts=True)
                    for row, n in zip(rows, times):
                        lo, hi = interval([int(k) for k in row], [m] * s)
                        cover += n * (lo <= mean <= hi)
                        width += n * (hi - lo)
                    yield Result((s, m, mean, rho), cover / reps, width / reps)


def paired_coverage(interval: Callable[[list[float], list[float]], tuple[float, float]], reps: int = 2000,
                    seed: int = 2026, unpaired: Callable | None = None) -> Iterator[tuple[Result, Result | None]]:
    """Coverage and width of a paired difference interval over per-seed
    accuracies (configuration a minus b, seed by seed) per scenario; with
    `unpaired` (also over per-seed accuracies), the same for it. Seed k's two
    configurations are correlated through the seed: with probability `shared`
    the second does exactly what the first did."""
    rng = np.random.default_rng(seed)
    for s in SEEDS:
        for m in CELLS:
            for mean_a, mean_b in PAIRS:
                for rho in CORRELATIONS:
                    for shared in SHARED:
                        truth = (1 - shared) * (mean_a - mean_b)
                        ka = rng.binomial(m, accuracies(rng, mean_a, rho, (reps, s)))
                        kb = rng.binomial(m, accuracies(rng, mean_b, rho, (reps, s)))
                        kb = np.where(rng.random((reps, s)) < shared, ka, kb)
                        scenario = (s, m, mean_a, mean_b, rho, shared)
                        # The paired interval reads the seeds' differences only; the unpaired one
                        # each configuration's total: score each distinct one once.
                        d = np.sort((ka - kb) / m, axis=1)
                        paired = _score(np.unique(d, axis=0, return_counts=True), truth, reps,
                                        lambda row: interval(list(np.maximum(row, 0)), list(np.maximum(-row, 0))))
                        other = None
                        if unpaired is not None:
                            totals = np.stack([ka.sum(1), kb.sum(1)], axis=1)
                            other = _score(np.unique(totals, axis=0, return_counts=True), truth, reps,
                                           lambda row: unpaired(_spread(row[0], s, m), _spread(row[1], s, m)))
                        yield Result(scenario, *paired), (Result(scenario, *other) if other else None)


def _score(unique, truth: float, reps: int, fn) -> tuple[float, float]:
    rows, times = unique
    cover = width = 0.0
    for row, n in zip(rows, times):
        lo, hi = fn(row)
        cover += n * (lo <= truth <= hi)
        width += n * (hi - lo)
    return cover / reps, width / reps


def _spread(total: int, seeds: int, m: int) -> list[float]:
    """Per-seed accuracies with this total (an unpaired interval reads the total only)."""
    whole, rest = divmod(int(total), m)
    return [1.0] * whole + ([rest / m] if rest else []) + [0.0] * (seeds - whole - (1 if rest else 0))
