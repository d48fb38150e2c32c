"""The scorecard's statistics for notebooks: `seed_interval` (a field's
accuracy over seeds, the seed as the unit), as the scorecard prints it.

Examples:
    >>> import causal_tui as ct
    >>> ct.stats.seed_interval(correct=[8, 8, 7], total=[8, 8, 8])
"""

from causal_tui.science.intervals import seed_interval

__all__ = ["seed_interval"]
