"""The inspect report as rich tables and heatmaps: printed by `causal-tui inspect` and
drawn by the dashboard's Inspect screen (rich renderables fit both)."""

from __future__ import annotations

from rich.color import Color
from rich.style import Style
from rich.table import Table
from rich.text import Text

from causal_tui.science.following import FOLLOW_SHARE
from causal_tui.report.style import colour, report_table, site_name


def _heat(value: float | None, lo: float = 0.0, hi: float = 1.0) -> Style:
    """A background from dark (lo) to bright (hi); text stays readable."""
    if value is None:
        return Style(dim=True)
    x = min(1.0, max(0.0, (value - lo) / (hi - lo) if hi > lo else 0.0))
    r, g, b = int(20 + 40 * x), int(30 + 170 * x), int(60 + 60 * x)
    return Style(bgcolor=Color.from_rgb(r, g, b), color="white" if x < 0.6 else "black")


def _short(value: float) -> str:
    """A probability in two or three characters: 1, .97, .05, 0."""
    if value >= 0.995:
        return "1"
    if value < 0.005:
        return "0" if value >= 0 else "-"
    return f"{value:.2f}"[1:] if value < 1 else f"{value:.1f}"


def _percent(value: float) -> str:
    """A heatmap cell in two characters: percent, blank below 0.5%, ## at 100%,
    - below zero (a patch that pushes the other way)."""
    if value < 0:
        return "-" if value <= -0.005 else ""
    if value >= 0.995:
        return "##"
    return "" if value < 0.005 else f"{round(value * 100):d}"


def verdict(counts: dict) -> str:
    n = counts["informative"]
    if not n:
        return ""
    if counts["follows"] >= FOLLOW_SHARE * n:
        return "follows"
    if counts["ignores"] >= FOLLOW_SHARE * n:
        return "ignores"
    return "mixed"


def intervention_table(report: dict) -> Table | Text:
    summary = report["intervention_summary"]
    if "not_applicable" in summary:
        return Text(f"do(): not applicable: {summary['not_applicable']}", style="dim")
    table = report_table("do() on its own answers: force a field, decode the rest",
                         caption="f/i/n of N: follows the rule on the new answers /\nignores the change / "
                                 "neither, of N informative states\n(where following and ignoring differ)")
    for col in ("forced", "then", "trained", "", "held out", " "):
        table.add_column(col, justify="left" if col in ("forced", "then", "", " ") else "right", no_wrap=True)
    for forced, per_g in summary.items():
        for g, parts in per_g.items():
            cells = []
            for part in ("trained", "held_out"):
                c = parts[part]
                cells.append(f"{c['follows']}/{c['ignores']}/{c['neither']} of {c['informative']}"
                             if c["informative"] else "no informative")
                v = verdict(c)
                cells.append(Text(v, style={"follows": "green", "ignores": "yellow", "mixed": "red"}.get(v, "")))
            table.add_row(forced, g, *cells)
    return table


def graph_table(report: dict, system) -> Table:
    """Fields x inputs: the true dependency (● depends, · not) and how many of
    the pairs that differ in that input change as the truth does."""
    mismatched = {tuple(m) for m in report["graph_mismatches"]}
    table = report_table("Input-output graph: pairs of states differing in one input",
                         caption="● the truth depends on it, · not; k/n: pairs where the\n"
                                 "model's answer changes as the truth's; " + ("red: differs" if colour() else
                                                                               "!: differs"))
    table.add_column("field", no_wrap=True)
    for v in system.inputs:
        table.add_column(v, justify="right", no_wrap=True)
    for f in system.fields:
        cells = []
        for v in system.inputs:
            g = report["graph"][f][v]
            mark = "●" if v in report["true_graph"][f]["changes_with"] else "·"
            differs = (f, v) in mismatched
            cells.append(Text(f"{mark} {g['matches_truth']}/{g['pairs']}" + ("" if colour() else "!" if differs else " "),
                              style="red" if differs else "green"))
        table.add_row(f, *cells)
    return table


def attention_table(att: dict) -> Table | Text:
    if "not_applicable" in att:
        return Text(f"attention: not applicable: {att['not_applicable']}", style="dim")
    table = Table(title=f"Attention → {att['field']}, per layer.head", title_justify="left", box=None,
                  pad_edge=False, padding=(0, 0), show_header=True, header_style="bold",
                  caption="percent; ## = 100; " + ("underlined" if colour() else "*") + ": the field's true parents",
                  caption_justify="left")
    table.add_column("", no_wrap=True)
    parents = set(att["parents"])
    for i, tok in enumerate(att["tokens"]):
        shown = tok + ("*" if i in parents and not colour() else "")
        table.add_column(Text(shown, style="underline bold" if i in parents else ""), justify="center", width=3)
    for row, weights in zip(att["rows"], att["weights"]):
        table.add_row(f"{row} ", *(Text(_percent(w), style=_heat(w)) for w in weights))
    return table


