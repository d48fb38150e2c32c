"""The dashboard driven by keys through Textual's pilot."""

import shutil
import threading
import time

from conftest import UNTIL_EXACT, snapshot_files
from pilot_helpers import press_at_once, screen_lines, settled, text_of, wait_for

from causal_tui.data import dataset as data
from causal_tui.store import model_folder
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut
from causal_tui.training.config import TrainingConfig
from causal_tui.tui.app import CausalApp
from causal_tui.tui.messages import TrainingFinished
from causal_tui.tui.session import Session
from causal_tui.tui.widgets.state_grid import StateGrid

TINY = TrainingConfig(epochs=1, lr=3e-3, batch_size=32, n_embd=32, n_layer=1, n_head=2, logging_steps=5)
TINY_SIZES = {"train": 640, "valid": 32, "test": 16}


def make_app(workdir, config=TINY, with_model=None, sizes=TINY_SIZES, omit=()) -> CausalApp:
    ds = data.generate(HeldOut(omit, SEED), seed=1, sizes=sizes)
    data.write(ds, workdir / "dataset")
    if with_model is not None:
        shutil.copytree(with_model, model_folder.final_dir(workdir / "out"))
    session = Session(dataset_dir=workdir / "dataset", out_dir=workdir / "out", config=config)
    return CausalApp(session)


def training_threads():
    return [t for t in threading.enumerate() if "asyncio" not in t.name and t.is_alive() and t.name != "MainThread"
            and t is not threading.current_thread()]


async def test_toggle_and_regenerate_from_the_dataset_screen(workdir):
    app = make_app(workdir)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("d")
        grid = app.screen.query_one(StateGrid)
        assert grid.current_state == (0, 0, 0, 0, 0)
        await pilot.press("space", "right", "down", "space")  # 0,0,0,0,0 and 0,0,1,0,1
        assert app.session.data.selection == {(0, 0, 0, 0, 0), (0, 0, 1, 0, 1)}
        assert "differ from the files on disk" in str(app.screen.query_one("#dataset-warnings").render())
        await pilot.press("g")
        await wait_for(pilot, lambda: app.session.data.dataset.omitted == ((0, 0, 0, 0, 0), (0, 0, 1, 0, 1)))
    text = (workdir / "dataset" / "train.jsonl").read_text()
    assert '"0,0,0,0,0"' not in text and '"0,0,1,0,1"' not in text
    assert len(text.splitlines()) == TINY_SIZES["train"]


async def test_refuses_to_hold_out_every_state(workdir):
    app = make_app(workdir)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("d")
        app.session.data.selection = set(SEED.all_states[1:])
        grid = app.screen.query_one(StateGrid)
        grid.move_to(SEED.all_states[0])
        await pilot.press("space")
        assert SEED.all_states[0] not in app.session.data.selection
        assert any("at least one state" in n.message for n in app._notifications)


