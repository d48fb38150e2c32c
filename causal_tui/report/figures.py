"""Figures for papers: the current model's probe and a sweep's scorecard, drawn
with matplotlib (imported here only, without a display) to PNG, SVG or PDF."""

from __future__ import annotations

import io
from pathlib import Path

from causal_tui.errors import UserError
from causal_tui.store import atomic

FORMATS = ("png", "svg", "pdf")
RIGHT, WRONG = "#2e9e44", "#d1342f"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"  # text stays text in an SVG (searchable, editable)
    return plt


def _format_of(path: Path) -> str:
    fmt = Path(path).suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise UserError(f"{path}: a figure file must end in .png, .svg or .pdf")
    return fmt


def _save(fig, path: Path) -> Path:
    """Write the figure atomically (a crash leaves the old file or the new one)."""
    path = Path(path)
    fmt = _format_of(path)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=150, bbox_inches="tight")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_bytes(path, buffer.getvalue())
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror or e}") from None
    return path


def probe_figure(report, path: Path, title: str | None = None) -> Path:
    """States x fields: green right, red wrong; held-out states marked on the left."""
    _format_of(path)
    plt = _pyplot()
    from matplotlib.colors import ListedColormap

    system = report.system
    states = [r.state for r in report.states]
    grid = [[1 if r.fields[f].correct else 0 for f in system.fields] for r in report.states]
    height = max(3.0, 0.22 * len(states) + 1.2)
    fig, ax = plt.subplots(figsize=(1.0 + 0.7 * len(system.fields), height))
    ax.imshow(grid, cmap=ListedColormap([WRONG, RIGHT]), vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(len(system.fields)), system.fields)
    ax.xaxis.tick_top()
    labels = [system.format_state(s) + ("  held out" if r.held_out else "") for s, r in zip(states, report.states)]
    ax.set_yticks(range(len(states)), labels, fontsize=7 if len(states) > 64 else 8, family="monospace")
    for tick, r in zip(ax.get_yticklabels(), report.states):
        if r.held_out:
            tick.set_color("#b8860b")
            tick.set_fontweight("bold")
    ax.set_xticks([x - 0.5 for x in range(1, len(system.fields))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(states))], minor=True)
    ax.grid(which="minor", color="white", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    n, total = report.exact(False)
    h, h_total = report.exact(True)
    ax.set_title(title or f"{system.name}: trained exact {n}/{total}, held-out exact {h}/{h_total}\n"
                          "green right, red wrong", fontsize=9, pad=24)
    path = _save(fig, path)
    plt.close(fig)
    return path


def scorecard_figure(card: dict, path: Path, title: str | None = None) -> Path:
    """Held-out states x fields: the fraction of seeds right (k/n written in
    each cell), cells whose answer never occurs in training marked with *."""
    _format_of(path)
    plt = _pyplot()

    fields = list(card["fields"])
    states = card["held_out"]
    cells = {(c["state"], c["field"]): c for c in card["cells"]}
    grid = [[cells[(s, f)]["fraction"] for f in fields] for s in states]
    fig, ax = plt.subplots(figsize=(1.2 + 0.8 * len(fields), max(2.5, 0.35 * len(states) + 1.4)))
    image = ax.imshow(grid, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    for i, s in enumerate(states):
        for j, f in enumerate(fields):
            c = cells[(s, f)]
            dark = c["fraction"] is not None and (c["fraction"] < 0.25 or c["fraction"] > 0.8)
            ax.text(j, i, f"{c['right']}/{c['seeds']}" + ("*" if c["unseen_label"] else ""),
                    ha="center", va="center", fontsize=7, color="white" if dark else "black")
    ax.set_xticks(range(len(fields)), fields)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(states)), states, family="monospace", fontsize=8)
    fig.colorbar(image, ax=ax, fraction=0.04, label="fraction of seeds right")
    ax.set_title(title or f"sweep {card.get('name', '')}: {len(card['seeds'])} seeds, held-out states\n"
                          "* the answer never occurs in that field in training", fontsize=9, pad=24)
    path = _save(fig, path)
    plt.close(fig)
    return path