def lens_table(lens: dict) -> Table | Text:
    if "not_applicable" in lens:
        return Text(f"logit lens: not applicable: {lens['not_applicable']}", style="dim")
    table = report_table("Logit lens: p(right answer) after each layer")
    table.add_column("field", no_wrap=True)
    for layer in lens["layers"]:
        table.add_column(layer, justify="right", width=5)
    for f, probs in lens["fields"].items():
        table.add_row(f, *(Text(_short(p), style=_heat(p)) for p in probs))
    return table


def tracing_table(tr: dict) -> Table | Text:
    if "not_applicable" in tr:
        return Text(f"tracing: not applicable: {tr['not_applicable']}", style="dim")
    normalised = tr["normalized_logit_diff"] is not None
    values = tr["normalized_logit_diff"] if normalised else tr["recovered_prob"]
    what = "normalised logit difference" if normalised else "p(clean answer)"
    caption = (f"clean {tr['clean_answer']!r} p={tr['clean_prob']:.2f}; {tr['flipped']} flipped: "
               f"{tr['corrupted_answer']!r}, p(clean)={tr['corrupted_prob']:.2f}\n"
               f"cells: {what}, percent, with\nthat one (layer, position) restored")
    if tr["note"]:
        caption += f"\n{tr['note']}"
    table = Table(title=f"Causal tracing: {tr['field']}, {tr['flipped'] or 'nothing'} flipped",
                  title_justify="left", box=None, pad_edge=False, padding=(0, 0), header_style="bold",
                  caption=caption, caption_justify="left")
    table.add_column("", no_wrap=True)
    for tok in tr["tokens"]:
        table.add_column(tok, justify="center", width=3)
    for layer, row in zip(tr["layers"], values):
        table.add_row(f"{layer:>3} ", *(Text(_percent(v), style=_heat(v)) for v in row))
    return table