async def test_train_through_the_ui_fills_the_probe_grid(workdir):
    config = TrainingConfig(**UNTIL_EXACT)  # a fixed step count is exact on one CPU and not on the next
    app = make_app(workdir, config=config, sizes={"train": 12_000, "valid": 100, "test": 16},
                   omit=((1, 0, 1, 0, 1),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t", "s")
        await wait_for(pilot, lambda: app.session.training.running)
        await wait_for(pilot, lambda: len(app.session.training.losses) >= 2, timeout=180)
        chart_points = len(app.session.training.losses)
        await wait_for(pilot, lambda: not app.session.training.running, timeout=300)
        assert len(app.session.training.losses) > chart_points  # the chart kept receiving points
        await settled(pilot)
        stats = str(app.screen.query_one("#train-stats").render())
        assert "last run:" in stats and "steps in" in stats, stats
        assert not app.screen.query_one("#eta").display  # no stale ETA after the run
        await pilot.press("p")
        await settled(pilot)
        report = app.session.model.report
        assert report is not None and report.exact(held_out=False) == (31, 31)
        assert report.held_out == ((1, 0, 1, 0, 1),)
        summary = str(app.screen.query_one("#probe-summary").render())
        assert "trained exact 31/31" in summary
        cell = app.screen.query_one(StateGrid).render_cell((1, 1, 0, 0, 1))
        assert [s.style for s in cell.spans][-7:-1]  # per-field markers are coloured
    assert (model_folder.final_dir(workdir / "out") / model_folder.MANIFEST).exists()


async def test_stop_midway_keeps_the_model(workdir, trained):
    app = make_app(workdir, with_model=trained.final, sizes={"train": 40_000, "valid": 32, "test": 16})
    final = model_folder.final_dir(workdir / "out")
    before = snapshot_files(final)
    finished = []
    async with app.run_test(size=(100, 30), message_hook=lambda m: isinstance(m, TrainingFinished) and finished.append(m)) as pilot:
        await pilot.press("t", "s")
        await wait_for(pilot, lambda: app.session.training.progress is not None and app.session.training.progress.step >= 5)
        await pilot.press("s")  # a second start is refused
        assert any("already running" in n.message for n in app._notifications)
        await pilot.press("d", "g")  # and so is regenerating
        assert any("stop it" in n.message for n in app._notifications)
        await pilot.press("t", "x")
        await wait_for(pilot, lambda: bool(finished))
        assert finished[0].result.stopped
        assert not app.session.training.running
        await settled(pilot)
        assert "previous model is unchanged" in str(app.screen.query_one("#train-stats").render())
    assert snapshot_files(final) == before


async def test_quit_midway_leaves_no_thread_and_the_model_intact(workdir, trained):
    app = make_app(workdir, with_model=trained.final, sizes={"train": 40_000, "valid": 32, "test": 16})
    final = model_folder.final_dir(workdir / "out")
    before = snapshot_files(final)
    threads_before = set(threading.enumerate())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t", "s")
        await wait_for(pilot, lambda: app.session.training.progress is not None and app.session.training.progress.step >= 5)
        started = time.monotonic()
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running, timeout=30)
    assert time.monotonic() - started < 10
    leftover = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()
                and not t.name.startswith(("asyncio", "ThreadPoolExecutor"))]
    assert leftover == []
    assert snapshot_files(final) == before
    assert not list((workdir / "out" / "tiny-gpt2-causal").glob(".final*"))


async def test_a_failing_worker_is_an_error_notification_and_the_app_goes_on(workdir, monkeypatch):
    from causal_tui.training import trainer as training

    def boom(*args, **kwargs):
        raise RuntimeError("simulated failure")

    from causal_tui.store import logs

    monkeypatch.setattr(training, "train", boom)
    logs.setup(console=False, folder=workdir / "logs")
    app = make_app(workdir)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t", "s")
        await wait_for(pilot, lambda: not app.session.training.running and app._notifications)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "simulated failure" in errors[0].message
        assert f"details in {(workdir / 'logs' / 'causal-tui.log').resolve()}" in errors[0].message
        assert "simulated failure" in "".join(p.read_text() for p in (workdir / "logs").glob("*.log"))
        await settled(pilot)
        assert "last run: failed" in str(app.screen.query_one("#train-stats").render())
        await pilot.press("d")  # still responsive
        assert app.screen.__class__.__name__ == "DatasetScreen"


async def test_a_broken_dataset_is_reported_not_fatal(workdir):
    app = make_app(workdir)
    (workdir / "dataset" / "valid.jsonl").write_text("{oops\n")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: any("valid.jsonl:1" in n.message for n in app._notifications))
        await pilot.press("d")
        await settled(pilot)
        assert "valid.jsonl:1" in str(app.screen.query_one("#dataset-warnings").render())


async def test_probe_without_a_model_says_how_to_train(workdir):
    app = make_app(workdir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.data.dataset is not None)
        await settled(pilot)
        assert "no model yet: press s" in str(app.screen.query_one("#probe-summary").render())


