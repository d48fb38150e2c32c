"""`causal-tui`'s subcommands on Typer: each reads its options (options.py)
and hands them to its module in commands/. No task logic here."""

from argparse import Namespace
from pathlib import Path
from typing import Annotated, Literal, Optional

import typer

from causal_tui.cli.args import EXIT_CODES
from causal_tui.cli.options import (FORMATS, OUTPUT, DatasetDirFlag, HoldoutFlags, InspectFlags, ModelFlag,
                                    OutDirFlag, ResumeFlag, RunOnFlag, SeedFlag, SizeFlags, SweepFlags, SystemFlag,
                                    TrainingFlags, format_type, takes, values_of)
from causal_tui.errors import UserError

EXIT_TEXT = "Exit codes: " + ", ".join(f"{code} {what}" for code, what in EXIT_CODES.items()) + "."


def _examples(*lines: str) -> str:
    return "Examples:\n\n```\n" + "\n".join(lines) + "\n```"


app = typer.Typer(
    name="causal-tui",
    help="Does a small model learn the rules of a causal system, or memorise? Without a command: the "
         "dashboard (it takes train's flags too); `--train-only` is `train`.",
    epilog=EXIT_TEXT,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    no_args_is_help=False,
    add_completion=True,
)
runs_app = typer.Typer(help="The run history: list, show, use, compare, delete.",
                       rich_markup_mode="markdown", invoke_without_command=True)
systems_app = typer.Typer(help="Causal systems: list, show, check a file.",
                          rich_markup_mode="markdown", no_args_is_help=True)
app.add_typer(runs_app, name="runs")
app.add_typer(systems_app, name="systems")


def _headless() -> None:
    """Log warnings to the terminal (and everything to logs/) for a command without the dashboard."""
    from causal_tui.store import logs

    logs.setup(console=True, level="WARNING")


def _args(*groups, **extra) -> Namespace:
    """The options as the command modules read them, with the folders' defaults."""
    from causal_tui.data.dataset import DEFAULT_DIR
    from causal_tui.store.model_folder import DEFAULT_OUT

    values = {}
    for g in groups:
        values.update(vars(g))
    values.update(extra)
    if "out_dir" in values:
        values["out_dir"] = values["out_dir"] or DEFAULT_OUT
    if "dataset_dir" in values:
        values["dataset_dir"] = values["dataset_dir"] or DEFAULT_DIR
    return Namespace(**values)


def _given(*groups) -> list[str]:
    """The option names given in these groups, as flags."""
    return [f"--{k.replace('_', '-')}" for g in groups for k, v in vars(g).items() if v is not None]


# -- the dashboard ------------------------------------------------------------
def _model_or_holdout(model, holdout) -> None:
    if model.model is not None and holdout.holdout is not None:
        raise UserError("--model shows a saved model and --holdout picks the states of the next training: give one")


@app.callback(invoke_without_command=True)
@takes(hidden=(TrainingFlags, SeedFlag, SizeFlags, DatasetDirFlag, OutDirFlag, "holdout_seed"), panel="Dashboard")
def dashboard(ctx: typer.Context, *, system: SystemFlag, holdout: HoldoutFlags, seed: SeedFlag, sizes: SizeFlags,
              data: DatasetDirFlag, model: ModelFlag, training: TrainingFlags, out: OutDirFlag):
    given = _given(system, holdout, seed, sizes, data, model, training, out)
    if ctx.invoked_subcommand is not None:
        if given:
            raise UserError(f"{given[0]} before `{ctx.invoked_subcommand}` is the dashboard's: put it after the "
                            f"subcommand (causal-tui {ctx.invoked_subcommand} {given[0]} ...)")
        return None
    _model_or_holdout(model, holdout)
    from causal_tui.cli.commands import dashboard as command

    return command.main(values_of(system, holdout, seed, sizes, data, model, training, out),
                        ctx.obj["start_dashboard"])


SERVING = "Serving"


@app.command(epilog=_examples("causal-tui serve", "causal-tui serve --port 8080 --holdout 1,0,1,0,1",
                              "ssh -L 8000:localhost:8000 HOST   # then open http://localhost:8000 here"))
