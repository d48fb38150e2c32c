"""The statistics: seed-level intervals, reference guessers (majority, nearest
neighbour, lowest-degree interpolator), exact polynomial fits, the scorecard.

May import: interpret (what the models do inside, as plain data) and below."""