async def test_dataset_screen_marks_unseen_labels(workdir):
    app = make_app(workdir)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("d", "space")  # hold out 0,0,0,0,0: the only state with sum1 = 0
        await settled(pilot)
        warnings = str(app.screen.query_one("#dataset-warnings").render())
        assert "unseen label" in warnings and "0,0,0,0,0: sum1" in warnings
        assert "*" in app.screen.render_cell((0, 0, 0, 0, 0)).plain


async def test_probe_sweep_view_shades_by_fraction_of_seeds(workdir):
    import json

    from causal_tui.science import scorecard

    held = HeldOut([(0, 0, 0, 0, 0)], SEED)
    right = SEED.truth((0, 0, 0, 0, 0))
    runs = [{"seed": k, "predictions": {"0,0,0,0,0": {**right, "sum1": right["sum1"] + (k % 2)}}} for k in range(4)]
    card = {**scorecard.build(SEED, held, runs), "name": "hand-made"}
    folder = workdir / "out" / "sweeps" / "hand-made"
    folder.mkdir(parents=True)
    (folder / "scorecard.json").write_text(json.dumps(card))
    app = make_app(workdir)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("w")
        await settled(pilot)
        summary = str(app.screen.query_one("#probe-summary").render())
        assert "sweep hand-made: 4 seeds" in summary
        assert "rule on its own answers newD 1.00 sum2 1.00" in summary  # all truthful here
        cell = app.screen.render_cell((0, 0, 0, 0, 0))
        styles = [str(sp.style) for sp in cell.spans if cell.plain[sp.start:sp.end] == "●"]
        assert styles[:4] == ["green"] * 4 and styles[4] == "yellow"  # sum1 right in 2 of 4 seeds
        await pilot.press("w")
        await settled(pilot)
        assert app.session.sweep.card is None


async def test_omit_flag_is_the_starting_selection(workdir):
    ds = data.generate(HeldOut((), SEED), seed=1, sizes=TINY_SIZES)
    data.write(ds, workdir / "dataset")
    app = CausalApp(Session(dataset_dir=workdir / "dataset", out_dir=workdir / "out"), omit=((1, 1, 1, 1, 1),))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.session.data.dataset is not None)
        assert app.session.data.selection == {(1, 1, 1, 1, 1)}
        assert app.session.data.differs


async def test_keys_typed_right_after_switching_screens_act_on_the_new_screen(workdir, monkeypatch):
    import asyncio

    from textual.coordinate import Coordinate

    from causal_tui.tui.screens.dataset import DatasetScreen

    # Building a screen the first time takes a while on a real machine (imports,
    # reading dataset/); make it slow here too, so keys arrive while it is built.
    compose = DatasetScreen._on_compose

    async def slow_compose(self, event):
        await asyncio.sleep(0.3)
        await compose(self, event)

    monkeypatch.setattr(DatasetScreen, "_on_compose", slow_compose)
    app = make_app(workdir)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.session.data.dataset is not None)
        probe_grid = app.screen.query_one(StateGrid)
        # All queued before the Dataset screen exists: it is built lazily on the first d.
        await press_at_once(pilot, "d", "right", "space", "down", "space")
        await wait_for(pilot, lambda: len(app.session.data.selection) == 2)
        assert app.session.data.selection == {(0, 0, 0, 0, 1), (0, 0, 1, 0, 1)}
        screen = app.screen
        assert screen.__class__.__name__ == "DatasetScreen"
        # What the user sees follows the key at once, not at the next redraw tick.
        assert screen.up_to_date
        grid = screen.query_one(StateGrid)
        assert "✗" in grid.get_cell_at(Coordinate(0, 1)).plain  # 0,0,0,0,1
        assert grid.current_state == (0, 0, 1, 0, 1)
        assert probe_grid.current_state == (0, 0, 0, 0, 0)  # nothing leaked to the old screen
        # And back: the Probe screen (already built) takes the keys too.
        await press_at_once(pilot, "p", "right", "right", "space")
        await wait_for(pilot, lambda: (0, 0, 0, 1, 0) in app.session.data.selection)
        assert app.screen.__class__.__name__ == "ProbeScreen" and app.screen.up_to_date


