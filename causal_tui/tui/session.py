"""What the dashboard knows, in five parts named for what they hold: the
dataset and the choices for the next regeneration, the current model, the
inspect view, the sweep view, the training under way; and the log lines.
Plain Python, no Textual.

Every change goes through a method of a part (or of the Session, where it
touches two parts), which moves `Session.version`; screens read it on a
timer and redraw when it has moved, so a burst of training events costs one
redraw, not one per event."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path
from typing import Callable

from causal_tui.data import dataset as data
from causal_tui.errors import UserError
from causal_tui.evaluation.probe import ProbeReport
from causal_tui.science.scorecard import configuration_cards, is_grid
from causal_tui.store import model_folder
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import State, System
from causal_tui.training.config import TrainingConfig
from causal_tui.training.request import TrainRequest
from causal_tui.training.progress import DatasetReady, Evaluated, Event, Notice, Probed, Progress, Status

LOG_LINES = 500


def _nothing() -> None:
    pass


@dataclass
class DatasetChoice:
    """dataset/ as it is on disk, and what the next regeneration will write."""

    folder: Path = data.DEFAULT_DIR
    dataset: data.Dataset | None = None
    error: str | None = None
    """Why dataset/ could not be read (it is broken), if it could not."""
    selection: set[State] = dc_field(default_factory=set)
    """States the user wants held out at the next regeneration."""
    chosen_system: System | None = None
    """The system chosen for the next regeneration (--system, the editor);
    None: dataset/'s, or the seed's where there is none."""
    seed: int = data.DEFAULT_SEED
    sizes: dict[str, int] = dc_field(default_factory=lambda: dict(data.DEFAULT_SIZES))
    changed: Callable[[], None] = dc_field(default=_nothing, repr=False)

    @property
    def system(self) -> System:
        """The system of the next regeneration: the chosen one, else dataset/'s."""
        if self.chosen_system is not None:
            return self.chosen_system
        return self.dataset.system if self.dataset is not None else SEED

    @property
    def held_out(self) -> HeldOut:
        """The selection, as the held-out states of the next regeneration."""
        return HeldOut(self.selection, self.system)

    def load(self) -> None:
        """Read dataset/ from disk; a broken one is reported, not fatal."""
        self.dataset, self.error = None, None
        try:
            if data.exists(self.folder):
                self.dataset = data.load(self.folder)
                if self.chosen_system == self.dataset.system:
                    self.chosen_system = None  # written: nothing pending any more
                if self.chosen_system is None:
                    self.selection = set(self.dataset.omitted)
                if self.dataset.seed is not None:
                    self.seed = self.dataset.seed
                self.sizes = self.dataset.sizes
        except UserError as e:
            self.error = str(e)
        self.changed()

    @property
    def differs(self) -> bool:
        """The pending choices differ from the files on disk."""
        if self.dataset is None:
            return True
        return (set(self.dataset.omitted) != self.selection or self.dataset.sizes != self.sizes
                or (self.dataset.seed is not None and self.dataset.seed != self.seed)
                or self.dataset.system != self.system)

    def toggle(self, state: State) -> str | None:
        """Toggle a state's omission; the refusal message, if refused."""
        if state in self.selection:
            self.selection.discard(state)
        elif len(self.selection) + 1 >= len(self.system.all_states):
            return "at least one state must stay in training"
        else:
            self.selection.add(state)
        self.changed()
        return None

    def hold_out(self, states) -> None:
        """Replace the selection (the dashboard's --holdout)."""
        self.selection = set(states)
        self.changed()

    def clear(self) -> None:
        self.selection.clear()
        self.changed()

    def set_seed(self, seed: int) -> None:
        if self.seed != seed:
            self.seed = seed
            self.changed()

    def set_size(self, split: str, n: int) -> None:
        if self.sizes[split] != n:
            self.sizes = {**self.sizes, split: n}
            self.changed()

    def choose(self, system: System) -> None:
        """Make `system` the one of the next regeneration. The held-out choices
        are cleared when the system changes (they are states of the old one)."""
        if system != self.system:
            self.selection = set()
        self.chosen_system = system
        self.changed()

    def regenerate(self) -> data.Dataset:
        """Write dataset/ with the pending choices (from a worker thread), under its lock."""
        data.check_sizes(self.sizes)
        return data.regenerate(self.folder, self.held_out, seed=self.seed, sizes=self.sizes)


