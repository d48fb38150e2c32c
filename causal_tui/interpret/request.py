"""Looking inside a saved model, asked for: InspectRequest, built by every
front end (the command line, the dashboard, `ct.inspect`) from the declared
settings, and handed to inspect.run_inspect."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from causal_tui.errors import UserError
from causal_tui.settings import check, declared
from causal_tui.store import runs


@dataclass(frozen=True)
class InspectRequest:
    """Which model to look inside, where it runs, and what to look at."""

    folder: Path
    device: str = "cpu"
    state: str | None = None
    """One state for the per-state views ('0,1,0,1,1'); None: the views over every state only."""
    field: str | None = None
    """The field the per-state views show (None: the first whose rule reads other fields)."""
    flip: str | None = None
    """The input tracing flips (None: the first whose flip changes the field)."""
    spectrum: bool = False
    """The learned function's Walsh spectrum (science/spectrum.py)."""
    iia: bool = False
    variable: str | None = None
    das: bool = False
    das_dims: int = 1
    every_field: bool = False
    """The per-state views for every field and input (JSON), not only `field` and `flip`."""

    @classmethod
    def from_settings(cls, values: dict, every_field: bool = False) -> "InspectRequest":
        """A checked request from settings by name; the model is `model` (a
        folder or a run id) under `out_dir`, the current model without one."""
        given = check.check_values(values, "inspect")
        out_dir = given.pop("out_dir", declared.get("out_dir").default)
        folder = runs.resolve_model(out_dir, given.pop("model", None))
        return cls(folder=folder, every_field=every_field, **given)

    def checked_against(self, system) -> tuple:
        """(state or None, field, flip or None) of the model's system; UserError where one is not of it."""
        state = None
        if self.state is not None:
            try:
                state = system.parse_state(self.state)
            except ValueError as e:
                raise UserError(f"inspect {self.state}: {e}") from None
        field = self.field or system.default_field
        if field not in system.fields:
            raise UserError(f"--field {field}: the model's system has fields {', '.join(system.fields)}")
        if self.flip is not None and self.flip not in system.inputs:
            raise UserError(f"--flip {self.flip}: the model's system has inputs {', '.join(system.inputs)}")
        if self.iia:
            names = system.intermediates
            if not names:
                raise UserError(f"--iia: the system {system.name} has no intermediate variable (an equation "
                                "output that a later equation reads): nothing to look for inside")
            if self.variable is not None and self.variable not in names:
                raise UserError(f"--variable {self.variable}: the intermediate variables of {system.name} are "
                                f"{', '.join(names)}")
        return state, field, self.flip
