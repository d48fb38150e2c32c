"""Every setting declared once (causal_tui/settings/declared.py) appears, with
the same name, default and help, everywhere a user meets it: the flags of
`causal-tui` and `causal-experiment`, the Train screen, the API's signatures,
the experiment file's keys and the grid's keys. Drift cannot come back."""

from __future__ import annotations

import inspect as pyinspect
import re

import pytest
import typer

import causal_tui as ct
from causal_tui.cli.app import app as typer_app
from causal_tui.cli.experiment import MODES, experiment_parser
from causal_tui.cli.main import tui_main
from causal_tui.errors import UserError
from causal_tui.settings import declared
from causal_tui.sweeps import grid
from causal_tui.sweeps.request import KEYS, SIZE_KEYS, SweepRequest
from causal_tui.training.config import CONFIG_FIELDS, TrainingConfig

COMMANDS = {"train": "train", "sweep": "sweep", "inspect": "inspect", "read": "probe"}
"""Each action of causal-tui and a subcommand that has its settings."""


def _options(command: str) -> dict:
    click = typer.main.get_command(typer_app)
    cmd = click.commands[command] if command else click
    return {p.name: p for p in cmd.params if p.param_type_name == "option"}


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("action, command", COMMANDS.items())
def test_every_setting_of_an_action_is_a_flag_of_its_command_with_the_declared_help(action, command):
    options = _options(command)
    for setting in declared.of(action):
        if setting.name == "state":  # inspect's STATE is an argument
            continue
        option = options.get(setting.name)
        assert option is not None, f"{setting.flag} missing from causal-tui {command}"
        assert option.opts[0] == setting.flag and set(setting.aliases) <= set(option.opts + option.secondary_opts)
        assert option.help == setting.help_text(action), setting.name
        assert option.default is None  # "not given": the engine fills in the declared default


@pytest.mark.parametrize("action, command", COMMANDS.items())
def test_no_command_has_an_option_that_is_not_a_setting_of_its_action(action, command):
    own = {"train": set(), "sweep": set(), "inspect": {"format"}, "read": {"sweep", "format", "recompute"}}
    names = set(_options(command)) - {"help"}
    assert names - own[action] == {s.name for s in declared.of(action)} - {"state"}


