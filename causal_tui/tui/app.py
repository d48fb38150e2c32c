"""The Textual app: screens, key bindings, and the workers that call the engine."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.worker import Worker, WorkerState, get_current_worker

from causal_tui.data import dataset as data
from causal_tui.errors import UserError
from causal_tui.store import logs
from causal_tui.tui.messages import (
    DatasetWritten,
    InspectDone,
    InterchangeDone,
    Note,
    ProbeDone,
    RunMadeCurrent,
    TrainingEvent,
    TrainingFinished,
)
from causal_tui.tui.offload import Closed, HelperProcess, InProcess
from causal_tui.tui.screens.dataset import DatasetScreen
from causal_tui.tui.screens.inspect import InspectScreen
from causal_tui.tui.screens.probe import ProbeScreen
from causal_tui.tui.screens.runs import RunsScreen
from causal_tui.tui.screens.train import TrainScreen
from causal_tui.tui.session import Session

QUIT_GRACE_S = 30.0
"""How long ctrl+q waits for training to stop at its next step before leaving anyway."""


class CausalApp(App):
    """Hold states out, train, and see which states and fields the model gets right."""

    TITLE = "causal-tui"
    CSS_PATH = "app.tcss"
    MODES = {"dataset": DatasetScreen, "train": TrainScreen, "probe": ProbeScreen, "inspect": InspectScreen,
             "runs": RunsScreen}
    DEFAULT_MODE = "probe"
    BINDINGS = [
        Binding("d", "show('dataset')", "Dataset", id="dataset"),
        Binding("t", "show('train')", "Train", id="train"),
        Binding("p", "show('probe')", "Probe", id="probe"),
        Binding("i", "show('inspect')", "Inspect", id="inspect"),
        Binding("h", "show('runs')", "Runs", id="runs"),
        Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
    ]

    def __init__(self, session: Session | None = None, probe_on_start: bool = True, omit=None, offload=None):
        super().__init__()
        self.session = session or Session()
        self.offload = offload or InProcess()
        """Where the saved model is loaded and probed: a helper process when run
        from the command line (see offload.py), this process in tests."""
        self.probe_on_start = probe_on_start
        self.initial_omit = omit
        """States to hold out, from --omit/--holdout: the starting selection instead of dataset/'s."""
        self._quitting = False

    def on_mount(self) -> None:
        self._log_sink = logs.add_listener(self.session.log)
        # Read the files after the first frame is on screen, not before.
        self.call_after_refresh(self._load)

    def _load(self) -> None:
        self.session.start(self.initial_omit)
        if self.session.data.error:
            self.notify(self.session.data.error, title="dataset/ is broken", severity="error", timeout=10)
        if self.session.model.manifest is not None and self.probe_on_start:
            self.probe_model()

    def on_unmount(self) -> None:
        logs.remove_listener(self._log_sink)

    def get_system_commands(self, screen):
        yield from super().get_system_commands(screen)
        yield SystemCommand("Dataset screen", "Choose held-out states and regenerate", lambda: self.switch_mode("dataset"))
        yield SystemCommand("Train screen", "Hyperparameters, loss chart, logs", lambda: self.switch_mode("train"))
        yield SystemCommand("Probe screen", "Every state, every field", lambda: self.switch_mode("probe"))
        yield SystemCommand("Regenerate dataset", "Write dataset/ with the current selection", self.action_regenerate)
        yield SystemCommand("Start training", "Train on dataset/ with the Train screen's settings", self.action_start_training)
        yield SystemCommand("Stop training", "Stop at the next step; the previous model stays", self.action_stop_training)
        yield SystemCommand("Re-probe", "Evaluate the saved model on every state", self.action_reprobe)
        yield SystemCommand("Runs screen", "The run history: make one current, compare two, delete",
                            lambda: self.switch_mode("runs"))
        yield SystemCommand("Export figure", "Draw the current model's probe to out/figures/ (PNG and SVG)",
                            self.action_export_figure)
        yield SystemCommand("Inspect", "do() on the model's own answers, its graph, attention, logit lens, tracing",
                            lambda: self.switch_mode("inspect"))

    # -- actions the screens bind keys to ---------------------------------
    async def action_show(self, mode: str) -> None:
        """Switch screens and wait until the new one is mounted and focused: keys
        pressed meanwhile wait in the app's queue and then act on the new screen,
        never on a half-built one."""
        await self.switch_mode(mode)

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """The palette's Screenshot: an SVG under out/screenshots/ (Textual's
        default, a downloads folder, does not exist on many servers)."""
        from textual.app import generate_datetime_filename

        from causal_tui.store import atomic

        folder = Path(path) if path else self.session.out_dir / "screenshots"
        target = folder / (filename or generate_datetime_filename(self.title, ".svg", time_format))
        try:
            folder.mkdir(parents=True, exist_ok=True)
            atomic.write_text(target, self.export_screenshot())
        except OSError as e:
            self._error(f"cannot save the screenshot in {folder}/: {e.strerror or e}", "screenshot failed")
            return None
        self.notify(f"saved {target}", title="Screenshot")
        return None

    def action_sweep_view(self) -> None:
        """The newest sweep's scorecard, on a screen of its own (w or escape goes back)."""
        from causal_tui.tui.screens.sweep import SweepScreen

        s = self.session
        problem = s.sweep.load_latest(s.out_dir)
        if problem:
            self.notify(problem, severity="warning")
            return
        self.push_screen(SweepScreen())

    def action_regenerate(self) -> None:
        if self.session.training.running:
            self.notify("training is running: stop it (x) before regenerating", severity="warning")
            return
        self.regenerate()

    def action_start_training(self, regenerate_first: bool = False) -> None:
        training = self.session.training
        if training.running:
            self.notify("training is already running", severity="warning")
            return
        try:
            training.config.validate()
        except UserError as e:
            self.notify(str(e), title="cannot train", severity="error")
            return
        training.begin()
        self.train(regenerate_first or self.session.data.dataset is None)

    def action_retrain(self) -> None:
        """Regenerate with the current selection if it differs, then train."""
        self.action_start_training(regenerate_first=self.session.data.differs)

    def action_stop_training(self) -> None:
        if not self.session.training.running:
            self.notify("no training is running", severity="warning")
            return
        self.session.training.request_stop()

    def action_inspect(self) -> None:
        """(Re)compute the inspect report for the state, field and flip chosen."""
        s = self.session
        if s.model.manifest is None:
            s.inspect.refuse("no model yet: train one first (t, then s)")
            return
        self.inspect_model(*s.inspect.begin(s.system_of_inspection))

    def action_iia(self) -> None:
        """Compute the current model's interchange report, once per model."""
        s = self.session
        if s.model.manifest is None:
            s.inspect.iia_done(None, "no model yet: train one first (t, then s)")
            return
        if s.inspect.begin_iia():
            self.iia_model()

    def use_run(self, run_id: str) -> None:
        """Make a run's model the current one (refused while training), then probe it."""
        if self.session.training.running:
            self.notify("training is running: change the current model after it ends", severity="warning")
            return
        self.make_current(run_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="runs")
    def make_current(self, run_id: str) -> None:
        from causal_tui.store import runs

        try:
            from causal_tui.learners import loading

            runs.use(self.session.out_dir, run_id, check=loading.load_cached)
        except UserError as e:
            self.post_message(Note(str(e), "cannot make it current", error=True))
            return
        self.post_message(RunMadeCurrent(run_id))

    def on_run_made_current(self, message: RunMadeCurrent) -> None:
        self.notify(f"run {message.run_id} is the current model")
        self.session.model_replaced()
        self.probe_model()
        if hasattr(self.screen, "reload"):
            self.screen.reload()

    def on_note(self, message: Note) -> None:
        if message.error:
            self._error(message.text, message.title)
        else:
            self.notify(message.text, title=message.title)

    def action_export_figure(self) -> None:
        if self.session.model.report is None:
            self.notify("no probe to draw yet: train a model, or wait for the probe", severity="warning")
            return
        self.export_figure(self.session.model.report)

    @work(thread=True, exclusive=True, exit_on_error=False, group="figure")
    def export_figure(self, report) -> None:
        import time

        from causal_tui.report import figures

        folder = self.session.out_dir / "figures"
        stem = f"probe-{time.strftime('%Y%m%d-%H%M%S')}"
        try:
            model = figures.about(self.session.model.manifest)
            paths = [figures.probe_figure(report, folder / f"{stem}.{fmt}", model=model) for fmt in ("png", "svg")]
        except UserError as e:
            self.post_message(Note(str(e), "figure failed", error=True))
            return
        self.post_message(Note("saved " + " and ".join(str(p) for p in paths), "Figure"))

    def action_reprobe(self) -> None:
        if self.session.model.manifest is None:
            self.notify("no model yet: train one on the Train screen (t, then s)", severity="warning")
            return
        self.probe_model()

    async def action_quit(self) -> None:
        """Quit at once; a running training is asked to stop first, so no thread
        outlives the app and no half-written file is left."""
        if not self.session.training.running:
            # A probe still importing torch in the helper is simply dropped.
            self.offload.close()
            self.exit()
            return
        self._quitting = True
        self.session.training.request_stop()
        self.notify("stopping training, then quitting…")
        self.set_timer(QUIT_GRACE_S, self.exit)

    # -- workers ------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="dataset")
    def regenerate(self) -> None:
        try:
            self.session.data.regenerate()
        except UserError as e:
            self.post_message(DatasetWritten(str(e)))
            return
        self.post_message(DatasetWritten())

    @work(thread=True, exclusive=True, exit_on_error=False, group="train")
    def train(self, regenerate_first: bool) -> None:
        from causal_tui.training import pipeline
        from causal_tui.training.progress import DatasetReady

        worker = get_current_worker()
        s = self.session
        result, error = None, None

        def on_event(event) -> None:
            if isinstance(event, DatasetReady) and event.generated_because:
                self.post_message(DatasetWritten())
            # DatasetReady too: the course the training may record is of its dataset.
            self.post_message(TrainingEvent(event))

        try:
            result = pipeline.train(s.train_request(regenerate=regenerate_first), on_event=on_event,
                                    should_stop=lambda: worker.is_cancelled or s.training.stop_requested)
        except UserError as e:
            error = str(e)
        except Exception as e:  # shown as a notification; the traceback goes to the log
            from loguru import logger

            logger.exception("training failed")
            error = f"{type(e).__name__}: {e}"
        finally:
            self.post_message(TrainingFinished(result, error))

    @work(thread=True, exclusive=True, exit_on_error=False, group="probe")
    def probe_model(self) -> None:
        from causal_tui.evaluation import probe

        self.session.model.begin_probe()
        try:
            report, manifest = self.offload.call(probe.probe_saved, self.session.model.folder)
        except UserError as e:
            self.post_message(ProbeDone(None, None, str(e)))
            return
        except Closed:
            return  # quitting
        self.post_message(ProbeDone(report, manifest))

    @work(thread=True, exclusive=True, exit_on_error=False, group="inspect")
    def inspect_model(self, state: str, field: str, flip: str | None) -> None:
        from causal_tui.interpret.inspect import inspect_saved

        self._offloaded(InspectDone, inspect_saved, self.session.model.folder, state, field, flip)

    @work(thread=True, exclusive=True, exit_on_error=False, group="iia")
    def iia_model(self) -> None:
        import tempfile

        from causal_tui.interpret.inspect import iia_saved

        # The helper process writes its progress line there; the Inspect screen reads it while busy.
        with tempfile.TemporaryDirectory(prefix="causal-tui-iia-") as tmp:
            self.session.inspect.iia_progress_file = str(Path(tmp) / "progress")
            try:
                self._offloaded(InterchangeDone, iia_saved, self.session.model.folder,
                                self.session.inspect.iia_progress_file)
            finally:
                self.session.inspect.iia_progress_file = None

    def _offloaded(self, done, function, *args) -> None:
        """Run `function` in the helper process and post `done(report)`, or
        `done(None, error)` on bad input; nothing when the app is quitting."""
        try:
            report = self.offload.call(function, *args)
        except UserError as e:
            self.post_message(done(None, str(e)))
            return
        except Closed:
            return  # quitting
        self.post_message(done(report))

    # -- messages from the workers ------------------------------------------
    def on_interchange_done(self, message: InterchangeDone) -> None:
        self.session.inspect.iia_done(message.report, message.error)
        if message.error:
            self._error(message.error, "interchange failed")

    def on_inspect_done(self, message: InspectDone) -> None:
        self.session.inspect.done(message.report, message.error)
        if message.error:
            self._error(message.error, "inspect failed")

    def on_training_event(self, message: TrainingEvent) -> None:
        from causal_tui.training.progress import Notice

        self.session.training.record(message.event)
        if isinstance(message.event, Notice):
            self.notify(message.event.text, severity="warning", timeout=12)

    def on_training_finished(self, message: TrainingFinished) -> None:
        told = self.session.training_finished(message.result, message.error)
        if message.error:
            self._error(message.error, "training failed")
        elif told:
            self.notify(told, timeout=8)
        if self._quitting:
            self.exit()

    def on_dataset_written(self, message: DatasetWritten) -> None:
        if message.error:
            self._error(message.error, "regeneration failed")
            return
        self.session.data.load()
        self.notify(f"dataset written: {data.summary(self.session.data.dataset)}")

    def on_probe_done(self, message: ProbeDone) -> None:
        self.session.probe_done(message.report, message.manifest, message.error)
        if message.error:
            self._error(message.error, "probe failed")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Anything a worker did not catch: say so, keep the app alive."""
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            from loguru import logger

            logger.opt(exception=error).error(f"worker {event.worker.name} failed")
            self.session.worker_failed(event.worker.group)
            self._error(f"{type(error).__name__}: {error}", f"{event.worker.name} failed")

    def _error(self, text: str, title: str) -> None:
        path = logs.log_file()
        where = f"\ndetails in {path}" if path else ""
        self.notify(f"{text}{where}", title=title, severity="error", timeout=12)


def run(request, model=None) -> int:
    """Start the dashboard (logging must be set up with console=False first)
    with the training the command line described (TrainRequest); `model`: a
    model folder to show instead of the current one (it is only read)."""
    session = Session.from_request(request, model=model)
    helper = HelperProcess()
    helper.start()
    try:
        CausalApp(session, offload=helper).run()
    finally:
        helper.close()
    return 0
