"""Training and eval loss as a textual-plotext line chart, cheap for long runs."""

from __future__ import annotations

from textual_plotext import PlotextPlot

MAX_POINTS = 200
"""Redraw cost grows with points (about 7 ms at 50, 94 ms at 10k): downsample."""


def downsample(points: list[tuple[int, float]], limit: int = MAX_POINTS) -> list[tuple[int, float]]:
    """At most `limit` points: means over equal buckets, the last point kept."""
    if len(points) <= limit:
        return points
    size = len(points) / limit
    out = []
    for b in range(limit):
        bucket = points[int(b * size):int((b + 1) * size)] or [points[-1]]
        out.append((bucket[-1][0], sum(p[1] for p in bucket) / len(bucket)))
    return out


class LossChart(PlotextPlot):
    def on_mount(self) -> None:
        self.show([], [])

    def show(self, losses: list[tuple[int, float]], evals: list[tuple[int, float]]) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel("step")
        pts = downsample(losses)
        if not pts:
            plt.title("loss: nothing trained in this session yet")
            self.refresh()
            return
        plt.title("loss (log scale)")
        # Loss falls by orders of magnitude; a log axis keeps the tail readable.
        plt.yscale("log")
        if pts:
            plt.plot([p[0] for p in pts], [max(p[1], 1e-6) for p in pts], label="train", marker="braille")
        if evals:
            plt.plot([p[0] for p in evals], [max(p[1], 1e-6) for p in evals], label="eval", marker="dot")
        self.refresh()
