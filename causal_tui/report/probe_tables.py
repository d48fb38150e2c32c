"""The probe for the command lines: every state as a rich table or Markdown,
and one state's verdict."""

from __future__ import annotations

from rich import box
from rich.table import Table

from causal_tui.evaluation.probe import ProbeReport, StateResult
from causal_tui.report.style import RIGHT, WRONG, mark


def _prob(p: float) -> str:
    """Probability in three characters: .79, 1.0."""
    return "1.0" if p >= 0.995 else f"{p:.2f}"[1:]


WIDE_FIELDS = 6
"""With more fields than this, or 6 or more inputs, the probe table leaves out
probabilities and commas so that it fits 80 columns."""


EVERY_STATE_UP_TO = 256
"""Up to this many states (8 inputs) the table lists every one; above, the
held-out ones and the wrong trained ones, at most MAX_ROWS, with a summary."""
MAX_ROWS = 64


def probe_table(report: ProbeReport) -> Table:
    """Every state (or, for a large system, the ones worth reading): each
    field's prediction, right or wrong, and its probability."""
    system = report.system
    compact = len(system.fields) > WIDE_FIELDS or len(system.inputs) >= 6
    what = "mark, prediction" if compact else "mark, prediction, probability"
    states = report.states
    title = f"Probe: all {len(system.all_states)} input states, greedy ({what})"
    caption = None
    if len(states) > EVERY_STATE_UP_TO:
        wrong = [r for r in states if not r.held_out and not r.exact]
        held = [r for r in states if r.held_out]
        states = (wrong + held)[:MAX_ROWS]
        title = (f"Probe of all {len(system.all_states):,} input states, greedy ({what}): the {len(wrong):,} wrong "
                 f"trained ones, then the {len(held):,} held-out ones, {len(states)} at most")
        caption = f"{len(wrong) + len(held) - len(states):,} more not listed: causal-tui probe --format csv has all"
    caption = "\n".join(x for x in (legend(compact), caption) if x)
    table = Table(title=title, caption=caption, caption_justify="left", header_style="bold", box=box.SIMPLE_HEAD,
                  pad_edge=False)
    table.add_column("state", no_wrap=True, min_width=9)
    table.add_column("held", justify="center", no_wrap=True)
    for f in system.fields:
        table.add_column(f, justify="right", no_wrap=True)
    table.add_column("exact", justify="center", no_wrap=True)
    for r in states:
        cells = []
        for f in system.fields:
            fr = r.fields[f]
            shown = "?" if fr.predicted is None else str(fr.predicted)
            cells.append(f"{mark(fr.correct)}{shown}" + ("" if compact else f" [dim]{_prob(fr.prob)}[/]"))
        label = "".join(map(str, r.state)) if compact else system.format_state(r.state)
        table.add_row(label, "[yellow]yes[/]" if r.held_out else "",
                      *cells, mark(r.exact), style="on grey11" if r.held_out else None)
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


def legend(compact: bool = False) -> str:
    """What the probe's cells say."""
    return ("✓ right, ✗ wrong, then the answer written greedily (? where it is not a number)"
            + ("" if compact else ",\nthen the probability of that answer (.79; 1.0 from 0.995)")
            + ";\nheld: yes where the state was held out of training")


def probe_markdown(report) -> str:
    """The probe as a Markdown table: each field's answer, ✓ or ✗, with the legend."""
    system = report.system
    head = ["state", "held out", *system.fields, "exact"]
    rows = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    for r in report.states:
        cells = [f"{'✓' if fr.correct else '✗'} {'?' if fr.predicted is None else fr.predicted}"
                 for fr in r.fields.values()]
        rows.append("| " + " | ".join([f"`{system.format_state(r.state)}`", "yes" if r.held_out else "",
                                        *cells, "✓" if r.exact else "✗"]) + " |")
    return "\n".join(rows) + "\n\n" + "  \n".join(legend(True).splitlines()) + f"\n\n{report.summary_line()}"
