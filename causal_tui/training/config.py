"""TrainingConfig: every hyperparameter of a training, as a value. Its fields
are the settings declared with `config=True` (settings/declared.py: name,
type, default and checks in one place), and two of the engine's own."""

from __future__ import annotations

from dataclasses import asdict, field, make_dataclass, replace

from causal_tui.errors import UserError
from causal_tui.learners import registry
from causal_tui.settings import check, declared


def _validate(self) -> None:
    """UserError for a value of the wrong type, out of range, or one the
    learner cannot be built with (heads that do not divide the width)."""
    check.check_values({k: getattr(self, k) for k in CONFIG_FIELDS}, "train", complete=True)
    for name in ("logging_steps", "check_every"):
        value = getattr(self, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise UserError(f"{name.replace('_', ' ')} must be a whole number of at least 1, got {value!r}")
    learner = registry.get(self.arch)
    if self.head not in learner.heads:
        raise UserError(f"--head {self.head}: the {self.arch} learner has {', '.join(learner.heads)} only")
    problem = learner.check(self) if learner.check else None
    if problem:
        raise UserError(problem)
    check.check_fits_in_memory(self)


def _for_arch(cls, arch: str, **settings) -> "TrainingConfig":
    """A config for the learner `arch` with its default size unless given."""
    try:
        learner = registry.get(arch)
        if not learner.listed:
            raise ValueError(f"unknown learner {arch!r} (known: {', '.join(registry.names())})")
        sizes = learner.sizes
    except ValueError as e:
        raise UserError(str(e)) from None
    return cls(**{"arch": arch, **sizes, **settings})


def _from_settings(cls, values: dict, seed: int | None = None) -> "TrainingConfig":
    """A checked config from settings by name ({"lr": 1e-3, "arch": "lstm"});
    those left out (or None) take their defaults, sizes the learner's.
    UserError names an unknown setting or a bad value."""
    values = {declared.RENAMED.get(k, k): v for k, v in values.items()}
    unknown = sorted(set(values) - set(CONFIG_FIELDS))
    if unknown:
        raise UserError(f"unknown training setting {unknown[0]!r} (settings: {', '.join(CONFIG_FIELDS)})")
    given = {k: v for k, v in values.items() if v is not None}
    check.check_values(given, "train")
    if seed is not None:
        given["seed"] = seed
    config = cls.for_arch(given.pop("arch", "gpt2"), **given)
    config.validate()
    return config


def _settings(self) -> dict:
    """Every setting's value (what from_settings reads back)."""
    return {name: getattr(self, name) for name in CONFIG_FIELDS}


def _replaced(self, **changes) -> "TrainingConfig":
    return replace(self, **changes)


CONFIG_FIELDS: tuple[str, ...] = tuple(s.name for s in declared.CONFIG)
"""The TrainingConfig fields that are settings (an experiment file's [training] keys)."""

TrainingConfig = make_dataclass(
    "TrainingConfig",
    [(s.name, s.kind, field(default=s.default)) for s in declared.CONFIG]
    + [("logging_steps", int, field(default=10)),  # the training loss every this many steps
       ("check_every", int, field(default=5))],  # with until_perfect: one greedy check every this many steps
    namespace={"validate": _validate, "for_arch": classmethod(_for_arch),
               "from_settings": classmethod(_from_settings), "settings": _settings, "replaced": _replaced,
               "__doc__": "Hyperparameters of one training. Defaults are the original experiment's; the "
                          "fields are the settings declared with config=True (settings/declared.py), "
                          "plus logging_steps and check_every."},
)
TrainingConfig.__module__ = __name__  # pickled by reference (a sweep's worker receives one)


def as_dict(config) -> dict:
    return asdict(config)
