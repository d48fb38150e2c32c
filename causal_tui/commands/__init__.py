"""One module per command of the command lines; cli.py parses and dispatches."""
