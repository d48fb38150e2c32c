"""The options of `causal-tui`'s subcommands, made from the declared settings
(settings/declared.py) in groups that the subcommands share (`takes` expands
a group into a command's options).

Every option defaults to None, "not given", so that a command knows which
flags were given (an experiment file's values stay unless a flag replaces
them) and the engine fills in the defaults; the help says what they are."""

# No `from __future__ import annotations` here: Typer reads these annotations as objects.

import dataclasses
import inspect
import typing
from typing import Annotated, Literal, Optional

import typer

from causal_tui.settings import declared
from causal_tui.settings.declared import DATASET, FILES, TRAINING  # noqa: F401  (panels, for the commands)

OUTPUT = FILES


def _option(setting: declared.Setting, action: str):
    """The Typer option of a declared setting, as `action` shows it (None: not given)."""
    choices = setting.choices if isinstance(setting.choices, tuple) else None
    base = Literal[choices] if choices else setting.kind
    extra = {"metavar": ""} if setting.kind is bool else {"metavar": setting.metavar} if setting.metavar else {}
    return Annotated[Optional[base], typer.Option(*setting.flags_for(action), help=setting.help_text(action),
                                                  rich_help_panel=setting.panel, show_default=False, **extra)]


def group(class_name: str, names: tuple[str, ...], action: str = "train"):
    """A dataclass of the options of these declared settings (`takes` expands it
    into a command's options); every field None unless given."""
    fields = [(name, _option(declared.get(name), action), dataclasses.field(default=None)) for name in names]
    made = dataclasses.make_dataclass(class_name, fields)
    made.given = lambda self: {k: v for k, v in dataclasses.asdict(self).items() if v is not None}
    return made


SystemFlag = group("SystemFlag", ("system",))
HoldoutFlags = group("HoldoutFlags", ("holdout", "holdout_seed"))
SeedFlag = group("SeedFlag", ("seed",))
SizeFlags = group("SizeFlags", (*(f"{split}_size" for split in ("train", "valid", "test")), "every_state"))
DatasetDirFlag = group("DatasetDirFlag", ("dataset_dir",))
OutDirFlag = group("OutDirFlag", ("out_dir",))
ModelFlag = group("ModelFlag", ("model",), "inspect")
RunOnFlag = group("RunOnFlag", ("device",), "read")
TrainingFlags = group("TrainingFlags", tuple(s.name for s in declared.CONFIG if s.name != "seed"))
ResumeFlag = group("ResumeFlag", ("resume",))
SweepFlags = group("SweepFlags", tuple(s.name for s in declared.of("sweep") if s.panel == declared.SWEEP))
InspectFlags = group("InspectFlags", ("field", "flip", "spectrum", "iia", "variable", "das", "das_dims"), "inspect")


def values_of(*groups) -> dict:
    """The settings given in these option groups, by name."""
    out = {}
    for g in groups:
        out.update(g.given())
    return out


FORMATS = ("table", "markdown", "json", "csv")


def format_type(values=FORMATS):
    """--format, for a command that prints these formats."""
    return Annotated[Optional[Literal[tuple(values)]], typer.Option(
        "--format", rich_help_panel=OUTPUT, help="How to print it (default table).")]


def as_flags(*groups) -> list[str]:
    """The options given in these groups as command-line words again
    (["--holdout", "1,0,1,0,1", "--until-perfect"]): what `serve` hands each
    dashboard it starts."""
    words = []
    for group in groups:
        hints = typing.get_type_hints(type(group), include_extras=True)
        for f in dataclasses.fields(group):
            value = getattr(group, f.name)
            if value is None or value is False:
                continue
            info = typing.get_args(hints[f.name])[1]
            # With Annotated, Typer takes the first name given as the option's `default`.
            name = info.default if isinstance(info.default, str) else info.param_decls[0]
            words += [name] if value is True else [name, str(value)]
    return words


def takes(*, hidden: tuple = (), panel: str | None = None):
    """Expand each parameter of a command annotated with an option group into
    that group's options, and hand the command the group, filled in. Groups
    (or option names) in `hidden` are accepted but left out of the help;
    `panel` puts every option shown under one heading."""

    def wrap(fn):
        hints = typing.get_type_hints(fn, include_extras=True)
        own, expanded, groups = [], [], {}
        for p in inspect.signature(fn).parameters.values():
            kind = hints.get(p.name, p.annotation)
            if dataclasses.is_dataclass(kind):
                groups[p.name] = kind
                for f in dataclasses.fields(kind):
                    annotation = f.type
                    if kind in hidden or f.name in hidden or panel:
                        base, info = typing.get_args(annotation)
                        annotation = Annotated[base, _changed(info, kind in hidden or f.name in hidden, panel)]
                    expanded.append(inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default,
                                                      annotation=annotation))
            else:
                own.append(p.replace(annotation=kind))
        # Arguments first, then the groups' options, then the command's own (its help panels in that order).
        positional = [p for p in own if p.kind is not inspect.Parameter.KEYWORD_ONLY]
        own = [p for p in own if p.kind is inspect.Parameter.KEYWORD_ONLY]

        def command(**values):
            for name, kind in groups.items():
                values[name] = kind(**{f.name: values.pop(f.name) for f in dataclasses.fields(kind)})
            return fn(**values)

        command.__name__, command.__doc__, command.__module__ = fn.__name__, fn.__doc__, fn.__module__
        params = positional + expanded + own
        command.__signature__ = inspect.Signature(params)
        command.__annotations__ = {p.name: p.annotation for p in params}
        return command

    return wrap


def _changed(info, hidden: bool, panel: str | None):
    import copy

    info = copy.copy(info)
    info.hidden = info.hidden or hidden
    info.rich_help_panel = panel or info.rich_help_panel
    return info
