"""`causal-tui sweep [EXPERIMENT.toml]`: many seeds (of one configuration or a
grid) on one holdout, then the scorecard."""

from __future__ import annotations

import time
from pathlib import Path

from causal_tui.cli.args import EXIT_FAILED, EXIT_INTERRUPTED
from causal_tui.report.style import plain
from causal_tui.science.scorecard import is_grid

# A held-out list longer than this is announced by its count.
LISTED_UP_TO = 8


def main(path: Path | None, flags: dict, out_dir: Path) -> int:
    """Run the sweep an experiment file describes (flags replacing its values),
    or the one the flags alone describe; print the scorecard."""
    from causal_tui.cli.console import console as Console

    from causal_tui.report.scorecard_tables import grid_tables, scorecard_tables
    from causal_tui.report.style import plain
    from causal_tui.sweeps import runner
    from causal_tui.sweeps.layout import SCORECARD_FILE, sweep_dir
    from causal_tui.sweeps.request import SweepRequest, merge, read_file

    console = Console()
    if path is not None:
        values, replaced = merge(read_file(path), flags)
        request = SweepRequest.from_values(values, str(path), Path(path).parent)
        for line in replaced:
            console.print(f"[yellow]{plain(line)}[/]", soft_wrap=True)
    else:
        request = SweepRequest.from_values(flags)
    _announce(console, request)
    started = time.perf_counter()
    live = _LiveSeeds(console, request.seeds * len(request.configurations()))
    try:
        with live:
            card = runner.run_sweep(request, out_dir, on_seed_done=live.seed_done, should_stop=live.stopping,
                                    on_step=live.on_step, on_notice=live.notice)
    except runner.Interrupted as e:
        console.print(f"[yellow]stopped[/]: {e.done} of {e.total} seeds done, kept in {e.folder}/. "
                      "Run the same command again to go on.")
        return EXIT_INTERRUPTED
    except runner.SeedsFailed as e:
        console.print(f"[red]error[/]: {plain(e)}", soft_wrap=True)
        return EXIT_FAILED
    _rate(console, live.trained_here, started, request.jobs)
    for table in grid_tables(card) if is_grid(card) else scorecard_tables(card):
        console.print()
        console.print(table)
    folder = sweep_dir(out_dir, request.name)
    console.print(plain(f"scorecard: {folder / SCORECARD_FILE}; the experiment, to run again: "
                        f"{folder / 'experiment.toml'}"),
                  soft_wrap=True)
    return 0


def _announce(console, request) -> None:
    from causal_tui.report.style import plain
    from causal_tui.systems.catalog import SEED
    from causal_tui.systems.holdout import unseen_label_lines

    e = request
    system, held_out, configurations = e.system, e.holdout, e.configurations()
    what = (f"{len(configurations)} configurations x {e.seeds} seeds" if e.grid
            else f"{e.seeds} seed{'s' * (e.seeds != 1)}")
    console.print(f"sweep [bold]{plain(e.name)}[/]: {what}, {len(held_out)} held-out state{'s' * (len(held_out) != 1)}"
                  + (" on Ray" if e.backend == "ray" else ""))
    if system != SEED:
        console.print(f"system: {plain(system.label())}: {plain(system.description)}", soft_wrap=True)
    # The states themselves only while a reader can take them in; past that, a count.
    listed = held_out.source and held_out.source != held_out.text()
    states = (f" ({held_out.text()})" if len(held_out) <= LISTED_UP_TO
              else f" ({len(held_out):,} states)")
    console.print(f"holding out: {plain(held_out.described)}" + (states if listed else ""), soft_wrap=True)
    unseen = unseen_label_lines(held_out.unseen_labels(), system)
    if unseen:
        console.print("[yellow]unseen labels[/] (the answer never occurs in that field in training): "
                      + "; ".join(unseen), soft_wrap=True)


def _rate(console, trained_here: list[float], started: float, jobs: int) -> None:
    """Seeds per minute, over the seeds this command trained (not the ones it resumed)."""
    from causal_tui.sweeps.job import threads_per_job

    if not trained_here:
        return
    seconds = trained_here[-1] - started
    threads = threads_per_job(jobs)
    console.print(f"trained {len(trained_here)} seed{'s' * (len(trained_here) != 1)} in {seconds:.1f} s: "
                  f"{len(trained_here) / seconds * 60:.1f} seeds per minute ({jobs} at once, "
                  f"{threads} thread{'s' * (threads != 1)} each)")


class _LiveSeeds:
    """The progress bar over seeds, each training seed's step, and Ctrl+C."""

    def __init__(self, console, total: int):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console, self.total = console, total
        self.training_now: dict[str, tuple[int, int]] = {}  # seed key -> (step, total) while it trains
        self.trained_here: list[float] = []  # when each seed trained by this command finished
        self.announced = False
        self.bar = Progress(TextColumn("[bold]seeds"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            TextColumn("{task.fields[now]}"), console=console)

    def __enter__(self):
        from causal_tui.training.interrupt import stop_on_ctrl_c

        self._stop_context = stop_on_ctrl_c()
        self.stop = self._stop_context.__enter__()
        self.bar.__enter__()
        self.task = self.bar.add_task("seeds", total=self.total, now="")
        return self

    def __exit__(self, *exc):
        self.bar.__exit__(*exc)
        return self._stop_context.__exit__(*exc)

    def show(self) -> None:
        now = "  ".join(f"{k}: {step}/{n}" for k, (step, n) in sorted(self.training_now.items()))
        self.bar.update(self.task, now="[yellow]stopping at the next step…[/]" if self.stop.is_set() else now)

    def on_step(self, key, step, n) -> None:
        if key not in self.training_now:
            self.bar.console.print(f"[dim]{key}: training ({n} steps at most)[/]", highlight=False)
        self.training_now[key] = (step, n)
        self.show()

    def notice(self, line: str) -> None:
        self.bar.console.print(f"[yellow]{plain(line)}[/]", soft_wrap=True, highlight=False)

    def seed_done(self, done, total, probe) -> None:
        if probe is not None:
            self.trained_here.append(time.perf_counter())
            self.training_now.pop(probe["key"], None)
            t = probe["summary"]["trained_exact"]
            h = probe["summary"]["held_out_exact"]
            self.bar.console.print(f"{probe['key']}: {probe['steps']} steps, trained exact {t[0]}/{t[1]}, "
                                   f"held-out exact {h[0]}/{h[1]}")
        self.bar.update(self.task, completed=done, total=total)  # kept seeds may outnumber those asked for
        self.show()

    def stopping(self) -> bool:
        if self.stop.is_set() and not self.announced:
            self.announced = True
            self.show()  # once: the bar says it is stopping
        return self.stop.is_set()
