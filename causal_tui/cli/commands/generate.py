"""`causal-experiment --generate`: write dataset/."""

from __future__ import annotations


def main(values: dict) -> int:
    from causal_tui.data import dataset as data
    from causal_tui.training.request import TrainRequest

    # The dataset a training with these settings would write; checked whole before anything is written.
    request = TrainRequest.from_settings(values, action="generate", source="causal-experiment")
    dataset = data.regenerate(request.dataset_dir, request.held_out, seed=request.seed, sizes=request.sizes,
                              every_state=request.every_state)
    folder = dataset.folder
    print(f"wrote {folder}/: {data.summary(dataset)}")
    for split in data.SPLITS:
        print(f"  {folder / (split + '.jsonl')}  {len(dataset.splits[split]):>7,} lines")
    print(f"  {folder / data.MANIFEST}")
    return 0