def test_the_help_text_shows_each_flag_and_its_help(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert tui_main(["train", "--help"]) == 0
    shown = _words(re.sub(r"[│╭╮╰╯─]", " ", capsys.readouterr().out))
    for setting in declared.of("train"):
        assert setting.flag in shown
        assert _words(setting.help_text("train")) in shown, setting.name


def test_the_dashboard_takes_every_dashboard_setting():
    options = _options("")
    for setting in declared.of("dashboard"):
        assert options[setting.name].help == setting.help_text("dashboard")


def test_causal_experiment_has_every_setting_of_the_original_modes_with_the_declared_help():
    actions = {a.dest: a for a in experiment_parser()._actions}
    for setting in declared.SETTINGS:
        applies = bool(setting.actions & set(MODES.values()))
        assert (setting.name in actions) == applies, setting.name
        if applies:
            action = actions[setting.name]
            assert tuple(action.option_strings) == setting.flags_for("experiment")
            assert action.help == setting.help_text("experiment") and action.default is None
    # The original's own flags, as its README wrote them.
    assert actions["holdout"].option_strings == ["-o", "--omit"]


@pytest.mark.parametrize("function, action", [(ct.train, "train"), (ct.sweep, "sweep"), (ct.inspect, "inspect")])
def test_the_api_takes_every_setting_by_name_with_its_default_and_help(function, action):
    params = pyinspect.signature(function).parameters
    for setting in declared.of(action):
        assert setting.name in params, f"{function.__name__} lacks {setting.name}"
        if setting.name not in ("system", "holdout", "state"):
            assert params[setting.name].default == setting.default_for(action), setting.name
            assert f"{setting.name}: {setting.help_text(action)}" in function.__doc__


def test_training_config_fields_are_the_config_settings_with_their_defaults():
    config = TrainingConfig()
    for setting in declared.CONFIG:
        assert getattr(config, setting.name) == setting.default
    assert CONFIG_FIELDS == tuple(s.name for s in declared.CONFIG)


def test_experiment_file_keys_are_the_sweep_settings():
    sweep_settings = {s.name for s in declared.of("sweep")}
    training = (set(CONFIG_FIELDS) - {"seed"}) | set(SIZE_KEYS)
    assert set(KEYS) - {"training", "grid"} | training | {"grid", "out_dir"} == sweep_settings
    # Each training setting, at its default, is read from [training].
    table = {s.name: s.default for s in declared.CONFIG if s.name != "seed" and s.default is not None}
    request = SweepRequest.from_values({"holdout": "A=1&C=1", "training": table})
    assert request.config.settings() == {**TrainingConfig().settings(), "seed": request.config.seed}


def test_grid_keys_are_the_grid_settings_and_each_takes_a_value():
    assert grid.KEYS == tuple(s.name for s in declared.GRID)
    for setting in declared.GRID:
        value = setting.default if setting.kind is not str else setting.allowed()[-1]
        axes = grid.parse_axes(f"{setting.name}={value}")
        assert axes == {setting.name: [value]}


def test_the_train_screen_has_a_field_for_every_setting_with_a_form_label(workdir):
    import asyncio

    from causal_tui.tui.app import CausalApp
    from causal_tui.tui.session import Session

    async def look():
        app = CausalApp(Session(dataset_dir=workdir / "dataset", out_dir=workdir / "out"), probe_on_start=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await app.action_show("train")
            await pilot.pause()
            found = {}
            for setting in declared.CONFIG:
                if setting.form is None:
                    continue
                widget = app.screen.query_one(f"#cfg-{setting.name}")
                found[setting.name] = (str(widget.tooltip), widget)
            labels = [str(label.render()) for label in app.screen.query("Label.field-label")]
            return found, labels

    found, labels = asyncio.run(look())
    for setting in declared.CONFIG:
        if setting.form is None:
            continue
        tooltip, _ = found[setting.name]
        assert tooltip == setting.help_text("dashboard")
        assert setting.form in labels or setting.kind is bool


@pytest.mark.parametrize("argv, fragment", [
    (["train", "--holdout", "A=1&C=1", "--holdout-seed", "3"], "--holdout-seed draws a 'random-K' holdout"),
    (["train", "--epochs", "inf"], "finite"),
    (["train", "--seed", "-1"], "--seed must be at least 0"),
    (["train", "--lr", "2"], "--lr must be at most 1"),
    (["train", "--train-size", "0"], "--train-size must be at least 1"),
    (["train", "--arch", "rnn"], "--arch must be one of gpt2, lstm, mlp"),
    (["train", "--n-embd", "6", "--n-head", "4"], "n_head (4) must divide n_embd (6)"),
    (["inspect", "--das-dims", "2"], "--das-dims applies to the alignment search: add --das"),
    (["sweep", "--holdout", "A=1", "--address", "ray://x:1"], "an address is for the ray backend"),
])
def test_a_bad_or_inapplicable_setting_is_one_line_and_writes_nothing(workdir, capsys, argv, fragment):
    assert tui_main(argv) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1, err
    assert not (workdir / "dataset").exists() and not (workdir / "out").exists()


@pytest.mark.parametrize("argv, fragment", [
    (["--generate", "--epochs", "5"], "--epochs does not apply to causal-experiment --generate"),
    (["--test", "1,0,1,0,1", "--seed", "3"], "--seed does not apply to causal-experiment --test"),
    (["--generate", "--train-size", "abc"], "is not a whole number"),
])
def test_causal_experiment_refuses_a_flag_its_mode_does_not_take(workdir, capsys, argv, fragment):
    from causal_tui.cli.experiment import experiment_main

    try:
        code = experiment_main(argv)
    except SystemExit as e:
        code = e.code
    assert code == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err.strip().splitlines()) == 1, err
    assert not (workdir / "dataset").exists()


def test_the_api_refuses_a_wrong_type_or_unknown_argument_with_user_error(workdir):
    for call in (lambda: ct.train(holdout=5), lambda: ct.train(epochs="three"), lambda: ct.train(nonsense=1),
                 lambda: ct.sweep(holdout="A=1&C=1", seed=3), lambda: ct.sweep(holdout="A=1", seeds=True),
                 lambda: ct.train(system=3)):
        with pytest.raises(UserError):
            call()
    assert not (workdir / "dataset").exists() and not (workdir / "out").exists()
