"""One screen per module: Dataset, Train, Probe, Inspect, Runs, and the system editor."""
