"""Training a learner: TrainingConfig (validated in one place), the Trainer run,
its callbacks, precision choice, progress events, Ctrl+C handling.

May import: evaluation, learners, data, store, systems, errors."""