async def test_the_palette_screenshot_is_saved_where_the_user_can_find_it(workdir):
    app = make_app(workdir)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.data.dataset is not None)
        await pilot.press("ctrl+p")
        await pilot.press(*"screenshot")
        await pilot.press("enter")
        folder = workdir / "out" / "screenshots"
        await wait_for(pilot, lambda: folder.is_dir() and list(folder.glob("*.svg")), what="the SVG")
        svg = next(folder.glob("*.svg")).read_text()
        assert svg.startswith("<svg") and "Re-probe" in svg
        await wait_for(pilot, lambda: any("saved" in n.message and str(folder) in n.message
                                          for n in app._notifications))
        assert not any(n.severity == "error" for n in app._notifications)


async def test_long_log_lines_wrap_on_the_train_screen(workdir):
    from textual.widgets import RichLog

    app = make_app(workdir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("t")
        await settled(pilot)
        app.session.log("x" * 300)
        await settled(pilot)
        log = app.screen.query_one(RichLog)
        assert len(log.lines) >= 3  # one 300-character line became several
        assert log.virtual_size.width <= log.scrollable_content_region.width
        assert not log.show_horizontal_scrollbar


async def test_edit_a_system_apply_it_regenerate_and_see_the_new_grid(workdir):
    from textual.widgets import TextArea

    app = make_app(workdir)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("d")
        await settled(pilot)
        assert len(app.screen.query_one(StateGrid).states) == 32
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "SystemEditor")
        await pilot.press("f7", "backspace")  # select all, delete
        await pilot.press(*'inputs = ["P", "Q", "R"]', "enter", *'equations = ["y = P AND', "D", *' Q"]')
        status = app.screen.query_one("#editor-status")
        await wait_for(pilot, lambda: "✗" in str(status.render()))
        assert "line 2, column 21: equation 1 ('y = P ANDD Q'), column 7: unexpected 'ANDD'" in str(status.render())
        await pilot.press("ctrl+s")  # refused while the text has an error
        assert app.screen.__class__.__name__ == "SystemEditor"
        await pilot.press(*["backspace"] * 5, *' Q"]')
        await wait_for(pilot, lambda: "✓" in str(status.render()))
        assert "3 inputs (8 states)" in str(status.render())
        assert app.screen.query_one(TextArea).text.endswith('equations = ["y = P AND Q"]')
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DatasetScreen")
        await settled(pilot)
        assert app.session.data.system.inputs == ("P", "Q", "R")
        assert len(app.screen.query_one(StateGrid).states) == 8
        assert "dataset/ holds system seed" in str(app.screen.query_one("#dataset-system").render())
        await pilot.press("right", "space", "g")
        await wait_for(pilot, lambda: app.session.data.dataset is not None and app.session.data.dataset.system.inputs == ("P", "Q", "R"))
        await settled(pilot)
        assert app.session.data.dataset.omitted == ((0, 0, 1),)
        grid = app.screen.query_one(StateGrid)
        assert grid.row_count == 2 and grid.columns_shown == 4
        assert "system custom" in str(app.screen.query_one("#dataset-system").render())
    ds = data.load(workdir / "dataset")
    assert ds.system.inputs == ("P", "Q", "R") and ds.manifest["system"]["equations"] == ["y = P AND Q"]


async def test_a_bundled_system_is_picked_from_the_list(workdir):
    from textual.widgets import TextArea

    app = make_app(workdir)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d", "e")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "SystemEditor")
        await pilot.press("tab")  # to the list of bundled systems
        options = [app.screen.query_one("#editor-bundled").get_option_at_index(i).id for i in range(3)]
        await pilot.press(*["down"] * options.index("parity8"), "enter")
        await wait_for(pilot, lambda: 'name = "parity8"' in app.screen.query_one(TextArea).text)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DatasetScreen")
        await settled(pilot)
        grid = app.screen.query_one(StateGrid)
        assert len(grid.states) == 256 and grid.columns_shown == 4  # the compact layout fits 80 columns
        assert grid.row_count == 64
        assert app.screen.render_cell((0, 1, 1, 0, 1, 1, 0, 1)).plain.startswith("01101101")


