"""The statistics: seed-level intervals, reference guessers (majority, nearest
neighbour, lowest-degree and min-degree interpolators), exact polynomial fits,
the learned function's spectrum, the input-output graph, the scorecard: plain
data and numpy, no torch.

May import: evaluation, settings, learners, data, store, systems, errors."""