@takes(hidden=("holdout_seed",))
def serve(*, system: SystemFlag, holdout: HoldoutFlags, seed: SeedFlag, sizes: SizeFlags, data: DatasetDirFlag,
          model: ModelFlag, training: TrainingFlags, out: OutDirFlag,
          host: Annotated[str, typer.Option(
              "--host", metavar="HOST", rich_help_panel=SERVING, show_default=False,
              help="The address to listen on (default 127.0.0.1: loopback only).")] = "127.0.0.1",
          port: Annotated[int, typer.Option(
              "--port", metavar="N", rich_help_panel=SERVING, show_default=False,
              help="The port (default 8000).")] = 8000,
          public_url: Annotated[Optional[str], typer.Option(
              "--public-url", metavar="URL", rich_help_panel=SERVING,
              help="The URL browsers reach it by, behind a proxy (default http://HOST:PORT).")] = None,
          allow_remote: Annotated[bool, typer.Option(
              "--allow-remote", rich_help_panel=SERVING, show_default=False, metavar="",
              help="Listen on an address other machines reach (the token travels unencrypted over http: "
                   "prefer an SSH tunnel).")] = False,
          max_tabs: Annotated[int, typer.Option(
              "--max-tabs", metavar="N", rich_help_panel=SERVING, show_default=False,
              help="Browser tabs served at once, each its own app (default 4).")] = 4):
    """The dashboard in a browser: each tab runs its own app, with the dashboard's flags given here.

    Only you can drive it: open the URL it prints, with its token. Serves on loopback only unless
    --host and --allow-remote say otherwise."""
    _headless()
    from causal_tui.cli.commands import dashboard as checks
    from causal_tui.cli.commands import serve as command
    from causal_tui.cli.options import as_flags

    groups = (system, holdout, seed, sizes, data, model, training, out)
    _model_or_holdout(model, holdout)
    checks.checked(values_of(*groups))  # a bad flag is one line here, not an error in every tab
    return command.main(Namespace(host=host, port=port, public_url=public_url, allow_remote=allow_remote,
                                  max_tabs=max_tabs), as_flags(*groups))


# -- training and sweeps ------------------------------------------------------
@app.command(epilog=_examples("causal-tui train --holdout 1,0,1,0,1 --until-perfect",
                              "causal-tui train --holdout 'A=1&C=1' --arch lstm --epochs 5",
                              "causal-tui train --system chain --holdout random-4 --seed 3"))
@takes()
def train(*, system: SystemFlag, holdout: HoldoutFlags, seed: SeedFlag, sizes: SizeFlags, data: DatasetDirFlag,
          training: TrainingFlags, resume: ResumeFlag, out: OutDirFlag):
    """Train one model headless, then probe every state.

    dataset/ is regenerated where the system, holdout, seed or sizes asked for differ from it."""
    _headless()
    from causal_tui.cli.commands import train as command

    return command.main(values_of(system, holdout, seed, sizes, data, training, resume, out), action="train",
                        source="train", regenerate=True)


@app.command(epilog=_examples("causal-tui sweep --holdout 'A=1&C=1' --seeds 10 --jobs 2 --until-perfect",
                              "causal-tui sweep examples/A1_C1-lr.toml --seeds 3",
                              "causal-tui sweep --holdout 1,0,1,0,1 --grid 'arch=gpt2,lstm,mlp' --seeds 5"))
@takes()
def sweep(experiment: Annotated[Optional[Path], typer.Argument(
              metavar="[EXPERIMENT.toml]", show_default=False,
              help="An experiment file; flags given here replace its values (and say so).")] = None,
          *, system: SystemFlag, holdout: HoldoutFlags, sizes: SizeFlags, training: TrainingFlags,
          sweep: SweepFlags, out: OutDirFlag):
    """Train many seeds on one holdout and score them: a scorecard.

    Resumable: seeds already done are kept. The experiment, fully resolved, is written to
    out/sweeps/NAME/experiment.toml; running that file again reproduces (and resumes) it."""
    _headless()
    from causal_tui.cli.commands import sweep as command

    flags = values_of(system, holdout, sweep)
    table = values_of(training, sizes)
    if "every_state" in table:  # a sweep's own key, not a training setting
        flags["every_state"] = table.pop("every_state")
    if table:
        flags["training"] = table
    if "grid" in flags:
        from causal_tui.sweeps.grid import parse_axes

        flags["grid"] = parse_axes(flags["grid"])
    return command.main(experiment, flags, _args(out).out_dir)


# -- reading what was made ------------------------------------------------------
Recompute = Annotated[bool, typer.Option("--recompute", metavar="", rich_help_panel=OUTPUT,
                                         help="Probe the model again instead of reading the probe saved with it.")]


@app.command(epilog=_examples("causal-tui inspect", "causal-tui inspect 0,1,0,1,1 --field newD --flip D",
                              "causal-tui inspect --iia", "causal-tui inspect --iia --variable newB --das",
                              "causal-tui inspect --model RUN_ID --format json"))
