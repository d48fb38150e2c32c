"""`causal-experiment --generate`: write dataset/."""

from __future__ import annotations

import argparse

from causal_tui.cli.args import chosen_system, dataset_sizes, seed_of
from causal_tui.data import dataset as data
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut


def run(args: argparse.Namespace) -> int:
    system = chosen_system(args) or SEED
    omit = HeldOut.parse_list(args.omit, system)
    dataset = data.regenerate(args.dataset_dir, omit, seed=seed_of(args), sizes=dataset_sizes(args), system=system)
    folder = dataset.folder
    print(f"wrote {folder}/: {data.summary(dataset)}")
    for split in data.SPLITS:
        print(f"  {folder / (split + '.jsonl')}  {len(dataset.splits[split]):>7,} lines")
    print(f"  {folder / data.MANIFEST}")
    return 0
