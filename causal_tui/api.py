"""The Python API: the same functions the commands call, for notebooks.

    import causal_tui as ct
    system = ct.load_system("seed")
    run = ct.train(system, holdout="1,0,1,0,1", seed=3, until_perfect=True, out_dir="out")
    run.probe.to_pandas()                       # one row per state and field
    sweep = ct.sweep(system, holdout="A=1&C=1", seeds=10, jobs=2, until_perfect=True)
    sweep.scorecard.fields.to_pandas()          # the per-field table, intervals included
    sweep.to_pandas()                           # tidy: configuration, seed, state, field
    report = ct.inspect(run, state="0,1,0,1,1")
    ct.load_run(run.id), ct.load_sweep(sweep.name)
    ct.stats.seed_interval(correct=[8, 8, 7], total=[8, 8, 8])

Every function that reads or writes takes `out_dir=` (and, where a dataset
is written, `dataset_dir=`) as the commands do. Bad input raises
`causal_tui.UserError` with the one-line message the command line prints.
Long work shows a progress bar (in a terminal and in Jupyter); Ctrl+C (or
Jupyter's interrupt) stops it at the next step, keeps what is done, and
raises KeyboardInterrupt."""

from __future__ import annotations

import contextlib
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from causal_tui.errors import UserError
from causal_tui.science import tidy
from causal_tui.science.scorecard import configuration_cards, field_rows, is_grid
from causal_tui.store import model_folder, provenance, runs
from causal_tui.systems import catalog
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import System

# A library keeps quiet unless asked: logger.enable("causal_tui") shows its log lines
# (the command lines enable them, with a file in logs/).
from loguru import logger as _logger  # noqa: E402

_logger.disable("causal_tui")

__all__ = ["Table", "Run", "Scorecard", "Sweep", "load_system", "train", "sweep", "inspect", "load_run",
           "load_sweep", "UserError"]


# -- results ---------------------------------------------------------------------
@dataclass
class Table:
    """Rows of named columns: `.rows` (a list of dicts), `.columns`, and
    `.to_pandas()` (a DataFrame with those columns, in that order)."""

    rows: list[dict]
    columns: tuple[str, ...]

    def to_pandas(self):
        """The rows as a pandas DataFrame.

        Examples:
            >>> ct.load_run(run_id).probe.to_pandas().groupby("field").correct.mean()
        """
        import pandas as pd

        return pd.DataFrame(self.rows, columns=list(self.columns))

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"Table({len(self.rows)} rows: {', '.join(self.columns)})"


def _table(rows: list[dict], columns: Iterable[str] | None = None) -> Table:
    return Table(rows, tuple(columns) if columns is not None else tuple(rows[0]) if rows else ())


@dataclass
class Run:
    """A trained model as saved: its folder, manifest, run record, probe.

    `probe` is its tidy table (one row per state and field, the columns of
    `causal_tui.science.tidy.COLUMNS`); `report` the probe as the commands
    print it (ProbeReport)."""

    id: str | None
    folder: Path
    manifest: dict
    record: dict | None
    report: object
    probe: Table
    out_dir: Path

    @property
    def system(self) -> System:
        return self.report.system

    @property
    def held_out(self) -> HeldOut:
        return self.report.held_out

    @property
    def provenance(self) -> dict | None:
        """Where it came from: versions, commit, device, precision, command, times."""
        return (self.record or {}).get("provenance") or self.manifest.get("provenance")

    def to_pandas(self):
        """The tidy table of this run (as `run.probe.to_pandas()`)."""
        return self.probe.to_pandas()

    def spectrum(self) -> Table:
        """The learned function on the cube, one row per 0/1 field and degree:
        the Walsh mass of the model's probability of 1 there (`model`), of the
        truth and of the min-degree interpolator (SPECTRUM_COLUMNS).

        Examples:
            >>> run.spectrum().to_pandas().pivot(index="degree", columns="field", values="model")
        """
        from causal_tui.science import spectrum

        report = self.report
        probabilities = {s: e["probabilities"] for s, e in report.record()["states"].items()}
        found = spectrum.of_model(report.system, report.held_out, report.predictions(), probabilities)
        return Table(_spectrum_rows({None: found}), SPECTRUM_COLUMNS)

    def __repr__(self) -> str:
        return f"Run({self.id or self.folder}: {self.report.summary_line()})"