@takes()
def inspect(state: Annotated[Optional[str], typer.Argument(
                metavar="[STATE]", show_default=False,
                help="With a state such as 0,1,0,1,1: also attention, logit lens and causal tracing there.")] = None,
            *, model: ModelFlag, out: OutDirFlag, on: RunOnFlag, look: InspectFlags,
            format: format_type(("table", "json")) = None):
    """Look inside a model: do() on its answers, its graph, one state, where it holds each variable."""
    _headless()
    from causal_tui.cli.commands import inspect as command

    values = values_of(model, out, look)
    values["device"] = on.device or "cpu"
    if state is not None:
        values["state"] = state
    return command.main(values, format or "table")


@app.command(epilog=_examples("causal-tui probe", "causal-tui probe --model RUN_ID --format csv",
                              "causal-tui probe --sweep A1_C1 --format markdown"))
@takes()
def probe(*, model: ModelFlag, out: OutDirFlag, on: RunOnFlag,
          sweep: Annotated[Optional[str], typer.Option("--sweep", metavar="NAME", rich_help_panel=OUTPUT,
                                                       help="A sweep under out/sweeps/: print its scorecard.")] = None,
          format: format_type(FORMATS) = None, recompute: Recompute = False):
    """Print a model's probe or a sweep's scorecard."""
    _headless()
    from causal_tui.cli.commands import report as command

    return command.probe_command(_read_args(model, out, sweep, format=format or "table", recompute=recompute,
                                            device=on.device or "cpu"))


@app.command(epilog=_examples("causal-tui plot probe.png", "causal-tui plot probe.svg --model RUN_ID",
                              "causal-tui plot scorecard.pdf --sweep A1_C1",
                              "causal-tui plot course.png --course --sweep A1_C1"))
@takes()
def plot(file: Annotated[Path, typer.Argument(metavar="FILE.png|svg|pdf", help="Where to draw it.")],
         *, model: ModelFlag, out: OutDirFlag, on: RunOnFlag,
         sweep: Annotated[Optional[str], typer.Option("--sweep", metavar="NAME", rich_help_panel=OUTPUT,
                                                      help="A sweep under out/sweeps/: draw its scorecard.")] = None,
         spectrum: Annotated[bool, typer.Option("--spectrum", metavar="", rich_help_panel=OUTPUT,
                                                help="Draw the learned function's degree profile (truth, min-degree "
                                                     "interpolator, model; over a sweep's seeds).")] = False,
         course: Annotated[bool, typer.Option("--course", metavar="", rich_help_panel=OUTPUT,
                                              help="Draw the course a --probe-every training recorded: the degree "
                                                   "profile at each recorded step and when the held-out answers "
                                                   "settled (over a sweep's seeds).")] = False,
         recompute: Recompute = False):
    """Draw a model's probe, or a sweep's scorecard, to a file."""
    _headless()
    from causal_tui.cli.commands import report as command

    return command.plot_command(_read_args(model, out, sweep, plot=str(file), recompute=recompute, spectrum=spectrum,
                                           course=course, device=on.device or "cpu"))


@app.command(epilog=_examples("causal-tui export --sweep A1_C1 --output a1c1.csv",
                              "causal-tui export --sweep A1_C1 --output a1c1.parquet",
                              "causal-tui export --model RUN_ID --output run.csv"))
@takes()
def export(*, model: ModelFlag, out: OutDirFlag, on: RunOnFlag,
           sweep: Annotated[Optional[str], typer.Option("--sweep", metavar="NAME", rich_help_panel=OUTPUT,
                                                        help="A sweep under out/sweeps/.")] = None,
           output: Annotated[Path, typer.Option("--output", metavar="FILE", rich_help_panel=OUTPUT,
                                                help="The file to write (.csv or .parquet).")] = ...,
           format: Annotated[Optional[Literal["csv", "parquet"]], typer.Option(
               "--format", rich_help_panel=OUTPUT, help="csv or parquet (default: from the file's name).")] = None,
           force: Annotated[bool, typer.Option("--force", metavar="", rich_help_panel=OUTPUT,
                                               help="Replace the file if it exists.")] = False,
           recompute: Recompute = False):
    """Write a sweep's or a model's tidy table (one row per seed, state, field) for pandas."""
    _headless()
    from causal_tui.cli.commands import export as command

    return command.main(_read_args(model, out, sweep, output=output, format=format, force=force, recompute=recompute,
                                  device=on.device or "cpu"))


