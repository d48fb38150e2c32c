"""`causal-experiment --generate`: write dataset/."""

from __future__ import annotations

import argparse

from .. import data
from ..cli import chosen_system, dataset_sizes

def run(args: argparse.Namespace) -> int:
    from ..rules import SEED

    system = chosen_system(args) or SEED
    omit = data.parse_omit(args.omit, system)
    seed = data.DEFAULT_SEED if args.seed is None else args.seed
    dataset = data.generate(omit, seed=seed, sizes=dataset_sizes(args), system=system)
    from .. import locks

    with locks.writing(args.dataset_dir):
        folder = data.write(dataset, args.dataset_dir)
    print(f"wrote {folder}/: {data.summary(dataset)}")
    for split in data.SPLITS:
        print(f"  {folder / (split + '.jsonl')}  {len(dataset.splits[split]):>7,} lines")
    print(f"  {folder / data.MANIFEST}")
    return 0
