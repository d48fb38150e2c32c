"""`causal-tui --probe [--format table|markdown|json]` and `--plot FILE`: the
current model's probe (or, with --sweep-name, a sweep's scorecard) for a
notebook or a paper."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from causal_tui.errors import UserError
from causal_tui.science.scorecard import configuration_cards, is_grid


def _scorecard(args) -> dict:
    from causal_tui.sweeps.layout import SCORECARD_FILE, sweep_dir

    path = sweep_dir(args.out_dir, args.sweep_name) / SCORECARD_FILE
    if not path.exists():
        raise UserError(f"no scorecard for sweep {args.sweep_name!r} at {path}")
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise UserError(f"{path} is unreadable ({e})") from None


def _probe(args):
    from causal_tui.evaluation import probe
    from causal_tui.learners import loading
    from causal_tui.store import model_folder

    loaded = loading.load(model_folder.final_dir(args.out_dir))
    return probe.run(loaded.model, loaded.tokenizer, loaded.system, loaded.held_out)


def probe_command(args: argparse.Namespace) -> int:
    from rich.console import Console

    from causal_tui.report.probe_tables import probe_markdown, probe_table
    from causal_tui.report.scorecard_tables import grid_tables, scorecard_markdown, scorecard_tables

    console = Console()
    if args.sweep_name:
        card = _scorecard(args)
        if args.format == "json":
            print(json.dumps(card, indent=1))
        elif args.format == "markdown":
            print("\n\n".join(scorecard_markdown(c) for c in configuration_cards(card)))
        else:
            for table in grid_tables(card) if is_grid(card) else scorecard_tables(card):
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
        print(probe_markdown(report))
    else:
        console.print(probe_table(report))
        console.print(report.summary_line())
    return 0


def plot_command(args: argparse.Namespace) -> int:
    from causal_tui.report import figures

    path = Path(args.plot)
    figures._format_of(path)  # a bad name is refused before any work
    if args.sweep_name:
        card = _scorecard(args)
        card = configuration_cards(card)[0]
        figures.scorecard_figure(card, path)
    else:
        figures.probe_figure(_probe(args), path)
    print(f"wrote {path}")
    return 0
