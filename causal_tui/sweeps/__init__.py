"""Many seeds (and configurations) on one holdout: the sweep run, one seed's job,
grids, the local worker pool, the Ray backend, the sweep folder's layout.

May import: science and every engine floor below it."""
