"""A sweep's scorecard as rich tables (and Markdown): per held-out cell, per
field against the guessers (majority: chance level), per seed, composed fields, unseen
labels, what the models do inside; a grid's configurations side by side."""

from __future__ import annotations

from rich.table import Table

from causal_tui.report.style import colour, interval, num, report_table, shade, site_name

VARY = {"both": "each seed its own dataset and initialisation", "data": "each seed its own dataset, one initialisation",
        "init": "each seed its own initialisation, one dataset"}


def scorecard_tables(card: dict) -> list[Table]:
    """Per held-out state and field: seeds right; per field: accuracy with its
    seed-level 95% interval beside the reference guessers; per
    seed; composed fields; seen and unseen labels; what the models do inside."""
    from causal_tui.report.spectrum_tables import spectrum_over_seeds_table

    spectrum = [spectrum_over_seeds_table(card)] if card.get("spectrum") else []
    if card.get("course"):
        spectrum.append(_course_table(card))
    return [_cells_table(card), _fields_table(card), _mdi_table(card), *spectrum, _seeds_table(card),
            _composed_table(card), _labels_table(card), *inside_tables(card)]


def header(card: dict) -> str:
    """What the scorecard is of: its name, seeds, what varies between them, the interval method."""
    n = len(card["seeds"])
    vary = card.get("vary", "both")
    return (f"{card.get('name', 'sweep')}: {n} seed{'s' * (n != 1)} ({VARY.get(vary, vary)}), "
            f"{len(card['held_out'])} held-out state{'s' * (len(card['held_out']) != 1)}")


def _cells_table(card: dict) -> Table:
    n = len(card["seeds"])
    cells = {(c["state"], c["field"]): c for c in card["cells"]}
    any_unseen = any(c["unseen_label"] for c in card["cells"])
    grid = report_table(f"{header(card)}\nHeld-out states: seeds right out of {n}",
                        caption="* the answer never occurs in that field in training" if any_unseen else None)
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
    fields = report_table("Per field on held-out states",
                          caption="model: mean of the seeds' accuracies [95% exact interval over seeds:\n"
                                  "Clopper-Pearson on the sum of the seeds' accuracies out of the seeds,\n"
                                  "a seed with 7 of 8 cells right counting 0.875]\n"
                                  "majority: always the field's majority value over the trained states,\n"
                                  "chance level (=v: that value; ? a tied vote, no answer)\n"
                                  "nearest nbr: the vote of the trained states nearest in Hamming distance\n"
                                  "guessers: their accuracy / how often the model agrees with them, over\n"
                                  "the cells where they have an answer (N?: N cells tied or undetermined,\n"
                                  "left out; --: no answer at all)\n"
                                  "min-degree: the interpolator of the trained states with the least\n"
                                  "Walsh mass on the higher degrees (Abbe et al. 2023), its value\n"
                                  "rounded (deg d: the lowest degree that fits the trained states)")
    for col in ("field", "model", "majority", "nearest nbr", "min-degree"):
        fields.add_column(col, justify="left" if col == "field" else "right", no_wrap=True)
    for f, s in card["fields"].items():
        ga, ag = s["guesser_accuracy"], s["agreement"]
        undetermined = s.get("undetermined") or {"interpolator": s.get("interpolator_undetermined", 0)}
        if s.get("mdi_degree") is not None:
            mdi = _guesser(ga.get("mdi"), ag.get("mdi"), undetermined.get("mdi", 0), f"deg {s['mdi_degree']}")
        else:
            mdi = "not computed" if s.get("mdi_not_computed") else "--"
        fields.add_row(
            f,
            f"[{shade(s['accuracy'])}]{num(s['accuracy'])}[/] {interval(s['interval95'])}",
            _majority(s),
            _guesser(ga["nearest_neighbour"], ag["nearest_neighbour"], undetermined.get("nearest_neighbour", 0)),
            mdi,
        )
    return fields


def _course_table(card: dict) -> Table:
    """With --probe-every: when each field's held-out answers settle."""
    table = report_table("When held-out answers settle (--probe-every)",
                         caption="the first recorded step from which a held-out cell's answer never changes again,\n"
                                 "over every held-out cell of every seed: median [earliest, latest]; degree\n"
                                 "profile: the model's mean mass at degrees 0, 1, 2 at the first and last record")
    for col in ("field", "settles at step", "first: deg 0/1/2", "last: deg 0/1/2"):
        table.add_column(col, justify="left" if col == "field" else "right", no_wrap=True)
    for f, e in card["course"].items():
        profiles = e.get("profile_mean") or []

        def degrees(p):
            return " / ".join(f"{m:.2f}" for m in (p or [])[:3]) if p else "--"

        table.add_row(f, f"{e['settle_median']:g} [{e['settle_min']}, {e['settle_max']}]",
                      degrees(profiles[0] if profiles else None), degrees(profiles[-1] if profiles else None))
    return table


