"""The inspect views, registered once: what each shows, and over what. The
command line prints them in this order and the dashboard's Inspect screen
has a tab for each (report/inspect_tables.py draws them by key).

A new view is a `register(View(...))` here, the part of the report it
reads (interpret/inspect.py), and its drawing (report/inspect_tables.RENDER)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class View:
    key: str
    """Its name: the dashboard's tab id, the drawing's key."""
    title: str
    """Its tab's title."""
    about: str
    """What it shows, in one line (the command's help lists it)."""
    scope: str
    """'model' (over every state), 'state' (one state: the command's STATE, the
    Probe cursor) or 'variables' (the intermediate variables: asked for, it takes longer)."""
    asked_by: str | None = None
    """The setting that asks for it (--iia, --spectrum); None: always shown."""


VIEWS: list[View] = []


def register(view: View) -> View:
    VIEWS[:] = [v for v in VIEWS if v.key != view.key] + [view]
    return view


def of_scope(scope: str, asked=None) -> list[View]:
    """The views of a scope; with `asked` (a request), those it asks for or that are always shown."""
    return [v for v in VIEWS if v.scope == scope
            and (asked is None or v.asked_by is None or getattr(asked, v.asked_by, False))]


register(View("do", "do()", "do() on its own answers: force a written field, decode the rest", "model"))
register(View("graph", "graph", "the input-output graph: which inputs change each answer", "model"))
register(View("attention", "attention", "attention at one state, for one field", "state"))
register(View("lens", "lens", "the logit lens: the right answer's probability after each layer", "state"))
register(View("tracing", "tracing", "causal tracing: restoring one input's flip layer by layer", "state"))
register(View("spectrum", "spectrum", "the learned function's Walsh spectrum beside the truth's and the "
              "min-degree interpolator's", "model", asked_by="spectrum"))
register(View("iia", "IIA", "interchange interventions: where each intermediate variable is held", "variables",
              asked_by="iia"))