def _fraction(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def iia_table(entry: dict, grid: str = "iia") -> Table:
    """Layers x positions: the interchange intervention accuracy (percent, ##
    = 100), or with grid="control" the share of pairs patching leaves unchanged."""
    best = entry["best"]
    title = (f"Interchange: where is {entry['variable']} held? (up to {entry['reader']})" if grid == "iia"
             else "Control: pairs left unchanged (percent)")
    table = Table(title=title, title_justify="left", box=None, pad_edge=False, padding=(0, 0), header_style="bold")
    table.add_column("", no_wrap=True)
    for label in entry["position_labels"]:
        table.add_column(label, justify="center", width=max(3, len(label) + 1), no_wrap=True)
    for i, (layer, row) in enumerate(zip(entry["layers"], entry[grid])):
        cells = []
        for j, value in enumerate(row):
            mark = layer == best["layer"] and entry["positions"][j] == best["position"]
            style = _heat(value) + (Style(underline=True, bold=True) if mark else Style())
            shown = (_percent(value) if value is not None else "") + ("*" if mark and not colour() else "")
            cells.append(Text(shown, style=style))
        table.add_row(f"{layer:>3} ", *cells)
    return table


def iia_summary(entry: dict) -> Text:
    """The best site (chosen on half the trained bases) with its IIA on the other
    half and on held-out bases, strict and relative, per reader field, and its specificity."""
    best = entry["best"]
    where = _site_words(entry, best["layer"], best["position"])
    v = entry["variable"]
    sample = (f" (a seeded sample of {entry['pairs_possible']})"
              if entry["pairs"] < entry.get("pairs_possible", entry["pairs"]) else "")
    text = Text(f"cells: strict IIA in percent (## = 100) of {entry['pairs']} (base, source) pairs{sample} with\n"
                f"{v} differing: the share whose completion after the position is the system's\n"
                f"counterfactual do({v} = {v}(source)) on the base; {'underlined' if colour() else '*'}: the best site\n",
                style="dim")
    if "split" not in entry:  # an inspection recorded before 0.4
        text.append(f"best site for {v}: {where}", style="bold")
        text.append(f"\n  IIA: trained bases {_fraction(best['iia_trained'])}, held-out bases "
                    f"{_fraction(best['iia_held_out'])}; control {_fraction(best['control'])}")
        return text
    split = entry["split"]
    mark = "specific" if best["specific"] else "NOT specific"
    text.append(f"best site for {v}: {where} ({mark})", style="bold")
    text.append(f"\n  chosen on {split['selection_pairs']} trained-base pairs (relative IIA "
                f"{_fraction(best['iia_selection'])}; split seed {split['seed']}),\n  reported on the other "
                f"{split['evaluation_pairs']} and on {entry['pairs_held_out']} held-out-base pairs:")
    rows = [("whole completion", best["relative"], best["strict"]),
            *((f"{f} (reads {v})", e["relative"], e["strict"]) for f, e in best["per_field"].items())]
    width = max(len(r[0]) for r in rows)
    text.append(f"\n    {'':<{width}}  {'relative':>21}  {'strict':>21}", style="dim")
    text.append(f"\n    {'':<{width}}  {'trained   held out':>21}  {'trained   held out':>21}", style="dim")
    for label, relative, strict in rows:
        text.append(f"\n    {label:<{width}}  {_fraction(relative.get('evaluation')):>9}  "
                    f"{_fraction(relative.get('held_out')):>9}  {_fraction(strict.get('evaluation')):>9}  "
                    f"{_fraction(strict.get('held_out')):>9}")
    checks = ", ".join(f"{name} {_fraction(score)}" for name, score in best["specificity"].items())
    text.append(f"\n  specificity, each below the relative IIA {_fraction(best['iia_evaluation'])} at a specific "
                f"site:\n    {checks or 'none to check'}", style="dim")
    text.append(f"\n  control (patching changes nothing): {_fraction(best['control'])}", style="dim")
    text.append(f"\n  relative: the readers equal their rules on the model's own answers with\n  {v} = the "
                f"model's {v} on the source, the other fields the base's own;\n  strict: the completion "
                "equals the system's counterfactual; trained: the\n  evaluation half", style="dim")
    return text


def _site_words(entry: dict, layer: str, position: int | None) -> str:
    """A site of an interchange entry in words ('block 0, token D (position 6)')."""
    labels = dict(zip(entry.get("positions", []), entry.get("position_labels", [])))
    tokens = [labels.get(p) for p in range(max(labels) + 1)] if labels and position is not None else None
    return site_name(layer, position, tokens, entry.get("arch"))


def _span(values) -> str:
    """'40-100', or '50' where every value is the same."""
    values = list(values)
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def das_table(das: dict, variable: str, entry: dict | None = None) -> Table:
    before_04 = "iia_selection" not in das["best"]
    table = report_table(f"Alignment search for {variable}: a learned {das['dims']}-d subspace",
                         caption=f"IIA of the subspace's interchange (whole completion), trained\n"
                                 f"on {'pairs with trained bases' if before_04 else 'half the pairs with trained bases'} "
                                 + (f"({das['sites'][0]['steps']} steps)" if before_04 else
                                    f"({_span(r['steps'] for r in das['sites'])} steps, "
                                    "until the loss settles)")
                                 + ("" if before_04 else ",\nreported on the other half (trained) and held-out bases")
                                 + "; random: a random\nsubspace of the same dimension",
                         padding=(0, 1))
    keys = (("iia_trained", "iia_held_out", "random_iia_trained", "random_iia_held_out") if before_04 else
            ("iia_selection", "iia_evaluation", "iia_held_out", "random_iia_evaluation", "random_iia_held_out"))
    columns = (("trained", "held\nout", "random\ntrained", "random\nheld out") if before_04 else
               ("chosen\non", "trained", "held\nout", "random\ntrained", "random\nheld out"))
    for col in ("site", *columns):
        table.add_column(col, justify="left" if col == "site" else "right", no_wrap=col != "site")
    best = das["best"]
    for r in das["sites"]:
        style = "bold" if (r["layer"], r["position"]) == (best["layer"], best["position"]) else ""
        table.add_row(_site_words(entry or {}, r["layer"], r["position"]),
                      *(Text(_fraction(r[k]), style=style) for k in keys))
    return table


def _iia_parts(report: dict, system, field: str, flip: str) -> list:
    from rich.console import Group

    parts = []
    for variable, entry in report["iia"].items():
        parts += [Group(iia_table(entry), iia_summary(entry)), iia_table(entry, "control")]
        if "das" in entry:
            parts.append(das_table(entry["das"], variable, entry))
    return parts


RENDER = {
    "do": lambda report, system, field, flip: [intervention_table(report)],
    "graph": lambda report, system, field, flip: [graph_table(report, system)],
    "attention": lambda report, system, field, flip: [attention_table(report["attention"][field])],
    "lens": lambda report, system, field, flip: [lens_table(report["logit_lens"])],
    "tracing": lambda report, system, field, flip: [tracing_table(report["tracing"][field][flip])],
    "iia": _iia_parts,
    "spectrum": lambda report, system, field, flip: [_spectrum(report, system)],
}


def _spectrum(report: dict, system):
    from causal_tui.report.spectrum_tables import spectrum_table

    if "spectrum" not in report:
        return Text("the learned function's spectrum: causal-tui inspect --spectrum", style="dim")
    return spectrum_table(report["spectrum"], len(system.inputs))
"""Each inspect view's drawing (interpret/views.py), by key: the renderables
it prints, each after an empty line."""
