"""When a model 'follows' a do() on its own answer: the one threshold the
Inspect tables and the scorecard's interventions over seeds share."""

FOLLOW_SHARE = 0.9
"""A model 'follows' (reads what it wrote) where at least this share of the
informative states follow the intervention, 'ignores' where as many ignore it."""