def _read_args(model: ModelFlag, out: OutDirFlag, sweep: str | None, **extra) -> Namespace:
    if model.model is not None and sweep is not None:
        raise UserError("--model reads one model and --sweep a sweep's scorecard: give one")
    if sweep is not None and extra.get("recompute"):
        raise UserError("--recompute probes a saved model again: --sweep reads the sweep's scorecard as saved")
    return _args(model, out, sweep_name=sweep, **extra)


# -- runs ---------------------------------------------------------------------------
RunId = Annotated[str, typer.Argument(metavar="RUN_ID", help="A run's id (see causal-tui runs list).")]


@runs_app.callback()
@takes()
def runs(ctx: typer.Context, *, out: OutDirFlag):
    """The run history under out/runs/: every training is a run (list is the default)."""
    ctx.obj = {**(ctx.obj or {}), "out_dir": _args(out).out_dir}
    if ctx.invoked_subcommand is None:
        _headless()
        from causal_tui.cli.commands import runs as command

        return command.listing(ctx.obj["out_dir"], "table")
    return None


def _out(ctx: typer.Context, out: OutDirFlag) -> Path:
    """--out-dir given after the action, or before it (causal-tui runs --out-dir DIR list)."""
    return out.out_dir or ctx.obj["out_dir"]


@runs_app.command("list", epilog=_examples("causal-tui runs list", "causal-tui runs list --format csv"))
@takes()
def runs_list(ctx: typer.Context, *, out: OutDirFlag,
              format: format_type(FORMATS) = None):
    """Every run, newest first, with what it was and how it did."""
    _headless()
    from causal_tui.cli.commands import runs as command

    return command.listing(_out(ctx, out), format or "table")


@runs_app.command("show", epilog=_examples("causal-tui runs show RUN_ID", "causal-tui runs show RUN_ID --format json"))
@takes()
def runs_show(ctx: typer.Context, run_id: RunId, *, out: OutDirFlag,
              format: format_type(("table", "json")) = None):
    """One run's record: what it trained, how it did, and where it came from."""
    _headless()
    from causal_tui.cli.commands import runs as command

    return command.show(_out(ctx, out), run_id, format or "table")


@runs_app.command("use", epilog=_examples("causal-tui runs use RUN_ID"))
@takes()
def runs_use(ctx: typer.Context, run_id: RunId, *, out: OutDirFlag):
    """Make a run's model the current one (out/tiny-gpt2-causal/final/ is replaced by it)."""
    _headless()
    from causal_tui.cli.commands import runs as command

    return command.use(_out(ctx, out), run_id)


@runs_app.command("compare", epilog=_examples("causal-tui runs compare RUN_ID RUN_ID"))
@takes()
def runs_compare(ctx: typer.Context, first: RunId, second: RunId, *, out: OutDirFlag):
    """Where two runs' answers differ, state by state and field by field."""
    _headless()
    from causal_tui.cli.commands import runs as command

    return command.compare(_out(ctx, out), first, second)


@runs_app.command("delete", epilog=_examples("causal-tui runs delete RUN_ID", "causal-tui runs delete RUN_ID --yes"))
@takes()
def runs_delete(ctx: typer.Context, run_id: RunId, *, out: OutDirFlag,
                yes: Annotated[bool, typer.Option("--yes", "-y", metavar="", help="Do not ask first.")] = False):
    """Delete a run's folder (asks first)."""
    _headless()
    from causal_tui.cli.commands import runs as command

    return command.delete(_out(ctx, out), run_id, yes)


# -- systems --------------------------------------------------------------------------
@systems_app.command("list", epilog=_examples("causal-tui systems list"))
def systems_list():
    """The bundled systems, with their inputs and fields."""
    _headless()
    from causal_tui.cli.commands import systems as command

    return command.listing()


@systems_app.command("show", epilog=_examples("causal-tui systems show seed", "causal-tui systems show chain"))
def systems_show(name: Annotated[str, typer.Argument(metavar="NAME|FILE", help="A bundled system or a file.")]):
    """A system's TOML and its truth table."""
    _headless()
    from causal_tui.cli.commands import systems as command

    return command.show(name)


@systems_app.command("check", epilog=_examples("causal-tui systems check my-system.toml"))
def systems_check(file: Annotated[Path, typer.Argument(metavar="FILE", help="A system's TOML file.")]):
    """Parse a system file: its truth table, or where it goes wrong (exit 2)."""
    _headless()
    from causal_tui.cli.commands import systems as command

    return command.check(file)
