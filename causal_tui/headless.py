"""Terminal output for the command lines: a rich progress bar, the probe table,
one state's verdict. Rendering only; the work is the engine's."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from .probe import ProbeReport, StateResult
from .progress import Evaluated, Event, Progress, Status

RIGHT, WRONG = "green", "red"


class ProgressBar:
    """A rich progress bar fed by training events."""

    def __init__(self, console: Console):
        self.console = console
        self.bar = Bar(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]}"),
            TextColumn("eval {task.fields[eval]}"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task = None

    def __enter__(self):
        self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        return self.bar.__exit__(*exc)

    def __call__(self, event: Event) -> None:
        if isinstance(event, Status):
            if self.task is None and event.text == "training":
                self.task = self.bar.add_task("training", total=None, loss="-", eval="-", rate="")
            elif self.task is None:
                self.console.print(f"[dim]{event.text}...[/]")
            else:
                self.bar.update(self.task, description=event.text)
        elif isinstance(event, Progress) and self.task is not None:
            self.bar.update(self.task, completed=event.step, total=event.total_steps,
                            loss=f"{event.loss:.4f}" if event.loss is not None else "-",
                            rate=f"{event.steps_per_s:.1f} steps/s")
        elif isinstance(event, Evaluated) and self.task is not None:
            self.bar.update(self.task, eval=f"{event.eval_loss:.4f}")


@contextmanager
def stop_on_ctrl_c() -> Iterator[threading.Event]:
    """The first Ctrl+C asks training to stop at the next step; a second one
    interrupts at once."""
    flag = threading.Event()
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        if flag.is_set():
            raise KeyboardInterrupt
        flag.set()

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def _mark(ok: bool) -> str:
    return f"[{RIGHT}]✓[/]" if ok else f"[{WRONG}]✗[/]"


def _prob(p: float) -> str:
    """Probability in three characters: .79, 1.0."""
    return "1.0" if p >= 0.995 else f"{p:.2f}"[1:]


WIDE_FIELDS = 6
"""With more fields than this, or 6 or more inputs, the probe table leaves out
probabilities and commas so that it fits 80 columns."""


def probe_table(report: ProbeReport) -> Table:
    """Every state: each field's prediction, right or wrong, and its probability."""
    system = report.system
    compact = len(system.fields) > WIDE_FIELDS or len(system.inputs) >= 6
    what = "mark, prediction" if compact else "mark, prediction, probability"
    table = Table(title=f"Probe: all {len(system.all_states)} input states, greedy ({what})",
                  header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("state", no_wrap=True, min_width=9)
    table.add_column("held", justify="center", no_wrap=True)
    for f in system.fields:
        table.add_column(f, justify="right", no_wrap=True)
    table.add_column("exact", justify="center", no_wrap=True)
    for r in report.states:
        cells = []
        for f in system.fields:
            fr = r.fields[f]
            shown = "?" if fr.predicted is None else str(fr.predicted)
            cells.append(f"{_mark(fr.correct)}{shown}" + ("" if compact else f" [dim]{_prob(fr.prob)}[/]"))
        label = "".join(map(str, r.state)) if compact else system.format_state(r.state)
        table.add_row(label, "[yellow]yes[/]" if r.held_out else "",
                      *cells, _mark(r.exact), style="on grey11" if r.held_out else None)
    return table


def state_verdict(result: StateResult) -> str:
    """The model's completion with each field marked and its probability."""
    lines = [f"model completion: {result.completion!r}"]
    width = max(len(f) for f in result.fields)
    for f, fr in result.fields.items():
        shown = "?" if fr.predicted is None else str(fr.predicted)
        verdict = f"[{RIGHT}]right[/]" if fr.correct else f"[{WRONG}]wrong[/] (truth {fr.truth})"
        lines.append(f"  {f:<{width}} = {shown}  {verdict}  p={fr.prob:.3f}")
    lines.append("[bold green]exact match[/]" if result.exact else "[bold red]not an exact match[/]")
    lines.append("[yellow]this state was held out of training[/]" if result.held_out
                 else "this state was in the training data")
    return "\n".join(lines)


LEVEL_STYLE = {"right": RIGHT, "wrong": WRONG, "mixed": "yellow", "none": "dim"}


def _shade(fraction: float | None) -> str:
    from .scorecard import level

    return LEVEL_STYLE[level(fraction)]


def _num(x: float | None) -> str:
    return "--" if x is None else f"{x:.2f}"


def _interval(pair) -> str:
    lo, hi = pair
    return f"[{lo:.2f}, {hi:.2f}]"


def _per_seed(values: list) -> str:
    """Each seed's accuracy in one short string: 1 0 .88 ..."""
    return " ".join("-" if v is None else "1" if v == 1 else "0" if v == 0 else f"{v:.2f}"[1:] for v in values)


def scorecard_tables(card: dict) -> list[Table]:
    """Per held-out state and field: seeds right; per field: accuracy with its
    seed-level 95% interval beside chance and the reference guessers."""
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
            row.append(f"[{_shade(c['fraction'])}]{c['right']}/{c['seeds']}[/]{mark}")
        grid.add_row(state, *row)

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
            f"[{_shade(s['accuracy'])}]{s['accuracy']:.2f}[/] {_interval(s['interval95'])}",
            f"{s['chance_accuracy']:.2f} (={s['chance_value']})",
            f"{ga['nearest_neighbour']:.2f} / {ag['nearest_neighbour']:.2f}",
            f"{_num(ga['interpolator'])} / {_num(ag['interpolator'])} (deg {s['interpolator_degree']}"
            + (f", {undetermined}?" if undetermined else "") + ")",
        )
    seeds = Table(title="Per seed: accuracy on its held-out cells", title_justify="left",
                  box=box.SIMPLE_HEAD, header_style="bold")
    seeds.add_column("seed", justify="right")
    for f in card["fields"]:
        seeds.add_column(f, justify="right", no_wrap=True)
    for i, seed in enumerate(card["seeds"]):
        seeds.add_row(str(seed), *(f"[{_shade(v)}]{_num(v)}[/]" for v in
                                   (card["fields"][f]["per_seed"][i] for f in card["fields"])))
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
            row += [f"{own['consistent']}/{own['readable']} = {own['fraction']:.2f}", _interval(own["interval95"])]
        else:
            row += ["no informative cell", ""]
        composed.add_row(*row, f"{s['accuracy']:.2f}")
    groups = Table(title="Cells whose answer was / was never seen in training", title_justify="left",
                   box=box.SIMPLE_HEAD, header_style="bold")
    for col in ("cells", "model accuracy", "95% interval"):
        groups.add_column(col, justify="right")
    groups.add_column("", justify="left")
    for label, g in card["by_label"].items():
        if g["cells"]:
            groups.add_row(str(g["cells"]), f"{g['accuracy']:.2f}", _interval(g["interval95"]),
                           label.replace("_", " "))
    return [grid, fields, seeds, composed, groups, *inside_tables(card)]


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
                              _num(c["follow_rate"]["accuracy"])]
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
            t.add_row(f, *(f"[{_shade(c['seeds_matching'] / c['seeds'])}]{'●' if c['truth_depends'] else '·'} "
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
            cells.append(f"[{_shade(entry['accuracy'])}]{_num(entry['accuracy'])}[/] [dim][{lo:.2f}, {hi:.2f}][/]")
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


def run_row(record: dict, fields: list[str] | None = None) -> list[str]:
    """One run as table cells: when, source, system, learner, held out,
    configuration, steps, seconds, trained exact, held-out accuracy per field."""
    when = (record.get("started_at") or "").replace("T", " ")[5:16]
    system = (record.get("system") or {}).get("name", "?")
    held = record.get("held_out") or []
    held_text = "none" if not held else held[0] if len(held) == 1 else f"{len(held)} states"
    c = record.get("config") or {}
    config = f"{c.get('n_embd')}/{c.get('n_layer')}" + (f"/{c.get('n_head')}" if record.get("arch") == "gpt2" else "")
    config += f" lr {c.get('learning_rate', 0):g} e{c.get('epochs', 0):g}"
    exact = record.get("trained_exact")
    acc = record.get("held_out_field_accuracy") or {}
    per_field = " ".join(f"{k}/{n}" for k, n in acc.values()) if acc and held else ("-" if held else "")
    return [record["id"], when, record.get("source", ""), system, record.get("arch", "?"), held_text, config,
            "" if record.get("steps") is None else str(record["steps"]),
            "" if record.get("seconds") is None else f"{record['seconds']:.0f}",
            f"{exact[0]}/{exact[1]}" if exact else record.get("status", ""), per_field]


RUN_COLUMNS = ("id", "when", "source", "system", "arch", "held out", "config", "steps", "s", "exact",
               "held-out fields")


def runs_table(listing: list[dict], current: str | None = None) -> Table:
    """The run history for the command line: the columns that fit 80, with the
    held-out fields summed (the Runs screen shows each field)."""
    table = Table(title="Runs, newest first (* the current model)", title_justify="left", box=None,
                  header_style="bold underline", caption="right: held-out fields right / held-out cells",
                  caption_justify="left", pad_edge=False)
    for col in ("id", "source", "arch", "held out", "steps", "exact", "right", "disk"):
        table.add_column(col, justify="right" if col in ("steps", "disk") else "left", no_wrap=True)
    from .runs import size_text

    for record in listing:
        row = run_row(record)
        acc = record.get("held_out_field_accuracy") or {}
        right = sum(k for k, _ in acc.values())
        cells = sum(n for _, n in acc.values())
        table.add_row(("*" if record["id"] == current else " ") + row[0], row[2][:14], row[4], row[5], row[7],
                      row[9], f"{right}/{cells}" if cells else "", size_text(record.get("bytes", 0)))
    return table


def comparison_text(system, first: str, second: str, comparison: dict) -> str:
    """Two runs' answers side by side: the cells where they differ, and counts."""
    lines = [f"runs {first} and {second} ({system.name}): {comparison['cells']} cells differ in "
             f"{comparison['states']} of {len(system.all_states)} states; only {first} right: "
             f"{comparison['only_first_right']}, only {second} right: {comparison['only_second_right']}, "
             f"both wrong: {comparison['both_wrong']}"]
    for state, fields in comparison["differ"].items():
        lines.append(f"  {state}: {', '.join(fields)}")
    return "\n".join(lines)


def probe_markdown(report) -> str:
    """The probe as a Markdown table: each field's answer, ✓ or ✗."""
    system = report.system
    head = ["state", "held out", *system.fields, "exact"]
    rows = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    for r in report.states:
        cells = [f"{'✓' if fr.correct else '✗'} {'?' if fr.predicted is None else fr.predicted}"
                 for fr in r.fields.values()]
        rows.append("| " + " | ".join([f"`{system.format_state(r.state)}`", "yes" if r.held_out else "",
                                        *cells, "✓" if r.exact else "✗"]) + " |")
    return "\n".join(rows) + f"\n\n{report.summary_line()}"


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
                    f"{ga['nearest_neighbour']:.2f} | {_num(ga['interpolator'])} |")
    return "\n".join(rows)
