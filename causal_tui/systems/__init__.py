"""The causal system: the System value, boolean expressions, reading TOML
system files, the bundled systems (seed, chain, parity8) and the held-out set.

The bottom floor: imports nothing of causal_tui but errors."""