@dataclass
class Scorecard:
    """A sweep's scorecard: `fields` (per configuration and field: accuracy,
    its seed-level interval, chance, the guessers), `cells` (per held-out
    state and field), and `raw`, the scorecard.json it was read from."""

    raw: dict
    fields: Table = field(init=False)
    cells: Table = field(init=False)

    def __post_init__(self) -> None:
        self.fields = _table(field_rows(self.raw))
        cells = []
        configurations = self.raw["configurations"] if is_grid(self.raw) else [{"id": "", "scorecard": self.raw}]
        for c in configurations:
            for cell in c["scorecard"]["cells"]:
                lo, hi = cell["interval95"]
                cells.append({"configuration": c["id"], "state": cell["state"], "field": cell["field"],
                              "truth": cell["truth"], "right": cell["right"], "seeds": cell["seeds"],
                              "fraction": cell["fraction"], "low": lo, "high": hi,
                              "unseen_label": cell["unseen_label"]})
        self.cells = _table(cells)

    def __repr__(self) -> str:
        return f"Scorecard({self.raw.get('name')}: {len(self.fields)} field rows)"


@dataclass
class Sweep:
    """A sweep as saved: its name and folder, its scorecard, its tidy table."""

    name: str
    folder: Path
    scorecard: Scorecard
    out_dir: Path

    @property
    def provenance(self) -> dict | None:
        return self.scorecard.raw.get("provenance")

    def configurations(self) -> list[dict]:
        """Each configuration's own scorecard (one without a grid)."""
        return configuration_cards(self.scorecard.raw)

    def tidy(self) -> Table:
        """One row per configuration, seed, state and field (tidy.COLUMNS)."""
        from causal_tui.sweeps.results import sweep_rows

        return Table(sweep_rows(self.out_dir, self.name), tidy.COLUMNS)

    def spectrum(self) -> Table:
        """The learned function over seeds, one row per configuration, seed, 0/1
        field and degree: the Walsh mass of each seed's probability of 1, of the
        truth and of the min-degree interpolator (SPECTRUM_COLUMNS).

        Examples:
            >>> ct.load_sweep("A1_C1").spectrum().to_pandas().groupby(["field", "degree"]).model.mean()
        """
        rows = []
        for configuration in self.configurations():
            found = configuration.get("spectrum") or {}
            per_seed = {seed: {f: {"profile": e["profiles"][i], "truth_profile": e["truth_profile"],
                                   "mdi_profile": e["mdi_profile"]} for f, e in found.items()}
                        for i, seed in enumerate(configuration["seeds"])}
            configuration_id = configuration.get("name", "").split("/", 1)[1] if "/" in configuration.get(
                "name", "") else ""
            rows += [{**r, "configuration": configuration_id} for r in _spectrum_rows(per_seed)]
        return Table(rows, SPECTRUM_COLUMNS)

    def coefficients(self, sets=None) -> Table:
        """Walsh coefficients of each seed's learned function, one row per
        configuration, seed, 0/1 field and set of inputs (COEFFICIENT_COLUMNS):
        `sets` lists sets of input names (default: every set of degree 2 or
        less); the function is the probability of 1 (a regression head's own
        value), in 0/1 coding (see spectrum.coefficients for the +-1 coding).

        Examples:
            >>> ct.load_sweep("gotu-x0x1").coefficients([(), ("x0",), ("x1",), ("x0", "x1")]).to_pandas()
        """
        from causal_tui.sweeps.results import COEFFICIENT_COLUMNS, coefficient_rows

        return Table(coefficient_rows(self.out_dir, self.name, sets), COEFFICIENT_COLUMNS)

    def to_pandas(self):
        """The tidy table as a DataFrame.

        Examples:
            >>> ct.load_sweep("A1_C1").to_pandas().query("held_out").groupby(["field", "seed"]).correct.mean()
        """
        return self.tidy().to_pandas()

    def __repr__(self) -> str:
        card = self.scorecard.raw
        return f"Sweep({self.name}: {len(card['seeds'])} seeds, {len(card['held_out'])} held-out states)"


SPECTRUM_COLUMNS = ("configuration", "seed", "field", "degree", "model", "truth", "mdi")
"""The spectrum tables' columns: the Walsh mass at `degree` of the model's
probability of 1, of the truth and of the min-degree interpolator."""


def _spectrum_rows(per_seed: dict) -> list[dict]:
    rows = []
    for seed, found in per_seed.items():
        for f, e in found.items():
            for degree, mass in enumerate(e["profile"]):
                rows.append({"configuration": "", "seed": seed, "field": f, "degree": degree, "model": mass,
                             "truth": e["truth_profile"][degree],
                             "mdi": None if e["mdi_profile"] is None else e["mdi_profile"][degree]})
    return rows


