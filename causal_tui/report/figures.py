"""Figures for papers: the current model's probe and a sweep's scorecard, drawn
with matplotlib (imported here only, without a display) to PNG, SVG or PDF."""

from __future__ import annotations

import io
from pathlib import Path

from causal_tui.errors import UserError
from causal_tui.store import atomic

FORMATS = ("png", "svg", "pdf")
# Okabe-Ito blue and orange: apart for red-green colour-blind readers too; a
# wrong cell also carries a mark, so the figure reads in grey as well.
RIGHT, WRONG, HELD = "#0072B2", "#E69F00", "#CC79A7"
MARK = "\u2717"  # ✗


def about(manifest: dict | None) -> str:
    """Which model a figure shows, from its manifest: "run 20261201-224131-1, gpt2, seed 42, bf16"."""
    if not manifest:
        return "model"
    config = manifest.get("config") or {}
    parts = [f"run {manifest['run_id']}" if manifest.get("run_id") else "model"]
    parts += [str(config["arch"])] if config.get("arch") else []
    parts += [f"seed {config['seed']}"] if config.get("seed") is not None else []
    parts += [str(manifest["precision"])] if manifest.get("precision") else []
    return ", ".join(parts)


def _held_out_text(labels: list[str], spec: str | None = None) -> str:
    if not labels:
        return "nothing held out"
    if spec and spec not in labels:
        return f"held out {spec} ({len(labels)} states)"
    return "held out " + ("; ".join(labels) if len(labels) <= 2 else f"{len(labels)} states")


def _seeds_text(seeds: list[int]) -> str:
    if seeds and seeds == list(range(seeds[0], seeds[0] + len(seeds))) and len(seeds) > 2:
        return f"seeds {seeds[0]}-{seeds[-1]} ({len(seeds)})"
    return "seeds " + ", ".join(map(str, seeds))


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


