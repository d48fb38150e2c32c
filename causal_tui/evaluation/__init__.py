"""Judging a model on every state and field: exact greedy decoding in batched
passes, the probe report.

May import: learners, data, store, systems, errors."""