# -- systems ----------------------------------------------------------------------
def load_system(name_or_path: str | Path = "seed") -> System:
    """A bundled system by name (`seed`, `chain`, `parity8`) or a TOML file.

    Examples:
        >>> ct.load_system("chain").fields
    ('s1', 's2', 's3', 's4', 's5', 'ones')
    """
    return catalog.load(name_or_path)


def _system(system: System | str | Path) -> System:
    if isinstance(system, System):
        return system
    if not isinstance(system, (str, Path)):
        raise UserError(f"system must be a System, a bundled name or a file, got {system!r}")
    return load_system(system)


def _holdout_text(holdout) -> str | None:
    """What the user gave for the held-out states, as the settings take it (text)."""
    if holdout is None or isinstance(holdout, str):
        return holdout
    try:
        states = [tuple(int(b) for b in s) for s in holdout]
    except (TypeError, ValueError):
        raise UserError(f"holdout must be text such as 'A=1&C=1' or a list of states, got {holdout!r}") from None
    return ";".join(",".join(map(str, s)) for s in states)


def _signature(function, action: str, first: tuple[str, ...], own: dict, drop: tuple[str, ...] = ()):
    """Give `function(*first, **settings)` the signature and argument docs of the
    declared settings of `action` (same names, defaults and help as the flags)."""
    import inspect as pyinspect

    from causal_tui.settings import declared

    written = pyinspect.signature(function).parameters
    params = [written[name] for name in first]
    lines = []
    for setting in declared.of(action):
        if setting.name in first or setting.name in drop:
            continue
        default = setting.default_for(action)
        params.append(pyinspect.Parameter(setting.name, pyinspect.Parameter.KEYWORD_ONLY, default=default,
                                          annotation=setting.kind.__name__))
        lines.append(f"    {setting.name}: {setting.help_text(action)}")
    for name, (default, help_text) in own.items():
        params.append(pyinspect.Parameter(name, pyinspect.Parameter.KEYWORD_ONLY, default=default))
        lines.append(f"    {name}: {help_text}")
    function.__signature__ = pyinspect.Signature(params)
    function.__doc__ = (function.__doc__ or "").rstrip() + "\n\nArguments:\n" + "\n".join(lines) + "\n"
    return function


def _split(settings: dict, own: tuple[str, ...]) -> tuple[dict, dict]:
    """The declared settings given, and the function's own arguments."""
    return ({k: v for k, v in settings.items() if k not in own}, {k: settings[k] for k in own if k in settings})


# -- training ----------------------------------------------------------------------
def train(system: System | str = "seed", holdout=None, **settings) -> Run:
    """Train one model, as `causal-tui train` does: dataset_dir/ is generated
    (or regenerated where the system, holdout, seed or sizes differ), the model
    saved as out_dir/tiny-gpt2-causal/final/ and recorded as a run.

    `holdout`: an omit list '1,0,1,0,1;0,0,0,0,0', 'random-K' (drawn with
    `holdout_seed`), a condition 'A=1&C=1', or states as tuples. Every other
    argument is the flag of the same name (`causal-tui train --help`).

    Examples:
        >>> run = ct.train("seed", holdout="1,0,1,0,1", seed=3, until_perfect=True)
        >>> run.report.exact(held_out=True)
    (1, 1)
    """
    from causal_tui.training import pipeline
    from causal_tui.training.request import TrainRequest

    given, own = _split(settings, ("progress",))
    values = {**given, "holdout": _holdout_text(holdout)}
    system = _system(system)
    call = _call("train", system=system.name, holdout=holdout, **given)
    with _calling(call):
        request = TrainRequest.from_settings(values, action="train", source="api", system=system)
        with _stopping() as stop, _StepBar(own.get("progress", True), "training") as bar:
            result = pipeline.train(request, on_event=bar.event, should_stop=stop.is_set)
            bar.finish(result.steps)
    if result.stopped:
        raise KeyboardInterrupt(f"stopped at step {result.steps}: a checkpoint is kept in {request.out_dir}/; "
                                "call again with resume=True to go on")
    return load_run(result.run_id, out_dir=request.out_dir)


_signature(train, "train", ("system", "holdout"), {"progress": (True, "a progress bar (in a terminal and in Jupyter)")})


