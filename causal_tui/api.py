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
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from causal_tui.data import dataset as data
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
                lo, hi = cell.get("interval95") or cell["wilson95"]
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

    def to_pandas(self):
        """The tidy table as a DataFrame.

        Examples:
            >>> ct.load_sweep("A1_C1").to_pandas().query("held_out").groupby(["field", "seed"]).correct.mean()
        """
        return self.tidy().to_pandas()

    def __repr__(self) -> str:
        card = self.scorecard.raw
        return f"Sweep({self.name}: {len(card['seeds'])} seeds, {len(card['held_out'])} held-out states)"


# -- systems ----------------------------------------------------------------------
def load_system(name_or_path: str | Path = "seed") -> System:
    """A bundled system by name (`seed`, `chain`, `parity8`) or a TOML file.

    Examples:
        >>> ct.load_system("chain").fields
    ('s1', 's2', 's3', 's4', 's5', 'ones')
    """
    return catalog.load(name_or_path)


def _system(system: System | str | Path) -> System:
    return system if isinstance(system, System) else load_system(system)


def _holdout(holdout, system: System, holdout_seed: int) -> HeldOut:
    if holdout is None:
        return HeldOut()
    if isinstance(holdout, str):
        return HeldOut.parse(holdout, system, seed=holdout_seed)
    return HeldOut(holdout)


# -- training ----------------------------------------------------------------------
def train(system: System | str = "seed", holdout: str | Iterable | None = None, *, seed: int = data.DEFAULT_SEED,
          holdout_seed: int = 0, until_perfect: bool = False, arch: str | None = None, epochs: float | None = None,
          lr: float | None = None, batch_size: int | None = None, n_embd: int | None = None,
          n_layer: int | None = None, n_head: int | None = None, precision: str | None = None,
          max_steps: int | None = None, report_to: str | None = None, train_size: int | None = None,
          valid_size: int | None = None, test_size: int | None = None, resume: bool = False,
          out_dir: str | Path = model_folder.DEFAULT_OUT, dataset_dir: str | Path = data.DEFAULT_DIR,
          progress: bool = True) -> Run:
    """Train one model, as `causal-tui train` does: dataset_dir/ is generated
    (or regenerated where the system, holdout, seed or sizes differ), the model
    saved as out_dir/tiny-gpt2-causal/final/ and recorded as a run.

    `holdout`: an omit list '1,0,1,0,1;0,0,0,0,0', 'random-K' (drawn with
    `holdout_seed`), a condition 'A=1&C=1', or states as tuples. Training
    values left None are the original experiment's (see `causal-tui train --help`).

    Examples:
        >>> run = ct.train("seed", holdout="1,0,1,0,1", seed=3, until_perfect=True)
        >>> run.report.exact(held_out=True)
    (1, 1)
    """
    from causal_tui.store import locks
    from causal_tui.training import run as training
    from causal_tui.training.config import TrainingConfig

    system = _system(system)
    flags = dict(arch=arch, epochs=epochs, lr=lr, batch_size=batch_size, n_embd=n_embd, n_layer=n_layer,
                 n_head=n_head, precision=precision, max_steps=max_steps, report_to=report_to,
                 until_perfect=until_perfect or None)
    config = TrainingConfig.from_flags(flags, seed=seed)
    sizes = {k: v or data.DEFAULT_SIZES[k] for k, v in (("train", train_size), ("valid", valid_size),
                                                          ("test", test_size))}
    held = _holdout(holdout, system, holdout_seed)  # checked before anything is written
    out_dir, dataset_dir = Path(out_dir), Path(dataset_dir)
    call = _call("train", system=system.name, holdout=holdout, seed=seed, until_perfect=until_perfect,
                 **{k: v for k, v in flags.items() if v is not None and k != "until_perfect"},
                 train_size=train_size, valid_size=valid_size, test_size=test_size,
                 out_dir=str(out_dir), dataset_dir=str(dataset_dir))
    with _calling(call):
        model_folder.prepare_run_dir(out_dir)
        with locks.for_training(dataset_dir, out_dir):
            dataset, _ = data.ensure(dataset_dir, lambda s: held, seed, sizes, system)
            with _stopping() as stop, _StepBar(progress, "training") as bar:
                result = training.train(dataset, config, out_dir, report=bar.event, should_stop=stop.is_set,
                                        resume=resume, record_as="api")
    if result.stopped:
        raise KeyboardInterrupt(f"stopped at step {result.steps}: a checkpoint is kept in {out_dir}/; "
                                "call again with resume=True to go on")
    return load_run(result.run_id, out_dir=out_dir)


