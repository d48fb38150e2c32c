"""A sweep's scorecard as rich tables (and Markdown): per held-out cell, per
field against chance and the guessers, per seed, composed fields, unseen
labels, what the models do inside; a grid's configurations side by side."""

from __future__ import annotations

from rich import box
from rich.table import Table

from causal_tui.report.style import interval, num, shade


def scorecard_tables(card: dict) -> list[Table]:
    """Per held-out state and field: seeds right; per field: accuracy with its
    seed-level 95% interval beside chance and the reference guessers; per
    seed; composed fields; seen and unseen labels; what the models do inside."""
    return [_cells_table(card), _fields_table(card), _seeds_table(card), _composed_table(card),
            _labels_table(card), *inside_tables(card)]


def _cells_table(card: dict) -> Table:
    n = len(card["seeds"])
    cells = {(c["state"], c["field"]): c for c in card["cells"]}
    any_unseen = any(c["unseen_label"] for c in card["cells"])
    grid = Table(title=f"Held-out states: seeds right out of {n}", title_justify="left",
                 caption="* the answer never occurs in that field in training" if any_unseen else None,
                 caption_justify="left", box=box.SIMPLE_HEAD, header_style="bold")
    grid.add_column("state", no_wrap=True)
    for f in card["fields"]:
        grid.add_column(f, justify="right", no_wrap=True)
    for state in card["held_out"]:
        row = []
        for f in card["fields"]:
            c = cells[(state, f)]
            mark = "*" if c["unseen_label"] else " "
            row.append(f"[{shade(c['fraction'])}]{c['right']}/{c['seeds']}[/]{mark}")
        grid.add_row(state, *row)
    return grid


def _fields_table(card: dict) -> Table:
    fields = Table(title="Per field on held-out states", title_justify="left",
                   caption="model: accuracy over every seed's held-out cells [95% interval, seed as unit]\n"
                           "chance: majority value of the trained states\n"
                           "guessers: their accuracy / how often the model agrees with them;\n"
                           "interpolator over cells where every lowest-degree fit agrees (N? where not)",
                   caption_justify="left", box=box.SIMPLE_HEAD, header_style="bold")
    for col in ("field", "model", "chance", "nearest nbr", "interpolator"):
        fields.add_column(col, justify="left" if col == "field" else "right", no_wrap=True)
    for f, s in card["fields"].items():
        ga, ag = s["guesser_accuracy"], s["agreement"]
        undetermined = s.get("interpolator_undetermined", 0)
        fields.add_row(
            f,
            f"[{shade(s['accuracy'])}]{s['accuracy']:.2f}[/] {interval(s['interval95'])}",
            f"{s['chance_accuracy']:.2f} (={s['chance_value']})",
            f"{ga['nearest_neighbour']:.2f} / {ag['nearest_neighbour']:.2f}",
            f"{num(ga['interpolator'])} / {num(ag['interpolator'])} (deg {s['interpolator_degree']}"
            + (f", {undetermined}?" if undetermined else "") + ")",
        )
    return fields


def _seeds_table(card: dict) -> Table:
    seeds = Table(title="Per seed: accuracy on its held-out cells", title_justify="left",
                  box=box.SIMPLE_HEAD, header_style="bold")
    seeds.add_column("seed", justify="right")
    for f in card["fields"]:
        seeds.add_column(f, justify="right", no_wrap=True)
    for i, seed in enumerate(card["seeds"]):
        seeds.add_row(str(seed), *(f"[{shade(v)}]{num(v)}[/]" for v in
                                   (card["fields"][f]["per_seed"][i] for f in card["fields"])))
    return seeds


def _composed_table(card: dict) -> Table:
    reads = "; ".join(f"{f} reads {', '.join(st['own_answers']['reads'])}"
                      for f, st in card["fields"].items() if st.get("own_answers"))
    composed = Table(title="Composed fields: the rule on the model's own answers",
                     title_justify="left", box=box.SIMPLE_HEAD, header_style="bold",
                     caption=f"{reads}\n"
                             "consistent: the answer equals the rule applied to the\n"
                             "model's own answers for the fields it reads; counted\n"
                             "over held-out cells (all seeds) where the rule's value\n"
                             "depends on those answers (informative) and they parse\n"
                             "cells: informative / all   right: the field's accuracy",
                     caption_justify="left")
    for col in ("field", "cells", "consistent", "95% interval", "right"):
        composed.add_column(col, justify="left" if col == "field" else "right", no_wrap=True)
    for f, s in card["fields"].items():
        own = s.get("own_answers")
        if not own:
            continue
        row = [f, f"{own['informative']}/{own['total']}"]
        if own["readable"]:
            row += [f"{own['consistent']}/{own['readable']} = {own['fraction']:.2f}", interval(own["interval95"])]
        else:
            row += ["no informative cell", ""]
        composed.add_row(*row, f"{s['accuracy']:.2f}")
    return composed


def _labels_table(card: dict) -> Table:
    groups = Table(title="Cells whose answer was / was never seen in training", title_justify="left",
                   box=box.SIMPLE_HEAD, header_style="bold")
    for col in ("cells", "model accuracy", "95% interval"):
        groups.add_column(col, justify="right")
    groups.add_column("", justify="left")
    for label, g in card["by_label"].items():
        if g["cells"]:
            groups.add_row(str(g["cells"]), f"{g['accuracy']:.2f}", interval(g["interval95"]),
                           label.replace("_", " "))
    return groups