def sweep(system: System | str | None = None, holdout=None, **settings) -> Sweep:
    """Train seeds 0..seeds-1 on one holdout (every configuration of `grid`
    for each) and score them, as `causal-tui sweep` does; resumable. An
    `experiment` file gives the values the arguments given here do not.
    Every other argument is the flag of the same name (`causal-tui sweep --help`).

    `grid`: {'arch': ['gpt2', 'lstm']} or 'arch=gpt2,lstm n_layer=1,4'.

    Examples:
        >>> sweep = ct.sweep("seed", holdout="A=1&C=1", seeds=10, jobs=2, until_perfect=True)
        >>> sweep.scorecard.fields.to_pandas()[["field", "accuracy", "low", "high"]]
    """
    from causal_tui.settings import declared
    from causal_tui.sweeps import runner
    from causal_tui.sweeps.grid import parse_axes
    from causal_tui.sweeps.request import SCALARS, SweepRequest, merge, read_file

    given, own = _split(settings, ("experiment", "out_dir", "progress"))
    unknown = [k for k in given if k not in {s.name for s in declared.of("sweep")}]
    if unknown:
        from causal_tui.settings.check import not_applicable

        raise UserError(not_applicable(unknown[0], "sweep") if unknown[0] in declared.BY_NAME
                        else f"unknown argument {unknown[0]!r} of ct.sweep")
    values = {k: v for k, v in given.items() if k in SCALARS and v is not None}
    holdout_text = _holdout_text(holdout)
    if holdout_text is not None:
        values["holdout"] = holdout_text
    training = {k: v for k, v in given.items() if k not in SCALARS and k != "grid" and v is not None}
    if training:
        values["training"] = training
    if given.get("grid") is not None:
        values["grid"] = parse_axes(given["grid"]) if isinstance(given["grid"], str) else given["grid"]
    if isinstance(system, System):
        values["system"] = {k: system.summary()[k] for k in ("name", "description", "inputs", "equations", "sums")}
    elif system is not None:
        values["system"] = str(system)
    experiment = own.get("experiment")
    if experiment is not None:
        values, _ = merge(read_file(experiment), values)
        found = SweepRequest.from_values(values, str(experiment), Path(experiment).parent)
    else:
        found = SweepRequest.from_values(values)
    out_dir = Path(own.get("out_dir", model_folder.DEFAULT_OUT))
    call = _call("sweep", system=found.system.name, holdout=holdout, **given,
                 experiment=str(experiment) if experiment else None, out_dir=str(out_dir))
    total = found.seeds * len(found.configurations())
    with _calling(call), _stopping() as stop, _SeedBar(own.get("progress", True), total) as bar:
        try:
            runner.run_sweep(found, out_dir, on_seed_done=bar.seed_done, should_stop=stop.is_set,
                             on_notice=bar.notice)
        except runner.Interrupted as e:
            raise KeyboardInterrupt(f"stopped: {e.done} of {e.total} seeds done, kept in {e.folder}/; "
                                    "call again to go on") from None
        except runner.SeedsFailed as e:
            raise UserError(str(e)) from None
    return load_sweep(found.name, out_dir=out_dir)


_signature(sweep, "sweep", ("system", "holdout"), {
    "experiment": (None, "an experiment file; the arguments given here replace its values"),
    "progress": (True, "a progress bar over the seeds")})


# -- reading -------------------------------------------------------------------------
def load_run(run: str | Path, out_dir: str | Path = model_folder.DEFAULT_OUT, recompute: bool = False) -> Run:
    """A run by id (out_dir/runs/<id>/), or any model folder, without
    training; its probe is the one recorded with the model unless `recompute`.

    Examples:
        >>> ct.load_run("20261201-195642-1").probe.to_pandas().head()
    """
    from causal_tui.sweeps.results import model_rows, probe_of

    if not isinstance(run, (str, Path)) or not isinstance(out_dir, (str, Path)):
        raise UserError(f"load_run takes a run id or a model folder, and out_dir a folder; got {run!r}")
    out_dir = Path(out_dir)
    path = Path(run)
    if (path / model_folder.MANIFEST).exists():
        folder = path
    else:
        folder = runs.model_of(out_dir, str(run))
    report, manifest = probe_of(folder, recompute)
    run_id = manifest.get("run_id") or (str(run) if not (path / model_folder.MANIFEST).exists() else None)
    record = None
    if run_id and (runs.runs_dir(out_dir) / run_id).is_dir():
        record = runs.read(out_dir, run_id)
    return Run(run_id, folder, manifest, record, report, Table(model_rows(folder, recompute), tidy.COLUMNS), out_dir)


