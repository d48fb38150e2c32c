"""A rich progress bar for the command lines, fed by training events."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.progress import Progress as Bar

from causal_tui.data.dataset import summary
from causal_tui.report.style import plain
from causal_tui.training.progress import DatasetReady, Evaluated, Event, Notice, Progress, Status


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

    def finish(self, step: int) -> None:
        """The training ended at `step` (before the planned last one, with
        --until-perfect or a stop): the bar ends there, without an estimate."""
        if self.task is not None:
            self.bar.update(self.task, completed=step, total=step)

    def __call__(self, event: Event) -> None:
        if isinstance(event, Notice):
            self.console.print(f"[yellow]{plain(event.text)}[/]")
        elif isinstance(event, DatasetReady):
            if event.generated_because:
                self.console.print(plain(f"{event.generated_because}: generated it ({summary(event.dataset)})"))
            self.console.print(plain(f"dataset: {summary(event.dataset)}"))
        elif isinstance(event, Status):
            if self.task is None and event.text == "training":
                self.task = self.bar.add_task("training", total=None, loss="-", eval="-", rate="")
            elif self.task is None:
                # A phase ("loading torch and transformers") goes on; a sentence is said once.
                ending = "" if event.text.endswith((")", ".")) else "…"
                self.console.print(f"[dim]{plain(event.text)}{ending}[/]", highlight=False)
            else:
                self.bar.update(self.task, description=event.text)
        elif isinstance(event, Progress) and self.task is not None:
            self.bar.update(self.task, completed=event.step, total=event.total_steps,
                            loss=f"{event.loss:.4f}" if event.loss is not None else "-",
                            rate=f"{event.steps_per_s:.1f} steps/s")
        elif isinstance(event, Evaluated) and self.task is not None:
            self.bar.update(self.task, eval=f"{event.eval_loss:.4f}")
