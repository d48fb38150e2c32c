"""The one exception type front ends turn into a one-line message."""


class UserError(Exception):
    """Something the user can fix: bad input, a missing or corrupt file.

    Front ends print `str(error)` on one line (CLI: exit code 2; dashboard:
    an error notification) instead of a traceback."""
