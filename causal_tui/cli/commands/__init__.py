"""One module per command: cli/main.py parses and dispatches here."""