MDI_ROWS = 16
"""The most held-out states the min-degree table lists (the rest are counted)."""


def _mdi_table(card: dict) -> Table:
    """The min-degree interpolator's value on each held-out state, and its answer."""
    cells = {(c["state"], c["field"]): c for c in card["cells"]}
    table = report_table("The min-degree interpolator on held-out states: value (answer)",
                         caption="value: the MDI of the field over the trained states at this state;\n"
                                 "(answer): rounded, a 0/1 field thresholded at 1/2 (? exactly half way);\n"
                                 "seeds: how many seeds wrote that answer")
    table.add_column("state", no_wrap=True)
    for f in card["fields"]:
        table.add_column(f, justify="right", no_wrap=True)
    shown = card["held_out"][:MDI_ROWS]
    for state in shown:
        row = []
        for f in card["fields"]:
            c = cells[(state, f)]
            value, answer = c["guessers"].get("mdi"), c["guessers"].get("mdi_answer")
            if value is None:
                row.append("--")
                continue
            agree = sum(v == answer for v in c["model_values"]) if answer is not None else 0
            row.append(f"{_value(value)} ({'?' if answer is None else answer}) {agree}/{c['seeds']}")
        table.add_row(state, *row)
    if len(card["held_out"]) > MDI_ROWS:
        table.add_row(f"… {len(card['held_out']) - MDI_ROWS} more", *[""] * len(card["fields"]))
    return table


def _value(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.2f}"


def _majority(s: dict) -> str:
    if s["chance_value"] is None:
        votes = " vs ".join(str(n) for n in (s.get("chance_votes") or {}).values())
        return f"? (tie {votes})" if votes else "? (tie)"
    return f"{num(s['chance_accuracy'])} (={s['chance_value']})"


def _guesser(accuracy: float | None, agreement: float | None, undetermined: int, note: str = "") -> str:
    text = f"{num(accuracy)} / {num(agreement)}"
    extra = ", ".join(x for x in (note, f"{undetermined}?" if undetermined else "") if x)
    return f"{text} ({extra})" if extra else text


def _seeds_table(card: dict) -> Table:
    seeds = report_table("Per seed: accuracy on its held-out cells")
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
    composed = report_table("Composed fields: the rule on the model's own answers",
                            caption=f"{reads}\n"
                                    "consistent: the answer equals the rule applied to the\n"
                                    "model's own answers for the fields it reads; counted\n"
                                    "over held-out cells (all seeds) where the rule's value\n"
                                    "depends on those answers (informative) and they parse\n"
                                    "cells: informative / all   right: the field's accuracy\n"
                                    "rule on MDI: the rule applied to the min-degree answers of\n"
                                    "the fields it reads: accuracy / the model's agreement")
    for col in ("field", "cells", "consistent", "95% interval", "right", "rule on MDI"):
        composed.add_column(col, justify="left" if col == "field" else "right", no_wrap=True)
    for f, s in card["fields"].items():
        own = s.get("own_answers")
        if not own:
            continue
        row = [f, f"{own['informative']}/{own['total']}"]
        if own["readable"]:
            row += [f"{own['consistent']}/{own['readable']} = {num(own['fraction'])}", interval(own["interval95"])]
        elif own["informative"]:
            row += [f"informative {own['informative']}, none readable", ""]
        else:
            row += ["no informative cell", ""]
        ga, ag = s["guesser_accuracy"], s["agreement"]
        rule = _guesser(ga.get("mdi_rule"), ag.get("mdi_rule"), 0) if "mdi_rule" in ga else "--"
        composed.add_row(*row, num(s["accuracy"]), rule)
    return composed


def _labels_table(card: dict) -> Table:
    groups = report_table("Cells whose answer was / was never seen in training")
    for col in ("cells", "model accuracy", "95% interval"):
        groups.add_column(col, justify="right")
    groups.add_column("", justify="left")
    for label, g in card["by_label"].items():
        if g["cells"]:
            groups.add_row(str(g["cells"]), num(g["accuracy"]), interval(g["interval95"]),
                           label.replace("_", " "))
    return groups