def probe_figure(report, path: Path, title: str | None = None, model: str | None = None) -> Path:
    """States x fields: blue right, orange with a mark wrong; held-out states
    marked on the left. The title names the system, the model (`model`, e.g.
    from `about(manifest)`) and what was held out."""
    _format_of(path)
    plt = _pyplot()
    from matplotlib.colors import ListedColormap

    system = report.system
    states = [r.state for r in report.states]
    grid = [[1 if r.fields[f].correct else 0 for f in system.fields] for r in report.states]
    height = max(3.0, 0.22 * len(states) + 1.4)
    fig, ax = plt.subplots(figsize=(2.4 + 0.7 * len(system.fields), height))
    ax.imshow(grid, cmap=ListedColormap([WRONG, RIGHT]), vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    for i, row in enumerate(grid):
        for j, right in enumerate(row):
            if not right:
                ax.text(j, i, MARK, ha="center", va="center", fontsize=8, color="black")
    ax.set_xticks(range(len(system.fields)), system.fields)
    ax.xaxis.tick_top()
    labels = [system.format_state(s) + ("  held out" if r.held_out else "") for s, r in zip(states, report.states)]
    ax.set_yticks(range(len(states)), labels, fontsize=7 if len(states) > 64 else 8, family="monospace")
    for tick, r in zip(ax.get_yticklabels(), report.states):
        if r.held_out:
            tick.set_color(HELD)
            tick.set_fontweight("bold")
    ax.set_xticks([x - 0.5 for x in range(1, len(system.fields))], minor=True)
    ax.set_yticks([y - 0.5 for y in range(1, len(states))], minor=True)
    ax.grid(which="minor", color="white", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    n, total = report.exact(False)
    h, h_total = report.exact(True)
    held = _held_out_text([system.format_state(s) for s in report.held_out])
    ax.set_title(title or f"system {system.name}: {model or 'model'}; {held}\n"
                          f"trained exact {n}/{total}, held-out exact {h}/{h_total}; "
                          f"blue right, orange {MARK} wrong", fontsize=9, pad=24)
    path = _save(fig, path)
    plt.close(fig)
    return path


def scorecard_figure(card: dict, path: Path, title: str | None = None) -> Path:
    """A sweep's scorecard in two panels. Left, held-out states x fields: the
    fraction of seeds right (k/n in each cell; a mark where fewer than half are
    right; * where the answer never occurs in that field in training). Right,
    per field: the model's held-out accuracy with its seed-level 95% interval,
    beside the guessers (majority: chance level)."""
    from causal_tui.science.scorecard import field_rows

    _format_of(path)
    plt = _pyplot()

    fields = list(card["fields"])
    states = card["held_out"]
    cells = {(c["state"], c["field"]): c for c in card["cells"]}
    grid = [[cells[(s, f)]["fraction"] for f in fields] for s in states]
    rows = {r["field"]: r for r in field_rows(card)}
    height = max(3.0, 0.35 * max(len(states), len(fields)) + 1.8)
    fig, (ax, side) = plt.subplots(1, 2, figsize=(3.4 + 0.8 * len(fields) + 4.2, height),
                                   gridspec_kw={"width_ratios": [1.2 + 0.8 * len(fields), 4.2],
                                                "wspace": 0.45})
    image = ax.imshow(grid, cmap="cividis", vmin=0, vmax=1, aspect="auto", interpolation="nearest")
    for i, s in enumerate(states):
        for j, f in enumerate(fields):
            c = cells[(s, f)]
            fraction = c["fraction"]
            wrong = fraction is not None and fraction < 0.5
            ax.text(j, i, f"{c['right']}/{c['seeds']}" + ("*" if c["unseen_label"] else "") + (f" {MARK}" if wrong
                                                                                              else ""),
                    ha="center", va="center", fontsize=7,
                    color="white" if fraction is not None and fraction < 0.55 else "black")
    ax.set_xticks(range(len(fields)), fields)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(states)), states, family="monospace", fontsize=8)
    fig.colorbar(image, ax=ax, fraction=0.05, pad=0.02, label="fraction of seeds right")

    # Per field: the model with its interval over seeds, and what a guesser gets.
    ys = range(len(fields))
    for y, f in zip(ys, fields):
        r = rows[f]
        if r["accuracy"] is not None:
            side.errorbar(r["accuracy"], y, xerr=[[r["accuracy"] - r["low"]], [r["high"] - r["accuracy"]]],
                          fmt="o", color=RIGHT, capsize=3, markersize=6, label="model (95% interval over seeds)"
                          if y == 0 else None, zorder=3)
        for key, marker, label in (("majority", "|", "majority (chance level)"),
                                   ("nearest_neighbour", "^", "nearest neighbour"),
                                   ("mdi", "D", "min-degree interpolator")):
            value = r.get(key)
            if value is not None:
                side.plot(value, y, marker=marker, linestyle="none", color=WRONG if key != "majority" else "0.2",
                          markerfacecolor="none" if key != "majority" else None,
                          markersize=16 if key == "majority" else 6, markeredgewidth=2 if key == "majority" else 1.2,
                          label=label if y == 0 else None, zorder=2)
    side.set_yticks(list(ys), fields)
    side.set_ylim(len(fields) - 0.5, -0.5)
    side.set_xlim(-0.02, 1.02)
    side.set_xlabel("held-out accuracy")
    side.grid(axis="x", color="0.9")
    side.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=2, frameon=False)
    side.set_title("per field", fontsize=9)

    settings = card.get("settings") or {}
    system = (card.get("system") or {}).get("name", "")
    config = settings.get("config") or {}
    arch = f", {config['arch']}" if config.get("arch") else ""
    held = _held_out_text(states, settings.get("holdout"))
    fig.suptitle(title or f"sweep {card.get('name', '')}: system {system}{arch}; {held}; "
                          f"{_seeds_text(card['seeds'])}\n* the answer never occurs in that field in training; "
                          f"{MARK} fewer than half the seeds right", fontsize=9, y=1.04)
    path = _save(fig, path)
    plt.close(fig)
    return path


