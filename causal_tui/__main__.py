"""`python -m causal_tui` runs the dashboard, like `causal-tui`."""

import sys

from .cli import tui_main

sys.exit(tui_main())