def inside_tables(card: dict) -> list[Table]:
    """Over seeds: do the models read what they wrote (interventions), and does
    each one's input-output graph match the truth?"""
    tables = []
    if card.get("interventions"):
        t = report_table("Interventions over seeds: does the next field read it?",
                         caption="seeds that follow (in >= 90% of their informative states) /\n"
                                 "seeds with an informative state [95% exact interval over seeds];\n"
                                 "rate: follows / informative states, all seeds")
        for col in ("forced", "then", "trained", "rate", "held out", "rate "):
            t.add_column(col, justify="left" if col in ("forced", "then") else "right", no_wrap=True)
        for forced, per_g in card["interventions"].items():
            for g, parts in per_g.items():
                cells = []
                for part in ("trained", "held_out"):
                    c = parts[part]
                    if not c["seeds_informative"]:
                        cells += ["no informative", ""]
                        continue
                    cells += [f"{c['seeds_following']}/{c['seeds_informative']} "
                              f"{interval(c['interval95'])}", num(c["follow_rate"]["accuracy"])]
                t.add_row(forced, g, *cells)
        tables.append(t)
    if card.get("graph"):
        inputs = list(next(iter(card["graph"].values())))
        n = len(card["seeds"])
        t = report_table("Graph over seeds: dependence as the truth's",
                         caption=f"k/{n}: seeds where every pair differing in that\ninput changes as the truth does;\n"
                                 "● the truth depends on it, · it does not")
        t.add_column("field", no_wrap=True)
        for v in inputs:
            t.add_column(v, justify="right", no_wrap=True)
        for f, per_v in card["graph"].items():
            t.add_row(f, *(f"[{shade(c['seeds_matching'] / c['seeds'])}]{'●' if c['truth_depends'] else '·'} "
                           f"{c['seeds_matching']}/{c['seeds']}[/]" for c in per_v.values()))
        tables.append(t)
    if card.get("iia"):
        tables.append(_iia_table(card["iia"], card))
        if all("whole" in e for e in card["iia"].values()):
            tables.append(_iia_sites_table(card["iia"], card))
    return tables


def _iia_table(iia: dict, card: dict | None = None) -> Table:
    """Per intermediate variable: IIA at each seed's best interchange site, over seeds."""
    if not all("whole" in e for e in iia.values()):
        return _iia_table_before_04(iia, card)
    t = report_table("Interchange over seeds: is the variable held inside?",
                     caption="relative IIA: the readers follow the site (their rules on the model's\n"
                             "own answers, V from the source) and the rest is unchanged; strict: the\n"
                             "completion equals the system's counterfactual. At each seed's best site,\n"
                             "chosen on half its trained base pairs, reported on the other half\n"
                             "(trained) and on held-out bases: mean over seeds [95% exact interval\n"
                             "over seeds]; strict t/h: its mean on trained / held-out bases")
    for col in ("variable", "field", "trained bases", "held-out bases", "strict t/h"):
        t.add_column(col, justify="left" if col in ("variable", "field") else "right", no_wrap=True)

    def cell(summary):
        return f"{num(summary['seed_mean'])} {interval(summary['interval95'])}" if summary["seeds_counted"] else "no pairs"

    def mean(summary):
        return num(summary["seed_mean"]) if summary["seeds_counted"] else "-"

    for k, (v, entry) in enumerate(iia.items()):
        rows = [("whole", entry["whole"]), *entry["per_field"].items()]
        for i, (field, e) in enumerate(rows):
            t.add_row(v if i == 0 else "", field, cell(e["relative"]["evaluation"]), cell(e["relative"]["held_out"]),
                      f"{mean(e['strict']['evaluation'])} / {mean(e['strict']['held_out'])}")
        if k < len(iia) - 1:
            t.add_section()
    return t