def inside_tables(card: dict) -> list[Table]:
    """Over seeds: do the models read what they wrote (interventions), and does
    each one's input-output graph match the truth?"""
    tables = []
    if card.get("interventions"):
        t = Table(title="Interventions over seeds: does the next field read it?", title_justify="left",
                  box=box.SIMPLE_HEAD, header_style="bold",
                  caption="seeds that follow (in >= 90% of their informative states) /\n"
                          "seeds with an informative state [95% Wilson over seeds];\n"
                          "rate: follows / informative states, all seeds",
                  caption_justify="left")
        for col in ("forced", "then", "held out", "rate", "trained", "rate "):
            t.add_column(col, justify="left" if col in ("forced", "then") else "right", no_wrap=True)
        for forced, per_g in card["interventions"].items():
            for g, parts in per_g.items():
                cells = []
                for part in ("held_out", "trained"):
                    c = parts[part]
                    if not c["seeds_informative"]:
                        cells += ["no informative", ""]
                        continue
                    lo, hi = c["wilson95"]
                    cells += [f"{c['seeds_following']}/{c['seeds_informative']} [{lo:.2f}, {hi:.2f}]",
                              num(c["follow_rate"]["accuracy"])]
                t.add_row(forced, g, *cells)
        tables.append(t)
    if card.get("graph"):
        inputs = list(next(iter(card["graph"].values())))
        n = len(card["seeds"])
        t = Table(title="Graph over seeds: dependence as the truth's", title_justify="left",
                  box=box.SIMPLE_HEAD, header_style="bold",
                  caption=f"k/{n}: seeds where every pair differing in that\ninput changes as the truth does;\n"
                          "● the truth depends on it, · it does not",
                  caption_justify="left")
        t.add_column("field", no_wrap=True)
        for v in inputs:
            t.add_column(v, justify="right", no_wrap=True)
        for f, per_v in card["graph"].items():
            t.add_row(f, *(f"[{shade(c['seeds_matching'] / c['seeds'])}]{'●' if c['truth_depends'] else '·'} "
                           f"{c['seeds_matching']}/{c['seeds']}[/]" for c in per_v.values()))
        tables.append(t)
    return tables


def grid_tables(card: dict) -> list[Table]:
    """A grid sweep: each configuration's held-out accuracy per field with its
    seed-level interval, then each configuration against the first. Fields
    are rows and configurations numbered columns, so that a few fit 80 columns."""
    comparison = card["comparison"]
    fields = list(comparison["fields"])
    configs = card["configurations"]
    n = len(card["seeds"])
    legend = "\n".join(f"{i}: {c['label']}" for i, c in enumerate(configs, start=1))
    acc = Table(title=f"Held-out accuracy, {n} seeds each [95% interval, seed as unit]", title_justify="left",
                box=box.SIMPLE_HEAD, header_style="bold", caption=legend, caption_justify="left")
    acc.add_column("field", no_wrap=True)
    for i in range(1, len(configs) + 1):
        acc.add_column(str(i), justify="right", no_wrap=True)
    for f in fields:
        cells = []
        for entry in comparison["fields"][f]:
            lo, hi = entry["interval95"]
            cells.append(f"[{shade(entry['accuracy'])}]{num(entry['accuracy'])}[/] [dim][{lo:.2f}, {hi:.2f}][/]")
        acc.add_row(f, *cells)
    tables = [acc]
    if len(configs) > 1:
        base = configs[0]
        diff = Table(title="Difference from configuration 1 [95% interval]", title_justify="left",
                     box=box.SIMPLE_HEAD, header_style="bold",
                     caption="Newcombe's interval from the two seed-level intervals;\n"
                             "green or red: the interval excludes 0", caption_justify="left")
        diff.add_column("field", no_wrap=True)
        for i in range(2, len(configs) + 1):
            diff.add_column(f"{i} - 1", justify="right", no_wrap=True)
        by = {(d["a"], d["b"], d["field"]): d for d in comparison["differences"]}
        for f in fields:
            cells = []
            for c in configs[1:]:
                d = by[(base["id"], c["id"], f)]
                if d["difference"] is None:
                    cells.append("--")
                    continue
                lo, hi = d["interval95"]
                # shown as this one minus the first: flip the sign of first minus this
                value, lo, hi = -d["difference"] + 0.0, -hi + 0.0, -lo + 0.0
                style = "green" if lo > 0 else "red" if hi < 0 else "dim"
                cells.append(f"[{style}]{value:+.2f}[/] [dim][{lo:+.2f}, {hi:+.2f}][/]")
            diff.add_row(f, *cells)
        tables.append(diff)
    return tables


def scorecard_markdown(card: dict) -> str:
    """A scorecard's per-field summary as a Markdown table."""
    rows = [f"**{card.get('name', 'sweep')}**: {len(card['seeds'])} seeds, held out "
            f"{', '.join(f'`{s}`' for s in card['held_out'])}", "",
            "| field | model [95% interval] | chance | nearest neighbour | interpolator |",
            "|---|---|---|---|---|"]
    for f, s in card["fields"].items():
        lo, hi = s["interval95"]
        ga = s["guesser_accuracy"]
        rows.append(f"| {f} | {s['accuracy']:.2f} [{lo:.2f}, {hi:.2f}] | {s['chance_accuracy']:.2f} | "
                    f"{ga['nearest_neighbour']:.2f} | {num(ga['interpolator'])} |")
    return "\n".join(rows)
