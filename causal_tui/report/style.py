"""What every table shares: the colours of right and wrong, and number formats."""

from __future__ import annotations

from rich import box
from rich.table import Table

from causal_tui.science.scorecard import level

RIGHT, WRONG = "green", "red"

_COLOUR = [True]


def set_colour(on: bool) -> None:
    """Whether the output shows colour and underline (a terminal) or not (a pipe,
    a file, NO_COLOR): captions then name marks, never colours."""
    _COLOUR[0] = bool(on)


def colour() -> bool:
    return _COLOUR[0]
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


def _plain_of(renderable) -> str:
    """A cell, title or caption as plain text (markup read, styles dropped)."""
    from rich.text import Text

    if renderable is None:
        return ""
    if isinstance(renderable, Text):
        return renderable.plain
    if isinstance(renderable, str):
        return Text.from_markup(renderable).plain
    return str(renderable)


def markdown_of(table: Table) -> str:
    """A printed table as Markdown: its title in bold, its rows, then its
    caption as plain lines, so that a table read outside a terminal still
    explains itself (the "(N?)" counts are in the cells)."""
    headers = [_plain_of(c.header) or " " for c in table.columns]
    cells = [[_plain_of(x) for x in c._cells] for c in table.columns]

    def row(values) -> str:
        return "| " + " | ".join(v.replace("|", "\\|").replace("\n", " ") for v in values) + " |"

    lines = []
    title = _plain_of(table.title).strip()
    if title:
        lines += [f"**{' — '.join(title.splitlines())}**", ""]
    lines += [row(headers), "|" + "|".join(["---"] * len(headers)) + "|"]
    lines += [row(values) for values in zip(*cells)]
    caption = _plain_of(table.caption).strip()
    if caption:
        lines += ["", *(f"{line.strip()}  " for line in caption.splitlines())]
    return "\n".join(lines)


def captions_of(tables: list[Table]) -> dict[str, str]:
    """{title: caption} of printed tables, plain, for the JSON formats."""
    out = {}
    for t in tables:
        caption = _plain_of(t.caption).strip()
        if caption:
            out[" ".join(_plain_of(t.title).split())] = " ".join(caption.split())
    return out


def site_name(layer: str, position: int | None, labels: list[str] | None = None, arch: str | None = None) -> str:
    """An intervention site in words: 'block 0, token D (position 6)' (GPT-2),
    'layer 1, token B (position 2)' (LSTM), 'hidden layer 0' (MLP: no positions)."""
    if layer == "emb":
        where = "embeddings"
    elif arch == "gpt2":
        where = f"block {layer}"
    elif position is None:
        where = f"hidden layer {layer}"
    else:
        where = f"layer {layer}"
    if position is None:
        return where
    token = labels[position] if labels and 0 <= position < len(labels) else None
    if token and not token.replace("_", "").isalnum() and token != "⏎":
        token = f"'{token}'"  # a comma reads as a comma, not as punctuation of the sentence
    return f"{where}, token {token} (position {position})" if token else f"{where}, position {position}"
