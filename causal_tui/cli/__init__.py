"""The command lines: `causal-experiment` (the original's flags) and `causal-tui`
(its headless modes), their shared arguments and one module per command.

May import: report and the engine; never the dashboard (tui)."""
