"""What every table shares: the colours of right and wrong, and number formats."""

from __future__ import annotations

from causal_tui.science.scorecard import level

RIGHT, WRONG = "green", "red"
LEVEL_STYLE = {"right": RIGHT, "wrong": WRONG, "mixed": "yellow", "none": "dim"}


def mark(ok: bool) -> str:
    return f"[{RIGHT}]✓[/]" if ok else f"[{WRONG}]✗[/]"


def shade(fraction: float | None) -> str:
    """The style of a fraction right: green near 1, red near 0, yellow between."""
    return LEVEL_STYLE[level(fraction)]


def num(x: float | None) -> str:
    return "--" if x is None else f"{x:.2f}"


def interval(pair) -> str:
    lo, hi = pair
    return f"[{lo:.2f}, {hi:.2f}]"