async def test_the_inspect_screen_looks_at_the_state_under_the_probe_cursor(workdir, trained):
    from textual.widgets import TabbedContent

    app = make_app(workdir, with_model=trained.final, omit=((1, 0, 1, 0, 1),))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.model.report is not None)
        await settled(pilot)
        await pilot.press("down", "right")  # 0,0,1,0,1
        await pilot.press("i")
        await wait_for(pilot, lambda: app.session.inspect.report is not None, what="the inspect report")
        await settled(pilot)
        report = app.session.inspect.report
        assert report["state"] == "0,0,1,0,1" and report["field"] == "newD"
        head = str(app.screen.query_one("#inspect-head").render())
        assert "0,0,1,0,1" in head and "field newD" in head
        assert "do() on its own answers" in text_of(app.screen.query_one("#inspect-do"))
        for tab in ("graph", "attention", "lens", "tracing"):
            await pilot.press("right")
            await settled(pilot)
            assert app.screen.query_one(TabbedContent).active == f"tab-{tab}"
        assert "Causal tracing: newD" in text_of(app.screen.query_one("#inspect-tracing"))
        assert app.session.inspect.iia is None  # computed only when its tab opens
        await pilot.press("right")
        await settled(pilot)
        assert app.screen.query_one(TabbedContent).active == "tab-spectrum"
        assert "degree" in text_of(app.screen.query_one("#inspect-spectrum"))
        shown = "\n".join(screen_lines(app))  # at 80x24: no cell cut to an ellipsis
        assert "held out:" in shown and "to MDI" in shown and "…" not in shown, shown
        await pilot.press("right")
        await wait_for(pilot, lambda: app.session.inspect.iia is not None, what="the interchange report")
        await settled(pilot)
        assert app.screen.query_one(TabbedContent).active == "tab-iia"
        text = text_of(app.screen.query_one("#inspect-iia"))
        assert "Interchange: where is newB held? (up to newD)" in text and "best site for newB" in text
        assert app.session.inspect.iia["newB"]["pairs"] == 512
        await pilot.press("left")
        await pilot.press("f")  # the next field
        await wait_for(pilot, lambda: app.session.inspect.report is not None and app.session.inspect.report["field"] == "sum1")
        await settled(pilot)
        assert "Causal tracing: sum1" in text_of(app.screen.query_one("#inspect-tracing"))
        await pilot.press("p", "right", "i")  # another state under the cursor: inspected anew
        await wait_for(pilot, lambda: app.session.inspect.report is not None and app.session.inspect.report["state"] == "0,0,1,1,0")


async def test_the_sweep_view_picks_a_configuration_of_a_grid(workdir):
    import json

    from causal_tui.science import scorecard

    held = HeldOut([(0, 0, 0, 0, 0)], SEED)
    right = SEED.truth((0, 0, 0, 0, 0))
    configurations = []
    for i, label in enumerate(("arch=gpt2", "arch=lstm")):
        runs = [{"seed": k, "predictions": {"0,0,0,0,0": {**right, "sum1": right["sum1"] + i}}} for k in range(2)]
        card = {**scorecard.build(SEED, held, runs), "name": f"g/{label}"}
        configurations.append({"id": label.replace("=", "-"), "label": label, "settings": {}, "scorecard": card})
    top = {"name": "g", "configurations": configurations, "seeds": [0, 1],
           "comparison": scorecard.compare(configurations)}
    folder = workdir / "out" / "sweeps" / "g"
    folder.mkdir(parents=True)
    (folder / "scorecard.json").write_text(json.dumps(top))
    app = make_app(workdir)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("w")
        await settled(pilot)
        assert "[1/2: arch=gpt2]" in str(app.screen.query_one("#probe-summary").render())
        cell = app.screen.render_cell((0, 0, 0, 0, 0))
        assert [str(sp.style) for sp in cell.spans if cell.plain[sp.start:sp.end] == "●"][4] == "green"
        await pilot.press("c")
        await settled(pilot)
        assert "[2/2: arch=lstm]" in str(app.screen.query_one("#probe-summary").render())
        cell = app.screen.render_cell((0, 0, 0, 0, 0))
        assert [str(sp.style) for sp in cell.spans if cell.plain[sp.start:sp.end] == "●"][4] == "red"  # sum1 wrong