def _iia_sites_table(iia: dict, card: dict | None = None) -> Table:
    """Per intermediate variable: where the seeds' best sites are, and whether they are specific."""
    t = report_table("Interchange sites over seeds",
                     caption="specific: seeds whose site's IIA beats do() on the variable's inputs and a\n"
                             "same-value source; control: patching changes nothing (median of seeds);\n"
                             "sites: where the seeds' best sites are, how many seeds (* not specific)")
    for col in ("variable", "specific", "control", "sites"):
        t.add_column(col, justify="right" if col in ("specific", "control") else "left", no_wrap=col != "sites",
                     max_width=40 if col == "sites" else None)
    for v, entry in iia.items():
        controls = sorted(c for c in entry["control"] if c is not None)
        t.add_row(v, f"{entry['specific_seeds']}/{entry['seeds']}",
                  num(controls[len(controls) // 2]) if controls else "-", _sites(entry["sites"], card))
    return t


def _sites(sites: list[dict], card: dict | None = None) -> str:
    """Each site in words, how many seeds chose it (* where not specific)."""
    labels, arch = _site_context(card)
    counts: dict[str, int] = {}
    for site in sites:
        key = site_name(site["layer"], site["position"], labels, arch) + ("*" if site.get("specific") is False else "")
        counts[key] = counts.get(key, 0) + 1
    return "; ".join(f"{k} x{n}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def _site_context(card: dict | None) -> tuple[list[str] | None, str | None]:
    """The token at each position and the learner, to name a site in words."""
    if not card or "system" not in card:
        return None, None
    from causal_tui.interpret.interchange import position_labels
    from causal_tui.systems.catalog import from_manifest

    system = from_manifest(card["system"])
    arch = ((card.get("settings") or {}).get("config") or {}).get("arch") or "gpt2"
    return position_labels(system, system.sequence_length), arch


def _iia_table_before_04(iia: dict, card: dict | None = None) -> Table:
    """A scorecard written before 0.4: the strict IIA only, the site chosen and reported on the same pairs."""
    t = report_table("Interchange over seeds: is the variable held inside?",
                     caption="IIA at each seed's best site (chosen on its trained base pairs),\n"
                             "mean over seeds [95% exact interval over seeds]; control: patching\n"
                             "changes nothing (median of seeds); sites: where, how many seeds")
    for col in ("variable", "trained bases", "held-out bases", "control", "sites"):
        t.add_column(col, justify="left" if col in ("variable", "sites") else "right", no_wrap=col != "sites",
                     max_width=32 if col == "sites" else None)
    for v, entry in iia.items():
        cells = []
        for part in ("trained", "held_out"):
            s = entry[part]
            cells.append(f"{num(s['seed_mean'])} {interval(s['interval95'])}" if s["seeds_counted"] else "no pairs")
        controls = sorted(c for c in entry["control"] if c is not None)
        control = num(controls[len(controls) // 2]) if controls else "-"
        t.add_row(v, *cells, control, _sites(entry["sites"], card))
    return t


def grid_tables(card: dict) -> list[Table]:
    """A grid sweep: each configuration's held-out accuracy per field with its
    seed-level interval, then each configuration against the first. Fields
    are rows and configurations numbered columns, so that a few fit 80 columns."""
    comparison = card["comparison"]
    fields = list(comparison["fields"])
    configs = card["configurations"]
    n = len(card["seeds"])
    legend = "\n".join(f"{i}: {c['label']}" for i, c in enumerate(configs, start=1))
    vary = VARY.get(card.get("vary", "both"), card.get("vary"))
    acc = report_table(f"{card.get('name', 'sweep')}\nHeld-out accuracy, {n} seeds each ({vary})\n"
                       "[95% exact interval over seeds]",
                       caption=legend)
    acc.add_column("field", no_wrap=True)
    for i in range(1, len(configs) + 1):
        acc.add_column(str(i), justify="right", no_wrap=True)
    for f in fields:
        cells = []
        for entry in comparison["fields"][f]:
            cells.append(f"[{shade(entry['accuracy'])}]{num(entry['accuracy'])}[/] [dim]{interval(entry['interval95'])}[/]")
        acc.add_row(f, *cells)
    tables = [acc]
    if len(configs) > 1:
        base = configs[0]
        diff = report_table("Difference from configuration 1, paired by seed [95% interval]",
                            caption="seed k of every configuration trains on the same data from the same "
                                    "initialisation: the seeds' own differences, exact interval; "
                                    "* it leaves out 0 after Holm's adjustment for the "
                                    f"{comparison.get('comparisons', '')} "
                                    "comparisons of this table" + (" (blue: up, orange: down)" if colour() else ""))
        diff.add_column("field", no_wrap=True)
        for i in range(2, len(configs) + 1):
            diff.add_column(f"{i} - 1", justify="right", no_wrap=True)
        by = {(d["a"], d["b"], d["field"]): d for d in comparison["differences"]}
        for f in fields:
            cells = []
            for c in configs[1:]:
                d = by[(c["id"], base["id"], f)]
                if d["difference"] is None:
                    cells.append("--")
                    continue
                marked = d.get("holm_excludes_0", False)
                style = ("blue" if d["difference"] > 0 else "dark_orange") if marked else "dim"
                cells.append(f"[{style}]{d['difference'] + 0.0:+.2f}{'*' if marked else ' '}[/] "
                             f"[dim]{interval(d['interval95'], signed=True)}[/]")
            diff.add_row(f, *cells)
        tables.append(diff)
    return tables


def scorecard_markdown(card: dict) -> str:
    """A scorecard as Markdown: every table the terminal prints, each with its
    title and caption."""
    from causal_tui.report.style import markdown_of
    from causal_tui.science.scorecard import is_grid

    tables = grid_tables(card) if is_grid(card) else scorecard_tables(card)
    return "\n\n".join(markdown_of(t) for t in tables) + "\n"