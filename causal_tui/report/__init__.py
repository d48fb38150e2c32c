"""Rendering plain data for people: rich tables (probe, scorecard, grid, runs,
inspect), the progress bar, matplotlib figures. Shared by both front ends.

May import: the engine (never a front end); rich and matplotlib live here."""