async def test_the_runs_screen_makes_current_compares_and_deletes(workdir):
    from textual.widgets import DataTable

    from causal_tui.cli.main import tui_main
    from causal_tui.store import runs

    flags = ["--n-embd", "32", "--n-layer", "1", "--n-head", "2", "--epochs", "1", "--batch-size", "32",
             "--train-size", "640", "--valid-size", "32", "--test-size", "16", "--precision", "fp32"]
    assert tui_main(["--train-only", *flags, "--omit", "1,1,1,1,1", "--seed", "1"]) == 0
    assert tui_main(["--train-only", *flags, "--omit", "0,0,0,0,0", "--seed", "2"]) == 0
    new, old = [r["id"] for r in runs.listing(workdir / "out")]
    session = Session(dataset_dir=workdir / "dataset", out_dir=workdir / "out")
    app = CausalApp(session)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.session.model.report is not None)
        assert app.session.model.report.held_out == ((0, 0, 0, 0, 0),)
        await pilot.press("h")
        await settled(pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 2
        assert "2 runs" in str(app.screen.query_one("#runs-head").render())
        # The older run (second row, newest first) made current: the Probe shows it.
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: app.session.model.report is not None and app.session.model.report.held_out == ((1, 1, 1, 1, 1),),
                       what="the older run's probe")
        assert runs.current_id(workdir / "out") == old
        # Mark both, compare: the summary counts the differing cells.
        await pilot.press("space", "up", "space", "c")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "CompareScreen")
        expected = runs.compare_runs(workdir / "out", old, new)[1]["cells"]
        assert f"{expected} cells differ" in str(app.screen.query_one("#compare-summary").render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "RunsScreen")
        # Delete asks first; n keeps it, y removes it.
        await pilot.press("delete")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "Confirm")
        await settled(pilot)
        # The question wraps inside the 60-column box: all of it shows.
        assert app.screen.query_one("#confirm-question").region.height >= 2
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "RunsScreen")
        assert len(runs.listing(workdir / "out")) == 2
        await pilot.press("delete")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "Confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: len(runs.listing(workdir / "out")) == 1)
        await settled(pilot)
        assert app.screen.query_one(DataTable).row_count == 1
        assert " 1 run, " in str(app.screen.query_one("#runs-head").render())


async def test_the_palette_exports_a_figure(workdir, trained):
    app = make_app(workdir, with_model=trained.final, omit=((1, 0, 1, 0, 1),))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.session.model.report is not None)
        await pilot.press("ctrl+p", *"export figure", "enter")
        folder = workdir / "out" / "figures"
        await wait_for(pilot, lambda: len(list(folder.glob("probe-*"))) == 2, what="PNG and SVG")
        await wait_for(pilot, lambda: any("saved" in n.message and ".png" in n.message for n in app._notifications))
        assert "1,0,1,0,1  held out" in next(folder.glob("*.svg")).read_text()