@dataclass
class CurrentModel:
    """The model in out/tiny-gpt2-causal/final/: its manifest and its probe."""

    out_dir: Path = model_folder.DEFAULT_OUT
    chosen: Path | None = None
    """A model folder shown instead of final/ (--model DIR|RUN_ID), until a training or `use` replaces it."""
    manifest: dict | None = None
    """The current model's manifest (None: no model yet)."""
    report: ProbeReport | None = None
    probing: bool = False
    changed: Callable[[], None] = dc_field(default=_nothing, repr=False)

    @property
    def folder(self) -> Path:
        """The model the dashboard shows: --model's, else the current one (final/)."""
        return self.chosen or model_folder.final_dir(self.out_dir)

    @property
    def system(self) -> System | None:
        """The current model's system (from its manifest), None without a model."""
        if self.report is not None:
            return self.report.system
        return model_folder.system_of(self.manifest) if self.manifest is not None else None

    @property
    def held_out(self) -> HeldOut | None:
        return None if self.manifest is None else model_folder.held_out_states(self.manifest)

    def min_degree(self) -> dict:
        """{field: the MDI over the model's trained states} (or why not), computed once per probe."""
        from causal_tui.science import guessers

        report = self.report
        key = id(report)
        if getattr(self, "_mdi_key", None) != key:
            self._mdi_key = key
            self._mdi = guessers.min_degrees(report.system, report.held_out) if report is not None else {}
        return self._mdi

    def course(self) -> "Course | None":
        """The course the current model's run recorded with --probe-every (None: no run, or none recorded)."""
        from causal_tui.store import runs

        manifest = self.manifest or {}
        run_id = manifest.get("run_id")
        if not run_id or self.held_out is None:
            return None
        try:
            records = runs.course_in(runs.run_folder(self.out_dir, run_id))
        except UserError:
            return None
        return Course(model_folder.system_of(manifest), self.held_out, f"run {run_id}", records) if records else None

    def spectrum(self) -> dict:
        """The learned function's spectrum (science/spectrum.py) from the current probe."""
        from causal_tui.science import spectrum

        report = self.report
        probabilities = {s: e["probabilities"] for s, e in report.record()["states"].items()}
        return spectrum.of_model(report.system, report.held_out, report.predictions(), probabilities,
                                 self.min_degree())

    def load_manifest(self) -> None:
        try:
            self.manifest = model_folder.read_manifest(self.folder)
        except UserError:
            self.manifest = None
        self.changed()

    def begin_probe(self) -> None:
        self.probing = True
        self.changed()


