"""What every table shares: the colours of right and wrong, and number formats."""

from __future__ import annotations

from rich import box
from rich.table import Table

from causal_tui.science.scorecard import level

RIGHT, WRONG = "green", "red"
LEVEL_STYLE = {"right": RIGHT, "wrong": WRONG, "mixed": "yellow", "none": "dim"}


def plain(text) -> str:
    """Text from a user (a system's name, a path) inside rich markup: printed
    as it is, never as markup, and no control character reaches the terminal."""
    from rich.markup import escape

    cleaned = "".join(ch if ch.isprintable() or ch == "\n" else "?" for ch in str(text))
    return escape(cleaned)


def mark(ok: bool) -> str:
    return f"[{RIGHT}]✓[/]" if ok else f"[{WRONG}]✗[/]"


def shade(fraction: float | None) -> str:
    """The style of a fraction right: green near 1, red near 0, yellow between."""
    return LEVEL_STYLE[level(fraction)]


def num(x: float | None) -> str:
    """Two decimals, or three where two would round an exact half (1/8 is
    0.125, not 0.12 half-to-even); '--' for none."""
    if x is None:
        return "--"
    thousandths = x * 1000
    if abs(thousandths - round(thousandths)) < 1e-9 and round(thousandths) % 10 == 5:
        return f"{x:.3f}"
    return f"{x:.2f}"


def bound(x: float, upper: bool) -> str:
    """An interval's bound in two decimals, with more where two would print a
    bound below 1 as 1.00 (or one above 0 as 0.00); past four, 0.9999 (0.0001)."""
    for digits in (2, 3, 4):
        text = f"{x:.{digits}f}"
        if not ((upper and x < 1 and text.startswith("1.")) or (not upper and x > 0 and float(text) == 0)):
            return text
    return "0.9999" if upper else "0.0001"


def interval(pair, signed: bool = False) -> str:
    lo, hi = pair
    if signed:
        return f"[{lo:+.2f}, {hi:+.2f}]"
    return f"[{bound(lo, False)}, {bound(hi, True)}]"


def report_table(title: str, caption: str | None = None, **more) -> Table:
    """The printed tables' one look: the title and the caption left-aligned, a
    rule under a bold header."""
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, header_style="bold",
                 caption=caption, caption_justify="left", **more)
