"""The learned function's Walsh spectrum as tables: one model's (`causal-tui
inspect --spectrum`) and over a sweep's seeds (the scorecard)."""

from __future__ import annotations

from rich.table import Table

from causal_tui.report.style import interval, num, report_table

MAX_DEGREES = 7
"""Degree columns shown; higher degrees are summed in a last column."""

# No line breaks: rich wraps a caption to its table's width, which fits 80 columns.
WHAT = ("mass at degree k (.250 = 0.250): the sum of the squared Walsh coefficients of the sets "
        "of k inputs (inputs as x = 1 - 2*bit); model: its probability of 1 on every "
        "state; MDI: the min-degree interpolator of the trained states")
CAPTION = WHAT + ("; held out: root mean square distance on the held-out states / how often "
                  "the model falls on the same side of 1/2")
CAPTION_SEEDS = WHAT + ("; same side as: the share of held-out states where the model's p(1) is on the same "
                        "side of 1/2 [95% exact interval over seeds]")


def _degrees(n: int) -> list[str]:
    shown = min(n, MAX_DEGREES)
    return [str(k) for k in range(shown + 1)] + ([f"{shown + 1}+"] if n > shown else [])


def _masses(profile: list[float] | None, n: int) -> list[str]:
    if profile is None:
        return ["--"] * len(_degrees(n))
    shown = min(n, MAX_DEGREES)
    cells = [_mass(m) for m in profile[:shown + 1]]
    if n > shown:
        cells.append(_mass(sum(profile[shown + 1:])))
    return cells


def _mass(m: float) -> str:
    # ".250" as the probe writes ".98": a five-input table fits the Inspect screen at 80 columns
    text = "0" if abs(m) < 5e-5 else f"{m:.3f}"
    return text[1:] if text.startswith("0.") else text


def spectrum_table(spectrum: dict, n: int, title: str = "The learned function's degree profile") -> Table:
    """One model: per 0/1 field, its mass by degree beside the truth's and the MDI's."""
    # One space between columns and the held-out headers on two lines: five
    # inputs' table fits an 80-column terminal (the Inspect screen's tab).
    table = report_table(title, caption=CAPTION, padding=(0, 0, 0, 1), pad_edge=False)
    table.add_column("field", no_wrap=True)
    table.add_column("", no_wrap=True)
    for d in _degrees(n):
        table.add_column(d, justify="right", no_wrap=True)
    table.add_column("held out:\nto truth", justify="right", no_wrap=True)
    table.add_column("held out:\nto MDI", justify="right", no_wrap=True)
    for f, e in spectrum.items():
        def close(key: str) -> str:
            if f"l2_{key}" not in e:
                return "--"
            k, m = e[f"agree_{key}"]
            return f"{e[f'l2_{key}']:.2f} / {k}/{m}"

        table.add_row(f, "model", *_masses(e["profile"], n), close("truth"), close("mdi"))
        table.add_row("", "truth", *_masses(e["truth_profile"], n), "", "")
        table.add_row("", "MDI", *_masses(e["mdi_profile"], n), "", "", end_section=True)
    return table


def spectrum_over_seeds_table(card: dict) -> Table:
    """A sweep: per 0/1 field, the mean degree profile over seeds beside the
    truth's and the MDI's, and the held-out sign agreements with their
    seed-level intervals."""
    spectrum = card["spectrum"]
    n = len(card["system"].get("inputs") or []) or len(card["held_out"][0].split(","))
    table = report_table("The learned function over seeds: degree profile (mean over seeds)", caption=CAPTION_SEEDS)
    table.add_column("field", no_wrap=True)
    table.add_column("", no_wrap=True)
    for d in _degrees(n):
        table.add_column(d, justify="right", no_wrap=True)
    table.add_column("same side as truth", justify="right", no_wrap=True)
    table.add_column("as MDI", justify="right", no_wrap=True)
    for f, e in spectrum.items():
        def side(key: str) -> str:
            s = e.get(f"agree_{key}")
            return f"{num(s['accuracy'])} {interval(s['interval95'])}" if s else "--"

        table.add_row(f, "model", *_masses(e["profile_mean"], n), side("truth"), side("mdi"))
        table.add_row("", "truth", *_masses(e["truth_profile"], n), "", "")
        table.add_row("", "MDI", *_masses(e["mdi_profile"], n), "", "", end_section=True)
    return table
