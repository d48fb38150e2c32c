"""The Textual dashboard: the app, its styles, the session (what it knows),
messages, the helper process, screens and widgets.

May import: report and the engine; never the command line (cli)."""
