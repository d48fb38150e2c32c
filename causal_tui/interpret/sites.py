"""A model's intervention sites, as its learner declares them (learners/sites.py)."""

from __future__ import annotations

from causal_tui.learners import registry
from causal_tui.learners.sites import Patch, Sites

__all__ = ["Patch", "Sites", "of"]


def of(model) -> Sites:
    """The sites of the model's learner; ValueError where it declares none."""
    learner = registry.of_model(model)
    if learner.sites is None:
        raise ValueError(f"no intervention sites known for a {learner.name} model")
    return learner.sites(model)
