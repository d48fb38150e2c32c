"""One screen per module: Dataset, Train, Probe."""
