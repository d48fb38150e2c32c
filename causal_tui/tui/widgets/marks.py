"""How a cell says right or wrong, on every screen that draws the grid of states."""

RIGHT, WRONG, UNKNOWN = "green", "red", "grey50"
MARK = "●"
NARROW_BELOW = 130
"""Below this width the details go under the grid instead of beside it."""