@dataclass
class InspectView:
    """What the Inspect screen looks at and the last report for it."""

    state: State | None = None
    """The state the Inspect screen looks at: the Probe cursor's."""
    field: str | None = None
    flip: str | None = None
    report: dict | None = None
    """The last inspect report (interpret/inspect.py) for the current model."""
    busy: bool = False
    error: str | None = None
    iia: dict | None = None
    """The interchange report (interpret/inspect.iia) of the current model: it
    does not depend on the state, so it is computed once per model, on asking."""
    iia_busy: bool = False
    iia_progress_file: str | None = None
    """Where the helper process writes its progress line while it computes the interchange."""
    iia_error: str | None = None
    changed: Callable[[], None] = dc_field(default=_nothing, repr=False)

    def iia_progress(self) -> str | None:
        """The interchange's latest progress line, while it runs."""
        path = self.iia_progress_file
        if not (self.iia_busy and path):
            return None
        try:
            return Path(path).read_text()[:200] or None
        except OSError:
            return None

    def forget(self) -> None:
        """Another model: what was inspected of the old one is stale."""
        self.report, self.iia, self.iia_error = None, None, None

    def begin_iia(self) -> bool:
        """Start the interchange report unless one is there or under way."""
        if self.iia is not None or self.iia_busy:
            return False
        self.iia_busy, self.iia_error = True, None
        self.changed()
        return True

    def iia_done(self, report: dict | None, error: str | None) -> None:
        self.iia_busy = False
        self.iia, self.iia_error = (None, error) if error else (report, None)
        self.changed()

    def begin(self, system: System) -> tuple[str, str, str | None]:
        """Start a report for the chosen state, field and flip (defaults where
        they do not fit `system`); what to ask the inspector for."""
        if self.state is None or len(self.state) != len(system.inputs):
            self.state = system.all_states[0]
        if self.field not in system.fields:
            self.field = None  # the inspector picks one where a flip changes the answer (default_field_at)
        self.busy, self.error = True, None
        self.changed()
        return system.format_state(self.state), self.field, self.flip

    def refuse(self, why: str) -> None:
        self.report, self.error = None, why
        self.changed()

    def done(self, report: dict | None, error: str | None) -> None:
        self.busy = False
        if error:
            self.error = error
        else:
            self.report = report
            self.field, self.flip = report["field"], report["flip"]
        self.changed()

    def stale_for(self, system: System) -> bool:
        """Whether the report shown is not of the state chosen (or there is none)."""
        return (self.report is None or self.state is None
                or self.report.get("state") != system.format_state(self.state))


@dataclass
class SweepView:
    """The newest sweep's scorecard, while the Probe screen shows it (w)."""

    card: dict | None = None
    """The scorecard shown: the sweep's, or one configuration's of a grid."""
    grid: dict | None = None
    """A grid sweep's top-level scorecard, while its view is shown."""
    index: int = 0
    changed: Callable[[], None] = dc_field(default=_nothing, repr=False)

    def load_latest(self, out_dir: Path) -> str | None:
        """Load the newest out/sweeps/*/scorecard.json; the reason, if none."""
        from causal_tui.sweeps.results import latest_scorecard

        card, why = latest_scorecard(out_dir)
        if card is None:
            return why
        self.grid = card if is_grid(card) else None
        self.index = 0
        self.card = configuration_cards(card)[0]
        self.changed()
        return None

    def close(self) -> None:
        self.card, self.grid = None, None
        self.changed()

    def next_configuration(self) -> str | None:
        """In a grid sweep's view: the next configuration's scorecard; the reason, if none."""
        if self.grid is None:
            return "this sweep has one configuration (a grid sweep has more: causal-tui sweep --grid ...)"
        cards = configuration_cards(self.grid)
        self.index = (self.index + 1) % len(cards)
        self.card = cards[self.index]
        self.changed()
        return None

    @property
    def configuration(self) -> str | None:
        """The label of the grid configuration shown, None outside a grid."""
        if self.grid is None:
            return None
        return self.grid["configurations"][self.index]["label"]


@dataclass
class TrainingState:
    """The Train screen's settings and the training under way (or the last one)."""

    config: TrainingConfig = dc_field(default_factory=TrainingConfig)
    running: bool = False
    stop_requested: bool = False
    phase: str = ""
    last_run: str = ""
    """How the last training run in this session ended, in one line."""
    progress: Progress | None = None
    losses: list[tuple[int, float]] = dc_field(default_factory=list)
    evals: list[tuple[int, float]] = dc_field(default_factory=list)
    notices: list[str] = dc_field(default_factory=list)
    """What the training said the user should read (the app shows each once)."""
    course: "Course | None" = None
    """The course the Train screen replays: this training's (--probe-every), or a saved run's."""
    changed: Callable[[], None] = dc_field(default=_nothing, repr=False)

    def begin(self) -> None:
        self.running, self.stop_requested = True, False
        self.progress, self.losses, self.evals, self.phase = None, [], [], "starting"
        self.course = None
        self.changed()

    def request_stop(self) -> None:
        self.stop_requested = True
        self.phase = "stopping at the next step"
        self.changed()

    def record(self, event: Event) -> None:
        if isinstance(event, Progress):
            self.progress = event
            if event.loss is not None:
                self.losses.append((event.step, event.loss))
        elif isinstance(event, Evaluated):
            self.evals.append((event.step, event.eval_loss))
        elif isinstance(event, Status):
            self.phase = event.text
        elif isinstance(event, Notice):
            self.notices.append(event.text)
        elif isinstance(event, DatasetReady):
            self.course = Course(event.dataset.system, event.dataset.omitted, "this training")
        elif isinstance(event, Probed) and self.course is not None:
            self.course.add(event.record)
        self.changed()

    def show_course(self, course: "Course | None") -> None:
        """Replay a saved run's course, None: there is none (nothing changes while a training records its own)."""
        if not self.running:
            self.course = course
            self.changed()


