"""`causal-tui probe` and `causal-tui plot FILE`: a model's probe (the current
one, or --model DIR|RUN_ID) or a sweep's scorecard (--sweep NAME), for a
notebook or a paper."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from causal_tui.cli.args import model_folder_of
from causal_tui.science.scorecard import configuration_cards, is_grid


def _scorecard(args) -> dict:
    from causal_tui.sweeps.results import scorecard

    return scorecard(args.out_dir, args.sweep_name)


def _probe_and_manifest(args):
    """The model's probe (the one saved with it, no torch, unless --recompute) and its manifest."""
    from causal_tui.sweeps.results import probe_of

    return probe_of(model_folder_of(args.model, args.out_dir), getattr(args, "recompute", False),
                    getattr(args, "device", "cpu"))



def probe_command(args: argparse.Namespace) -> int:
    from causal_tui.cli.console import console as Console

    from causal_tui.store.table_files import csv_text
    from causal_tui.report.probe_tables import probe_markdown, probe_table
    from causal_tui.report.scorecard_tables import grid_tables, scorecard_markdown, scorecard_tables
    from causal_tui.report.style import captions_of
    from causal_tui.science.scorecard import field_rows

    console = Console()
    if args.sweep_name:
        card = _scorecard(args)
        tables = grid_tables(card) if is_grid(card) else scorecard_tables(card)
        if args.format == "json":
            # What each printed table's numbers mean travels with them.
            print(json.dumps({**card, "captions": captions_of(tables)}, indent=1))
        elif args.format == "csv":
            print(csv_text(field_rows(card)), end="")
        elif args.format == "markdown":
            print(scorecard_markdown(card), end="")
        else:
            for table in tables:
                console.print(table)
                console.print()
        return 0
    report = _probe_and_manifest(args)[0]
    if args.format == "json":
        print(json.dumps({"system": report.system.summary(), "held_out": [report.system.format_state(s)
                                                                         for s in report.held_out],
                          "summary": report.summary(), "predictions": report.predictions(),
                          "completions": {report.system.format_state(r.state): r.completion for r in report.states},
                          "captions": captions_of([probe_table(report)])},
                         indent=1))
    elif args.format == "markdown":
        print(probe_markdown(report))
    elif args.format == "csv":
        print(csv_text(report.rows()), end="")
    else:
        console.print(probe_table(report))
        console.print(report.summary_line())
    return 0


def _plot_spectrum(args, path: Path) -> int:
    """The degree profile figure of a model or of a sweep's seeds."""
    from causal_tui.errors import UserError
    from causal_tui.report import figures
    from causal_tui.science import spectrum

    if args.sweep_name:
        card = configuration_cards(_scorecard(args))[0]
        if not card.get("spectrum"):
            raise UserError(f"sweep {args.sweep_name}'s scorecard has no spectrum (it was scored before 0.4, or its "
                            "system has no 0/1 field)")
        n = len(card["system"]["inputs"])
        title = (f"{card.get('name', 'sweep')}, {figures._held_out_text(card['held_out'], card.get('holdout'))}: "
                 f"the learned function's degree profile, {figures._seeds_text(card['seeds'])}")
        figures.spectrum_figure(card["spectrum"], n, path, title, over_seeds=True)
    else:
        report, manifest = _probe_and_manifest(args)
        probabilities = {s: e["probabilities"] for s, e in report.record()["states"].items()}
        found = spectrum.of_model(report.system, report.held_out, report.predictions(), probabilities)
        held = report.held_out
        title = (f"{figures.about(manifest)}, {figures._held_out_text(held.labels(), held.source)}: "
                 "the learned function's degree profile")
        figures.spectrum_figure(found, len(report.system.inputs), path, title)
    print(f"wrote {path}")
    return 0


def _plot_course(args, path: Path) -> int:
    """The course a --probe-every training recorded: a sweep's over its seeds, or one run's."""
    from causal_tui.errors import UserError
    from causal_tui.report import figures
    from causal_tui.science import spectrum
    from causal_tui.store import model_folder, runs

    how = "record one with --probe-every N"
    if args.sweep_name:
        card = configuration_cards(_scorecard(args))[0]
        if not card.get("course"):
            raise UserError(f"sweep {args.sweep_name} recorded no course: {how} (causal-tui sweep ... --probe-every 50)")
        course, seeds = card["course"], figures._seeds_text(card["seeds"])
        title = f"sweep {card.get('name', '')}, {figures._held_out_text(card['held_out'], card.get('holdout'))}, {seeds}"
    else:
        # The manifest says which run and what was held out: the probe is not needed (nor torch).
        folder = model_folder_of(args.model, args.out_dir)
        manifest = model_folder.read_manifest(folder)
        if manifest is None:
            raise UserError(f"no model in {folder}/ (train one first, or give --model DIR|RUN_ID)")
        system, held = model_folder.system_of(manifest), model_folder.held_out_states(manifest)
        run_id = manifest.get("run_id")
        records = runs.course_in(runs.run_folder(args.out_dir, run_id), held.labels(), system.fields) if run_id else []
        if not records:
            raise UserError(f"this model's training recorded no course: {how}")
        course = spectrum.course_over_seeds([spectrum.settling(records, held.labels(), system.fields)],
                                            system.fields)
        title = f"{figures.about(manifest)}, {figures._held_out_text(held.labels(), held.source)}"
    if not course:
        raise UserError("the course has no held-out cell to follow (nothing was held out)")
    over = " (mean over seeds)" if args.sweep_name else ""
    figures.course_figure(course, path, f"{title}\nthe degree profile over training{over} and when the held-out "
                                        "answers settled")
    print(f"wrote {path}")
    return 0


def plot_command(args: argparse.Namespace) -> int:
    from causal_tui.errors import UserError
    from causal_tui.report import figures

    path = Path(args.plot)
    figures._format_of(path)  # a bad name is refused before any work
    if getattr(args, "spectrum", False) and getattr(args, "course", False):
        raise UserError("--spectrum and --course are two figures: give one")
    if getattr(args, "course", False) and getattr(args, "recompute", False):
        raise UserError("--recompute probes a model again: --course draws what its training recorded")
    if getattr(args, "course", False):
        return _plot_course(args, path)
    if getattr(args, "spectrum", False):
        return _plot_spectrum(args, path)
    if args.sweep_name:
        card = _scorecard(args)
        card = configuration_cards(card)[0]
        figures.scorecard_figure(card, path)
    else:
        report, manifest = _probe_and_manifest(args)
        figures.probe_figure(report, path, model=figures.about(manifest))
    print(f"wrote {path}")
    return 0
