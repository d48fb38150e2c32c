"""What is kept on disk and how: atomic writes, one-writer locks, the model
folder and its manifest, the run history under out/runs/, logging.

May import: systems, errors. Never torch at import time.

Every JSON record has a format number and one reader (records.py)."""