async def test_at_80x24_the_probe_legend_and_each_equation_show_whole(workdir, trained):
    # What a user reads on a small terminal, clipping included: the legend names every
    # field, the held-out state is marked by a letter too, each equation stays on one line.
    app = make_app(workdir, with_model=trained.final, omit=((1, 0, 1, 0, 1),))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.model.report is not None)
        await settled(pilot)
        probe = screen_lines(app)
        legend = next(line for line in probe if "hold out next" in line)
        assert legend.rstrip().endswith(" ".join(SEED.fields)) and len(legend.rstrip()) <= 80
        assert any("1,0,1,0,1h" in line for line in probe)  # held out of this model: h, beside the colour
        await pilot.press("d")
        await settled(pilot)
        dataset = "\n".join(screen_lines(app))
        for f in SEED.fields:
            assert f"{f} = {SEED.formula(f)}" in dataset, f
        assert "data seed" in dataset
        assert not any("newA = " in line and "sum2 = " in line for line in screen_lines(app))
        await pilot.resize_terminal(170, 30)  # wider: the equations are laid out again, on one line
        await settled(pilot)
        await wait_for(pilot, lambda: any("newA = " in line and "sum2 = " in line for line in screen_lines(app)))
        await pilot.resize_terminal(80, 24)
        await settled(pilot)
        await pilot.press("h")
        await settled(pilot)
        header = next(line for line in screen_lines(app) if line.split()[:1] == ["id"])
        assert header.split()[:5] == ["id", "source", "held", "out", "exact"]  # what tells runs apart, unscrolled


async def test_the_train_screen_replays_the_course_a_training_records(workdir):
    from textual.widgets import Input

    app = make_app(workdir, omit=((1, 0, 1, 0, 1),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t")
        await settled(pilot)
        await pilot.press("c")  # before any training: it says how to record one
        await settled(pilot)
        assert "probe every" in text_of(app.screen.query_one("#course-head"))
        # 'probe every' on the form, typed as a user does; empty again is off.
        box = app.screen.query_one("#cfg-probe_every", Input)
        box.value = "5"
        await settled(pilot)
        assert app.session.training.config.probe_every == 5
        await pilot.press("escape", "s")
        # Not `running`: with torch loaded already, 20 steps may be over before a poll sees it.
        await wait_for(pilot, lambda: app.session.training.last_run, timeout=300)
        await settled(pilot)
        assert "steps in" in app.session.training.last_run, app.session.training.last_run
        course = app.session.training.course
        steps = [f.step for f in course.frames]
        assert steps == [5, 10, 15, 20], steps  # 640 lines, batch 32: 20 steps, a frame every 5
        assert course.source == "this training" and course.index == 3
        head = text_of(app.screen.query_one("#course-head"))
        assert "step 20" in head and "frame 4/4" in head
        # The last frame is the probe the training ended with.
        last = course.frames[-1].report
        assert last.predictions() == app.session.model.report.predictions()
        await pilot.press("left_square_bracket", "left_square_bracket")
        await settled(pilot)
        assert course.index == 1 and "step 10" in text_of(app.screen.query_one("#course-head"))
        grid = app.screen.query_one("#course-grid", StateGrid)
        assert len(grid.states) == 32
        frame = course.frames[1].report
        cell = grid.render_cell((1, 0, 1, 0, 1))
        assert cell.plain.startswith("1,0,1,0,1h")  # held out, marked
        dots = [span.style for span in cell.spans if cell.plain[span.start:span.end] == "●"]
        truth = ["green" if r.correct else "red" for r in frame.result((1, 0, 1, 0, 1)).fields.values()]
        assert dots == truth
        await pilot.press("space")  # replay from the first frame to the last
        await wait_for(pilot, lambda: app.screen._player is None, timeout=30)
        assert course.index == 3
        await pilot.press("c")
        assert app.screen.query_one("#train-right").current == "loss-chart"
        box.value = ""
        await settled(pilot)
        assert app.session.training.config.probe_every is None
    # Made current later, the run's course replays from its record.
    app = make_app(workdir, omit=((1, 0, 1, 0, 1),))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("t", "c")
        await settled(pilot)
        course = app.session.training.course
        assert course is not None and course.source.startswith("run ") and len(course.frames) == 4
        assert "frame 4/4" in text_of(app.screen.query_one("#course-head"))