@dataclass
class Course:
    """A training's --probe-every records as frames to replay on the Train
    screen's grid (science/course.py), and the frame shown: None follows the
    newest, as a training records them."""

    system: System
    held_out: HeldOut
    source: str
    """Whose course: 'this training' or 'run <id>'."""
    records: list[dict] = dc_field(default_factory=list)
    frames: list = dc_field(default_factory=list)
    shown: int | None = None

    def __post_init__(self) -> None:
        from causal_tui.science import course

        self.frames = course.frames(self.records, self.system, self.held_out)

    def add(self, record: dict) -> None:
        from causal_tui.science import course

        self.records.append(record)
        self.frames.extend(course.frames([record], self.system, self.held_out))

    @property
    def why_not(self) -> str | None:
        from causal_tui.science import course

        return course.why_not(self.records, self.system)

    @property
    def index(self) -> int | None:
        """The frame shown (None: there is none)."""
        if not self.frames:
            return None
        return len(self.frames) - 1 if self.shown is None else min(self.shown, len(self.frames) - 1)

    def step_by(self, delta: int) -> None:
        """Show the frame `delta` away (the newest again follows the training)."""
        if self.frames:
            target = max(0, min(len(self.frames) - 1, self.index + delta))
            self.shown = None if target == len(self.frames) - 1 else target

    def go_to(self, index: int | None) -> None:
        self.shown = index


class LogLines:
    """The last LOG_LINES log lines, written from any thread."""

    def __init__(self, changed: Callable[[], None] = _nothing):
        self.lines: deque = deque(maxlen=LOG_LINES)
        self.logged = 0
        """Lines ever logged; a panel shows those past the count it has seen."""
        self._lock = threading.Lock()
        self.changed = changed

    def add(self, line: str) -> None:
        with self._lock:
            self.lines.append(line)
            self.logged += 1
        self.changed()

    def since(self, seen: int) -> tuple[list[str], int]:
        """Lines logged after `seen` (as many as are still kept), and the new count."""
        with self._lock:
            missing = min(self.logged - seen, len(self.lines))
            return list(self.lines)[len(self.lines) - missing:], self.logged


