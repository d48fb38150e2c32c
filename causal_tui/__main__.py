"""`python -m causal_tui` runs the dashboard, like `causal-tui`."""

import sys

from causal_tui.entry import main

sys.exit(main())
