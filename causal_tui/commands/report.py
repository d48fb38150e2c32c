"""`causal-tui --probe [--format table|markdown|json]` and `--plot FILE`: the
current model's probe (or, with --sweep-name, a sweep's scorecard) for a
notebook or a paper."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import UserError


def _scorecard(args) -> dict:
    from .. import sweep

    path = sweep.sweep_dir(args.out_dir, args.sweep_name) / sweep.SCORECARD_FILE
    if not path.exists():
        raise UserError(f"no scorecard for sweep {args.sweep_name!r} at {path}")
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise UserError(f"{path} is unreadable ({e})") from None


def _probe(args):
    from .. import model_store, probe

    loaded = model_store.load(model_store.final_dir(args.out_dir))
    return probe.run(loaded.model, loaded.tokenizer, loaded.system, loaded.held_out)


def probe_command(args: argparse.Namespace) -> int:
    from rich.console import Console

    from .. import headless

    console = Console()
    if args.sweep_name:
        card = _scorecard(args)
        cards = [c["scorecard"] for c in card["configurations"]] if "configurations" in card else [card]
        if args.format == "json":
            print(json.dumps(card, indent=1))
        elif args.format == "markdown":
            print("\n\n".join(headless.scorecard_markdown(c) for c in cards))
        else:
            for table in headless.grid_tables(card) if "configurations" in card else headless.scorecard_tables(card):
                console.print(table)
                console.print()
        return 0
    report = _probe(args)
    if args.format == "json":
        print(json.dumps({"system": report.system.summary(), "held_out": [report.system.format_state(s)
                                                                         for s in report.held_out],
                          "summary": report.summary(), "predictions": report.predictions(),
                          "completions": {report.system.format_state(r.state): r.completion for r in report.states}},
                         indent=1))
    elif args.format == "markdown":
        print(headless.probe_markdown(report))
    else:
        console.print(headless.probe_table(report))
        console.print(report.summary_line())
    return 0


def plot_command(args: argparse.Namespace) -> int:
    from .. import figures

    path = Path(args.plot)
    figures._format_of(path)  # a bad name is refused before any work
    if args.sweep_name:
        card = _scorecard(args)
        if "configurations" in card:
            card = card["configurations"][0]["scorecard"]
        figures.scorecard_figure(card, path)
    else:
        figures.probe_figure(_probe(args), path)
    print(f"wrote {path}")
    return 0