class Session:
    """Everything the dashboard knows, in its parts, and the changes that
    touch more than one of them."""

    def __init__(self, dataset_dir: Path = data.DEFAULT_DIR, out_dir: Path = model_folder.DEFAULT_OUT,
                 config: TrainingConfig | None = None, chosen_system: System | None = None, model: Path | None = None):
        self.version = 0
        self.data = DatasetChoice(folder=Path(dataset_dir), chosen_system=chosen_system, changed=self.changed)
        self.model = CurrentModel(out_dir=Path(out_dir), chosen=Path(model) if model else None, changed=self.changed)
        self.inspect = InspectView(changed=self.changed)
        self.sweep = SweepView(changed=self.changed)
        self.training = TrainingState(config=config or TrainingConfig(), changed=self.changed)
        self.logs = LogLines(self.changed)
        self.asked: TrainRequest | None = None
        """What the command line gave (from_request): applied over dataset/'s choices at start."""

    @classmethod
    def from_request(cls, request: TrainRequest, model: Path | None = None) -> "Session":
        """The session the command line's flags describe: the Train screen's
        settings, and what the user gave for the Dataset screen (the rest is
        read from dataset/ at start)."""
        session = cls(dataset_dir=request.dataset_dir, out_dir=request.out_dir, config=request.config,
                      chosen_system=request.system if "system" in request.given else None, model=model)
        session.asked = request
        return session

    def train_request(self, regenerate: bool) -> TrainRequest:
        """The training the dashboard's settings describe: on dataset/ as it is,
        or (`regenerate`) on the Dataset screen's choices, written first where they differ."""
        return TrainRequest(held_out=self.data.held_out, config=self.training.config, sizes=self.data.sizes,
                            dataset_dir=self.data.folder, out_dir=self.out_dir, regenerate=regenerate,
                            dataset_seed=self.data.seed, source="dashboard")

    def changed(self) -> None:
        self.version += 1

    @property
    def out_dir(self) -> Path:
        return self.model.out_dir

    def log(self, line: str) -> None:
        self.logs.add(line)

    # -- what more than one part decides -------------------------------------
    def start(self, holdout: HeldOut | None = None) -> None:
        """At launch: read dataset/ and the current model's manifest; what the
        command line gave (--holdout, --seed, the sizes) replaces dataset/'s as
        the starting choices."""
        self.data.load()
        asked = self.asked
        if asked is not None:
            if "held_out" in asked.given:
                holdout = asked.held_out
            if "seed" in asked.given:
                self.data.set_seed(asked.seed)
            if "sizes" in asked.given:
                for split, n in asked.sizes.items():
                    self.data.set_size(split, n)
        if holdout is not None:
            self.data.hold_out(holdout)
        self.model.load_manifest()

    @property
    def system_of_inspection(self) -> System:
        """The system the Inspect screen speaks: the model's, else the next regeneration's."""
        return self.model.system or self.data.system

    def choose_system(self, system: System) -> str | None:
        """Make `system` the one of the next regeneration; the refusal, if refused."""
        if self.training.running:
            return "training is running: change the system after it ends"
        self.data.choose(system)
        return None

    def probe_done(self, report: ProbeReport | None, manifest: dict | None, error: str | None) -> None:
        self.model.probing = False
        if not error:
            if manifest != self.model.manifest:
                self.inspect.forget()
            self.model.report, self.model.manifest = report, manifest
        self.changed()

    def model_replaced(self) -> None:
        """Another model became current (a run was made current): forget the old one's views."""
        self.model.chosen = None
        self.model.load_manifest()
        self.model.report = None
        self.inspect.forget()
        if not self.training.running:
            self.training.course = None  # this session's training's course is not the new current model's
        self.changed()

    def training_finished(self, result, error: str | None) -> str | None:
        """The training thread ended: record how; what to tell the user (None
        for a failure, which the caller reports with the error)."""
        t = self.training
        t.running, t.phase = False, ""
        told = None
        if error:
            t.last_run = "failed: see the log below"
        elif result is not None and result.stopped:
            t.last_run = told = f"stopped at step {result.steps}; the previous model is unchanged"
        elif result is not None:
            self.model.report = result.report
            self.inspect.forget()
            self.model.chosen = None  # the new model in final/ is the one to show
            self.model.load_manifest()
            perfect = (f"; every trained state exact at step {result.perfect[0]} ({result.perfect[1]:.1f} s)"
                       if result.perfect else "")
            t.last_run = f"{result.steps} steps in {result.seconds:.1f} s{perfect}"
            told = f"trained in {result.seconds:.0f} s{perfect}: {result.report.summary_line()}"
        self.changed()
        return told

    def worker_failed(self, group: str) -> None:
        """A worker died without saying so: nothing of its group is under way any more."""
        if group == "probe":
            self.model.probing = False
        if group == "inspect":
            self.inspect.busy = False
        if group == "iia":
            self.inspect.iia_busy = False
        self.changed()