def spectrum_figure(spectrum: dict, n: int, path: Path, title: str, over_seeds: bool = False) -> Path:
    """The learned function's degree profile, a panel per 0/1 field: bars of
    the Walsh mass at each degree for the truth, the min-degree interpolator
    and the model (over seeds: the mean, each seed a dot)."""
    import numpy as np

    plt = _pyplot()
    fields = list(spectrum)
    columns = min(3, len(fields))
    rows = (len(fields) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 2.9 * rows), squeeze=False)
    degrees = np.arange(n + 1)
    width = 0.27
    for ax, f in zip(axes.flat, fields):
        e = spectrum[f]
        model = e["profile_mean"] if over_seeds else e["profile"]
        for offset, values, label, colour in ((-width, e["truth_profile"], "truth", "#999999"),
                                              (0.0, e["mdi_profile"], "min-degree interpolator", RIGHT),
                                              (width, model, "model" + (" (mean over seeds)" if over_seeds else ""),
                                               WRONG)):
            if values is not None:
                ax.bar(degrees + offset, values, width, label=label, color=colour)
        if over_seeds:
            for profile in e["profiles"]:
                ax.plot(degrees + width, profile, ".", color="black", markersize=3)
        ax.set_title(f, fontsize=10)
        ax.set_xticks(degrees)
        ax.set_xlabel("degree")
        ax.set_ylabel("Walsh mass")
    for ax in list(axes.flat)[len(fields):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, loc="upper right")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path = _save(fig, path)
    plt.close(fig)
    return path


def course_figure(course: dict, path: Path, title: str) -> Path:
    """The course of training a --probe-every record gives (science/spectrum.
    course_over_seeds), a panel per field on one step axis: the learned
    function's Walsh mass at each degree at every recorded step (the mean over
    seeds), and when the held-out answers settled (median: a dashed line;
    range: shaded). A field without a spectrum (a sum) shows when it settled
    only. One legend for all, under the panels: none covers a line."""
    import numpy as np

    plt = _pyplot()
    fields = list(course)
    columns = min(3, len(fields))
    rows = (len(fields) + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(4.4 * columns, 2.8 * rows + 0.6), squeeze=False, sharex=True)
    colours = plt.get_cmap("viridis")
    last = max([e["settle_max"] for e in course.values()] + [max(e.get("steps") or [0]) for e in course.values()])
    handles: dict[str, object] = {}
    for ax, f in zip(axes.flat, fields):
        e = course[f]
        handles["held-out answers settled: range"] = ax.axvspan(e["settle_min"], e["settle_max"], color="0.88")
        handles["held-out answers settled: median"] = ax.axvline(e["settle_median"], color="0.3", linestyle="--",
                                                                  linewidth=1)
        if e.get("profile_mean"):
            profile = np.array(e["profile_mean"], dtype=float)
            for d in range(profile.shape[1]):
                if profile[:, d].max() > 1e-3:
                    (line,) = ax.plot(e["steps"], profile[:, d], marker=".",
                                      color=colours(min(d, 6) / 6))
                    handles.setdefault(f"degree {d}", line)
            ax.set_ylabel("Walsh mass")
        else:
            ax.set_yticks([])
            ax.text(0.5, 0.5, "no spectrum (not a 0/1 field)", transform=ax.transAxes, ha="center", fontsize=8,
                    color="0.4")
        cells = e["cells"]
        ax.set_title(f"{f}: {cells} held-out cell{'' if cells == 1 else 's'}", fontsize=10)
        ax.set_xlim(0, last * 1.02 or 1)
        ax.tick_params(labelbottom=True)
        ax.set_xlabel("step")
    for ax in list(axes.flat)[len(fields):]:
        ax.axis("off")
    order = sorted(handles, key=lambda k: (not k.startswith("degree"), k))
    fig.legend([handles[k] for k in order], order, loc="lower center", ncol=min(5, len(order)), fontsize=8,
               frameon=False)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.07 + 0.03 / rows, 1, 1))
    path = _save(fig, path)
    plt.close(fig)
    return path
