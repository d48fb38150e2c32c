"""Distributed alignment search: seconds a site, and whether stopping once the
loss settles changes what it finds (goal: under 2 s a site on 2 cores).

    uv run python -m benchmarks.das [--steps 300]

Trains the seed's GPT-2 (64 wide, 2 layers) with A=1&C=1 held out until
every trained state is exact, then runs DAS for newB (1 dimension) at every
default site twice: as `inspect --das` does (stopping once the loss settles)
and for the full STEPS, and prints each site's seconds and IIA on the
evaluation half and on held-out bases."""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="training steps of the model (default 300)")
    args = parser.parse_args()

    import torch

    from causal_tui.data import dataset as data
    from causal_tui.interpret import alignment
    from causal_tui.interpret import interchange as ic
    from causal_tui.store import provenance
    from causal_tui.systems.catalog import SEED
    from causal_tui.systems.holdout import HeldOut
    from causal_tui.training import trainer
    from causal_tui.training.config import TrainingConfig

    held = HeldOut.parse("A=1&C=1", SEED)
    found = provenance.git()
    commit = f"commit {found[0][:7]}{' dirty' if found[1] else ''}" if found else "no commit"
    print(f"causal-tui {provenance.version()} ({commit}), {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads, fp32")
    config = TrainingConfig(n_embd=64, n_layer=2, n_head=2, batch_size=16, lr=2e-3, epochs=100,
                            max_steps=args.steps, until_perfect=True, precision="fp32", seed=0)
    dataset = data.generate(held, seed=0, sizes={"train": 2000, "valid": 64, "test": 16})
    with tempfile.TemporaryDirectory() as tmp:
        prepared = trainer.prepare(dataset, config, Path(tmp))
        prepared.trainer.train()
        model, tokenizer = prepared.model.eval(), prepared.tokenizer
    print(f"model: GPT-2 64/2/2 trained on the seed's system, A=1&C=1 held out, at most {args.steps} steps")
    prep = ic.prepare(model, tokenizer, SEED, held)
    ps = ic.pair_set(prep, tokenizer, "newB", ic.pairs_of(SEED, "newB"))
    sites = [(layer, p) for layer in prep.sites.layers for p in alignment.das_positions(SEED, "newB")]
    print(f"{'site':>8}  {'settled: s':>10} {'steps':>5} {'eval':>5} {'held':>5}   "
          f"{'full: s':>7} {'steps':>5} {'eval':>5} {'held':>5}")
    totals = {True: 0.0, False: 0.0}
    for layer, position in sites:
        row = []
        for early in (True, False):
            started = time.perf_counter()
            r = alignment.search(model, tokenizer, prep, ps, layer, position, early_stop=early)
            seconds = time.perf_counter() - started
            totals[early] += seconds
            row.append(f"{seconds:>7.2f} {r['steps']:>5} {r['iia_evaluation']:>5.2f} {r['iia_held_out']:>5.2f}")
        print(f"{layer + ':' + str(position):>8}  {row[0]:>16}   {row[1]}")
    n = len(sites)
    print(f"mean seconds a site: settled {totals[True] / n:.2f}, full {totals[False] / n:.2f} "
          f"({totals[False] / totals[True]:.1f}x; goal under 2 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
