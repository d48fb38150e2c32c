"""Datasets (generation, JSONL files, their manifest) and the character tokenizer.

May import: store, systems, errors."""
