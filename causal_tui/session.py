"""What the dashboard knows: the dataset on disk, the user's pending choices,
the current model, training progress. Plain Python, no Textual.

Screens read it on a timer and redraw when `version` has moved, so a burst
of training events costs one redraw, not one per event."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from . import data, model_store
from .errors import UserError
from .probe import ProbeReport
from .progress import Evaluated, Event, Progress, Status
from .rules import SEED, State, System
from .training import TrainingConfig

LOG_LINES = 500


@dataclass
class Session:
    dataset_dir: Path = data.DEFAULT_DIR
    out_dir: Path = model_store.DEFAULT_OUT
    dataset: data.Dataset | None = None
    dataset_error: str | None = None
    selection: set[State] = field(default_factory=set)
    """States the user wants held out at the next regeneration."""
    chosen_system: System | None = None
    """The system chosen for the next regeneration (--system, the editor);
    None: dataset/'s, or the seed's where there is none."""
    seed: int = data.DEFAULT_SEED
    sizes: dict[str, int] = field(default_factory=lambda: dict(data.DEFAULT_SIZES))
    config: TrainingConfig = field(default_factory=TrainingConfig)
    manifest: dict | None = None
    """The current model's manifest (None: no model yet)."""
    report: ProbeReport | None = None
    inspect_state: State | None = None
    """The state the Inspect screen looks at: the Probe cursor's."""
    inspect_field: str | None = None
    inspect_flip: str | None = None
    inspection: dict | None = None
    """The last inspect report (interpret/report.py) for the current model."""
    inspecting: bool = False
    inspect_error: str | None = None
    sweep_card: dict | None = None
    sweep_grid: dict | None = None
    """A grid sweep's top-level scorecard, while its view is shown (sweep_card: one configuration's)."""
    sweep_index: int = 0
    """The newest sweep scorecard, when the Probe shows the sweep view."""
    probing: bool = False
    training: bool = False
    stop_requested: bool = False
    phase: str = ""
    last_run: str = ""
    """How the last training run in this session ended, in one line."""
    progress: Progress | None = None
    losses: list[tuple[int, float]] = field(default_factory=list)
    evals: list[tuple[int, float]] = field(default_factory=list)
    logs: deque = field(default_factory=lambda: deque(maxlen=LOG_LINES))
    logged: int = 0
    """Lines ever logged; a panel shows those past the count it has seen."""
    version: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def changed(self) -> None:
        self.version += 1

    @property
    def system(self) -> System:
        """The system of the next regeneration: the chosen one, else dataset/'s."""
        if self.chosen_system is not None:
            return self.chosen_system
        return self.dataset.system if self.dataset is not None else SEED

    @property
    def model_system(self) -> System | None:
        """The current model's system (from its manifest), None without a model."""
        if self.report is not None:
            return self.report.system
        return model_store.system_of(self.manifest) if self.manifest is not None else None

    @property
    def system_of_inspection(self) -> System:
        """The system the Inspect screen speaks: the model's."""
        return self.model_system or self.system

    def choose_system(self, system: System) -> str | None:
        """Make `system` the one of the next regeneration; the refusal, if refused.
        Held-out choices are cleared when the system changes (they are states of the old one)."""
        if self.training:
            return "training is running: change the system after it ends"
        if system != self.system:
            self.selection = set()
        self.chosen_system = system
        self.changed()
        return None

    # -- dataset ---------------------------------------------------------
    def load_dataset(self) -> None:
        """Read dataset/ from disk; a broken one is reported, not fatal."""
        self.dataset, self.dataset_error = None, None
        try:
            if data.exists(self.dataset_dir):
                self.dataset = data.load(self.dataset_dir)
                if self.chosen_system == self.dataset.system:
                    self.chosen_system = None  # written: nothing pending any more
                if self.chosen_system is None:
                    self.selection = set(self.dataset.omitted)
                if self.dataset.seed is not None:
                    self.seed = self.dataset.seed
                self.sizes = self.dataset.sizes
        except UserError as e:
            self.dataset_error = str(e)
        self.changed()

    @property
    def selection_differs(self) -> bool:
        """The pending choices differ from the files on disk."""
        if self.dataset is None:
            return True
        return (set(self.dataset.omitted) != self.selection or self.dataset.sizes != self.sizes
                or (self.dataset.seed is not None and self.dataset.seed != self.seed)
                or self.dataset.system != self.system)

    @property
    def model_omitted(self) -> set[State] | None:
        if self.manifest is None:
            return None
        return set(model_store.held_out_states(self.manifest))

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

    # -- model -----------------------------------------------------------
    def load_manifest(self) -> None:
        try:
            self.manifest = model_store.read_manifest(model_store.final_dir(self.out_dir))
        except UserError:
            self.manifest = None
        self.changed()

    def load_latest_sweep(self) -> str | None:
        """Load the newest out/sweeps/*/scorecard.json; the reason, if none."""
        import json

        cards = sorted((self.out_dir / "sweeps").glob("*/scorecard.json"), key=lambda p: p.stat().st_mtime)
        if not cards:
            return "no sweep yet: run causal-tui --sweep --seeds 10 --holdout 'A=1&C=1'"
        try:
            card = json.loads(cards[-1].read_text())
        except (OSError, ValueError) as e:
            return f"{cards[-1]} is unreadable: {e}"
        self.sweep_grid = card if "configurations" in card else None
        self.sweep_index = 0
        self.sweep_card = card["configurations"][0]["scorecard"] if self.sweep_grid else card
        self.changed()
        return None

    def next_configuration(self) -> str | None:
        """In a grid sweep's view: the next configuration's scorecard; the reason, if none."""
        if self.sweep_grid is None:
            return "this sweep has one configuration (a grid sweep has more: --sweep --grid ...)"
        configurations = self.sweep_grid["configurations"]
        self.sweep_index = (self.sweep_index + 1) % len(configurations)
        self.sweep_card = configurations[self.sweep_index]["scorecard"]
        self.changed()
        return None

    @property
    def sweep_configuration(self) -> str | None:
        """The label of the grid configuration shown, None outside a grid."""
        if self.sweep_grid is None:
            return None
        return self.sweep_grid["configurations"][self.sweep_index]["label"]

    # -- training --------------------------------------------------------
    def begin_training(self) -> None:
        self.training, self.stop_requested = True, False
        self.progress, self.losses, self.evals, self.phase = None, [], [], "starting"
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
        self.changed()

    def log(self, line: str) -> None:
        with self._lock:
            self.logs.append(line)
            self.logged += 1
        self.changed()

    def new_log_lines(self, seen: int) -> tuple[list[str], int]:
        """Lines logged after `seen` (as many as are still kept), and the new count."""
        with self._lock:
            missing = min(self.logged - seen, len(self.logs))
            return list(self.logs)[len(self.logs) - missing:], self.logged
