"""Training a learner: TrainRequest (what a front end asks for), the one
pipeline every front end calls (lock, prepare dataset/, train, record),
TrainingConfig (its fields the declared settings), the Trainer, its
callbacks, precision choice, progress events, Ctrl+C handling.

May import: science, evaluation, settings, learners, data, store, systems, errors."""