def load_sweep(name: str, out_dir: str | Path = model_folder.DEFAULT_OUT) -> Sweep:
    """A sweep under out_dir/sweeps/ by name, as it was saved (no training).

    Examples:
        >>> ct.load_sweep("A1_C1").scorecard.fields.to_pandas()
    """
    from causal_tui.sweeps.layout import sweep_dir
    from causal_tui.sweeps.results import check_name, scorecard

    check_name(name)
    if not isinstance(out_dir, (str, Path)):
        raise UserError(f"out_dir must be a folder, got {out_dir!r}")
    out_dir = Path(out_dir)
    return Sweep(name, sweep_dir(out_dir, name), Scorecard(scorecard(out_dir, name)), out_dir)


def inspect(run: Run | str | Path | None = None, state: str | None = None, **settings) -> dict:
    """What `causal-tui inspect [STATE] --format json` prints, as a dict: do()
    on the model's own answers, its input-output graph and, with a state, the
    attention, logit lens and causal tracing there (every field and input);
    with iia=True, where it holds each intermediate variable. `run`: a Run,
    a run id or a model folder (the current model without one). Every other
    argument is the flag of the same name (`causal-tui inspect --help`).

    Examples:
        >>> report = ct.inspect(run, state="0,1,0,1,1")
        >>> report["intervention_summary"]["newB"]["newD"]["held_out"]
    """
    from causal_tui.interpret.inspect import run_inspect
    from causal_tui.interpret.request import InspectRequest

    values = dict(settings)
    if isinstance(run, Run):
        values["model"] = str(run.folder)
    elif run is not None:
        if not isinstance(run, (str, Path)):
            raise UserError(f"run must be a Run, a run id or a model folder, got {run!r}")
        values["model"] = str(run)
    values["state"] = state
    report, _, _, _ = run_inspect(InspectRequest.from_settings(values, every_field=True))
    return report


_signature(inspect, "inspect", ("run", "state"), {})


# -- what every function shares ------------------------------------------------------
def _call(function: str, **arguments) -> str:
    """How the call is written in the records' provenance: ct.train(holdout='1,0,1,0,1', seed=3)."""
    shown = ", ".join(f"{k}={v!r}" for k, v in arguments.items() if v is not None and v is not False)
    return f"ct.{function}({shown})"


@contextlib.contextmanager
def _calling(call: str) -> Iterator[None]:
    token = provenance.set_call(call)
    try:
        yield
    finally:
        provenance.reset_call(token)


@contextlib.contextmanager
def _stopping() -> Iterator[threading.Event]:
    """Ctrl+C stops at the next step (in the main thread, as the commands do);
    elsewhere a flag nobody sets."""
    if threading.current_thread() is threading.main_thread():
        from causal_tui.training.interrupt import stop_on_ctrl_c

        with stop_on_ctrl_c() as stop:
            yield stop
    else:
        yield threading.Event()


class _StepBar:
    """A tqdm bar over training steps (tqdm.auto: a widget in Jupyter, text in a terminal)."""

    def __init__(self, show: bool, what: str):
        self.show, self.what, self.bar = show, what, None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()

    def finish(self, step: int) -> None:
        """The training ended at `step`: the bar ends there (not at the planned last step)."""
        if self.bar is not None:
            self.bar.total = step
            self.bar.update(step - self.bar.n)

    def event(self, event) -> None:
        from causal_tui.training.progress import Notice, Progress

        if isinstance(event, Notice):
            from tqdm.auto import tqdm

            tqdm.write(event.text)
            return
        if not self.show or not isinstance(event, Progress):
            return
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=event.total_steps, desc=self.what, unit="step")
        self.bar.total = event.total_steps
        self.bar.update(event.step - self.bar.n)
        if event.loss is not None:
            self.bar.set_postfix(loss=f"{event.loss:.4f}", refresh=False)


class _SeedBar:
    """A tqdm bar over a sweep's seeds."""

    def __init__(self, show: bool, total: int):
        self.show, self.total, self.bar = show, total, None

    def __enter__(self):
        if self.show:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=self.total, desc="seeds", unit="seed")
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()

    def seed_done(self, done: int, total: int, probe) -> None:
        if self.bar is not None:
            if total != self.bar.total:  # seeds kept beside the ones asked for
                self.bar.total = total
                self.bar.refresh()
            self.bar.update(done - self.bar.n)

    def notice(self, line: str) -> None:
        """What the sweep decided on its own (precision, seeds kept or added, the scorecard rewritten):
        one line on stderr, as the command line prints it (silent with progress=False)."""
        if self.show:
            from tqdm.auto import tqdm

            tqdm.write(line, file=sys.stderr)