def sweep(system: System | str | None = None, holdout: str | Iterable | None = None, *, seeds: int | None = None,
          jobs: int | None = None, name: str | None = None, grid: str | dict | None = None,
          backend: str | None = None, address: str | None = None, vary: str | None = None,
          holdout_seed: int | None = None, until_perfect: bool = False,
          arch: str | None = None, epochs: float | None = None, lr: float | None = None,
          batch_size: int | None = None, n_embd: int | None = None, n_layer: int | None = None,
          n_head: int | None = None, precision: str | None = None, max_steps: int | None = None,
          train_size: int | None = None, valid_size: int | None = None, test_size: int | None = None,
          experiment: str | Path | None = None, out_dir: str | Path = model_folder.DEFAULT_OUT,
          progress: bool = True) -> Sweep:
    """Train seeds 0..seeds-1 on one holdout (every configuration of `grid`
    for each) and score them, as `causal-tui sweep` does; resumable. An
    `experiment` file gives the values the arguments given here do not.
    Defaults: the seed's system, 10 seeds, 1 job, the local backend, vary both.

    `grid`: {'arch': ['gpt2', 'lstm']} or 'arch=gpt2,lstm n_layer=1,4'.
    `vary`: what differs between seeds: 'both' (dataset and initialisation),
    'data' or 'init'.

    Examples:
        >>> sweep = ct.sweep("seed", holdout="A=1&C=1", seeds=10, jobs=2, until_perfect=True)
        >>> sweep.scorecard.fields.to_pandas()[["field", "accuracy", "low", "high"]]
    """
    from causal_tui.sweeps import run as sweeps
    from causal_tui.sweeps.experiment import Experiment, merge, read_file
    from causal_tui.sweeps.grid import parse_axes

    training = dict(arch=arch, epochs=epochs, lr=lr, batch_size=batch_size, n_embd=n_embd, n_layer=n_layer,
                    n_head=n_head, precision=precision, max_steps=max_steps, until_perfect=until_perfect or None,
                    train_size=train_size, valid_size=valid_size, test_size=test_size)
    given = {"holdout": holdout if isinstance(holdout, str) or holdout is None else
             HeldOut(holdout).text(), "holdout_seed": holdout_seed, "name": name, "jobs": jobs,
             "backend": backend, "address": address, "vary": vary, "seeds": seeds,
             "training": {k: v for k, v in training.items() if v is not None}}
    if grid is not None:
        given["grid"] = parse_axes(grid) if isinstance(grid, str) else grid
    if isinstance(system, System):
        given["system"] = {k: system.summary()[k] for k in ("name", "description", "inputs", "equations", "sums")}
    elif system is not None:
        given["system"] = str(system)
    values = {k: v for k, v in given.items() if v is not None and v != {}}
    if experiment is not None:
        values, _ = merge(read_file(experiment), values)
        found = Experiment.from_values(values, str(experiment), Path(experiment).parent)
    else:
        found = Experiment.from_values(values)
    out_dir = Path(out_dir)
    call = _call("sweep", system=found.system.name, holdout=holdout, seeds=seeds, jobs=jobs, name=found.name,
                 grid=grid, vary=vary, until_perfect=until_perfect,
                 **{k: v for k, v in training.items() if v is not None and k != "until_perfect"},
                 experiment=str(experiment) if experiment else None, out_dir=str(out_dir))
    total = found.seeds * len(found.cells())
    with _calling(call), _stopping() as stop, _SeedBar(progress, total) as bar:
        try:
            sweeps.run_experiment(found, out_dir, report=bar.report, should_stop=stop.is_set)
        except sweeps.Interrupted as e:
            raise KeyboardInterrupt(f"stopped: {e.done} of {e.total} seeds done, kept in {e.folder}/; "
                                    "call again to go on") from None
        except sweeps.SeedsFailed as e:
            raise UserError(str(e)) from None
    return load_sweep(found.name, out_dir=out_dir)


# -- reading -------------------------------------------------------------------------
def load_run(run: str | Path, out_dir: str | Path = model_folder.DEFAULT_OUT, recompute: bool = False) -> Run:
    """A run by id (out_dir/runs/<id>/), or any model folder, without
    training; its probe is the one recorded with the model unless `recompute`.

    Examples:
        >>> ct.load_run("20261201-195642-1").probe.to_pandas().head()
    """
    from causal_tui.sweeps.results import model_rows, probe_of

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
    from causal_tui.sweeps.results import scorecard

    out_dir = Path(out_dir)
    return Sweep(name, sweep_dir(out_dir, name), Scorecard(scorecard(out_dir, name)), out_dir)


def inspect(run: Run | str | Path, state: str | None = None, field: str | None = None, flip: str | None = None,
            out_dir: str | Path = model_folder.DEFAULT_OUT) -> dict:
    """What `causal-tui inspect [STATE] --format json` prints, as a dict: do()
    on the model's own answers, its input-output graph and, with a state, the
    attention, logit lens and causal tracing there (every field and input).

    Examples:
        >>> report = ct.inspect(run, state="0,1,0,1,1")
        >>> report["intervention_summary"]["newB"]["newD"]["held_out"]
    """
    from causal_tui.interpret.inspect import inspect as inspect_model
    from causal_tui.learners import loading

    folder = run.folder if isinstance(run, Run) else load_run(run, out_dir).folder
    loaded = loading.load(folder)
    system = loaded.system
    parsed = None
    if state is not None:
        try:
            parsed = system.parse_state(state)
        except ValueError as e:
            raise UserError(f"inspect {state}: {e}") from None
    if field is not None and field not in system.fields:
        raise UserError(f"--field {field}: the model's system has fields {', '.join(system.fields)}")
    if flip is not None and flip not in system.inputs:
        raise UserError(f"--flip {flip}: the model's system has inputs {', '.join(system.inputs)}")
    report = inspect_model(loaded.model, loaded.tokenizer, system, loaded.held_out, parsed,
                           [field] if field else None, [flip] if flip else None)
    report["model"] = str(folder)
    return report


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

    def event(self, event) -> None:
        from causal_tui.training.progress import Progress

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

    def report(self, done: int, total: int, probe) -> None:
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
