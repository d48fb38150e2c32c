"""`causal-tui train` (`--train-only`) and `causal-experiment --train`: one
training through the engine's one path (training/pipeline.py), with a
progress bar; then the probe."""

from __future__ import annotations

from causal_tui.cli.args import EXIT_INTERRUPTED


def main(values: dict, action: str, source: str, regenerate: bool) -> int:
    """Train what the settings ask for and print how it went."""
    from causal_tui.cli.console import console as Console
    from causal_tui.report.probe_tables import probe_table
    from causal_tui.report.progress_bar import ProgressBar
    from causal_tui.training import pipeline
    from causal_tui.training.interrupt import stop_on_ctrl_c
    from causal_tui.training.request import TrainRequest

    request = TrainRequest.from_settings(values, action=action, source=source, regenerate=regenerate)
    console = Console()
    with stop_on_ctrl_c() as stop, ProgressBar(console) as bar:
        result = pipeline.train(request, on_event=bar, should_stop=stop.is_set)
        bar.finish(result.steps)
    out_dir = request.out_dir
    if result.stopped:
        console.print(f"[yellow]stopped at step {result.steps}[/]: checkpoint kept in "
                      f"{out_dir}/; the previous model (if any) is unchanged. "
                      "Continue with --resume.")
        return EXIT_INTERRUPTED
    if request.config.until_perfect:
        if result.perfect:
            step, secs = result.perfect
            console.print(f"[green]every trained state exact at step {step}, {secs:.1f} s into training[/]")
        else:
            console.print("[yellow]--until-perfect: not every trained state was exact by the end of training[/]")
    console.print(probe_table(result.report))
    console.print(f"[bold]{result.report.summary_line()}[/]")
    console.print(f"saved {result.final_dir}/ ({result.steps} steps, {result.seconds:.1f} s); "
                  f"run {result.run_id} in {out_dir}/runs/")
    return 0
