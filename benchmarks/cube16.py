"""A 16-input system, every one of its 65,536 states: how long the probe and
the learned function's spectrum take, and the min-degree interpolator of
every field (goals: under 10 s and under 1 s on 2 cores).

    uv run python -m benchmarks.cube16 [--steps 200]

The model is a small GPT-2 (64 wide, 2 layers) trained briefly on
sparse-parity-2-of-16 with x0=1&x1=1 held out (a trained model is what the
probe usually judges: its answers settle, greedy decoding needs few passes)."""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="training steps before the probe (default 200)")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats, the median printed (default 3)")
    args = parser.parse_args()

    import torch

    from causal_tui.evaluation import decoding, probe
    from causal_tui.science import guessers, spectrum
    from causal_tui.store import provenance
    from causal_tui.systems import catalog
    from causal_tui.systems.holdout import HeldOut
    from causal_tui.training import trainer
    from causal_tui.training.config import TrainingConfig
    from causal_tui.data import dataset as data

    system = catalog.load("sparse-parity-2-of-16")
    held = HeldOut.parse("x0=1&x1=1", system)
    found = provenance.git()
    commit = f"commit {found[0][:7]}{' dirty' if found[1] else ''}" if found else "no commit"
    print(f"causal-tui {provenance.version()} ({commit}), {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"system {system.name}: {len(system.all_states):,} states, {len(held):,} held out")

    t = time.perf_counter()
    fits = [guessers.min_degrees(system, held) for _ in range(args.repeats)]
    mdi_s = (time.perf_counter() - t) / args.repeats
    print(f"min-degree interpolator of every field ({len(system.fields)}): {mdi_s:.2f} s "
          f"(degree {fits[0]['y'].degree}; goal under 1 s)")

    config = TrainingConfig(n_embd=64, n_layer=2, n_head=2, batch_size=64, lr=3e-3, max_steps=args.steps,
                            precision="fp32", seed=0)
    dataset = data.generate(held, seed=0, sizes={"train": 20_000, "valid": 64, "test": 16})
    with tempfile.TemporaryDirectory() as tmp:
        prepared = trainer.prepare(dataset, config, Path(tmp))
        prepared.trainer.train()
        model, tokenizer = prepared.model.eval(), prepared.tokenizer

        def timed() -> tuple[float, object]:
            times = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                report = probe.run(model, tokenizer, system, held)
                probabilities = {s: e["probabilities"] for s, e in report.record()["states"].items()}
                spectrum.of_model(system, held, report.predictions(), probabilities, fits[0])
                times.append(time.perf_counter() - t)
            return statistics.median(times), report

        seconds, report = timed()
        # The same probe with each chunk's shared prompt prefix computed per row again (the path before it).
        shared_from, decoding.SHARED_FROM = decoding.SHARED_FROM, 10**9
        try:
            unshared, again = timed()
        finally:
            decoding.SHARED_FROM = shared_from
    same = [r.completion for r in report.states] == [r.completion for r in again.states]
    print(f"probe and spectrum of all {len(system.all_states):,} states after {args.steps} steps: "
          f"{seconds:.2f} s median of {args.repeats} (goal under 10 s); "
          f"trained exact {report.exact(held_out=False)[0]:,}/{report.exact(held_out=False)[1]:,}")
    print(f"  without the shared prompt prefix: {unshared:.2f} s ({unshared / seconds:.2f}x as long; "
          f"same completions: {'yes' if same else 'NO'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
