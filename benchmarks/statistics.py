"""Coverage and width of the scorecard's intervals, in simulation (numpy only).

    uv run python -m benchmarks.statistics

Prints, for the seed-level interval of a field's accuracy (the scorecard's,
`causal_tui.stats.seed_interval`) and the one earlier versions printed (Wilson
at Kish's effective sample size), the worst and the mean coverage of 95%
intervals over the grid of tests/test_statistics.py (3, 5, 10 seeds; 1, 4, 8
cells a seed; beta accuracies of mean 0.5, 0.8, 0.95; within-seed correlation
0.05, 0.2, 0.5, 1), their mean width per number of seeds, and the same for
the paired difference of two configurations against the unpaired one."""

from __future__ import annotations

import math
import statistics
import time
from collections import defaultdict

from causal_tui.science import coverage, intervals

Z95 = 1.959963984540054


def wilson_kish(correct: list[int], total: list[int]) -> tuple[float, float]:
    """The interval of causal-tui 0.1: Wilson's at Kish's effective sample size, kept between seeds and cells."""
    seeds = [(k, m) for k, m in zip(correct, total) if m > 0]
    s, cells = len(seeds), sum(m for _, m in seeds)
    p = sum(k for k, _ in seeds) / cells
    mean_m = cells / s
    v = sum(((k - p * m) / mean_m) ** 2 for k, m in seeds) / (s * (s - 1)) if s > 1 else 0.0
    n = 1.0 if s == 1 else float(s) if p in (0.0, 1.0) else float(cells) if v == 0 else \
        min(float(cells), max(float(s), p * (1 - p) / v))
    denom = 1 + Z95 ** 2 / n
    centre = (p + Z95 ** 2 / (2 * n)) / denom
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / denom
    return (0.0 if p <= 0 else max(0.0, centre - half), 1.0 if p >= 1 else min(1.0, centre + half))


def summarise(name: str, results) -> None:
    worst = min(results, key=lambda r: r.coverage)
    by_seeds = defaultdict(list)
    for r in results:
        by_seeds[r.scenario[0]].append(r.width)
    widths = "  ".join(f"{s} seeds {statistics.mean(w):.2f}" for s, w in sorted(by_seeds.items()))
    print(f"{name:<34} worst {worst.coverage:.3f} at {worst.scenario}; mean {statistics.mean(r.coverage for r in results):.3f}; "
          f"mean width: {widths}")


def main() -> int:
    start = time.perf_counter()
    print("95% intervals for a field's held-out accuracy over seeds (4000 repetitions a scenario)")
    summarise("exact over seeds (this version)", list(coverage.field_coverage(intervals.seed_interval)))
    summarise("Wilson at Kish's n (version 0.1)", list(coverage.field_coverage(wilson_kish)))
    print("95% intervals for configuration a minus b, seeds correlated (2000 repetitions a scenario)")
    pairs = list(coverage.paired_coverage(intervals.paired_interval, unpaired=intervals.unpaired_difference))
    summarise("paired by seed (this version)", [p for p, _ in pairs])
    summarise("unpaired (Newcombe, exact parts)", [u for _, u in pairs])
    helped = [(p, u) for p, u in pairs if p.scenario[5] >= 0.7]
    for seeds in coverage.SEEDS:
        some = [(p, u) for p, u in helped if p.scenario[0] == seeds]
        print(f"  where seeds share outcomes (>= 0.7), {seeds} seeds: paired narrower in "
              f"{sum(p.width < u.width for p, u in some)}/{len(some)} scenarios, mean width "
              f"{statistics.mean(p.width for p, _ in some):.2f} vs {statistics.mean(u.width for _, u in some):.2f}")
    print(f"({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
