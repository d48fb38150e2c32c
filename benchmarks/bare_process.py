"""A bare-loop process: what `causal-tui --train-only --until-perfect` does,
with nothing but a hand-written PyTorch loop. The benchmark times this whole
process beside ours.

    python -m benchmarks.bare_process [--precision fp32|bf16] [--omit S] [--seed N] [--tiny]

Same data (the same generator), model, update (fused AdamW after clipping
the gradient norm to 1.0, linear decay) and stopping rule (every trained
state exact under greedy decoding, checked by one teacher-forced pass every
5 steps) as the project's Trainer path; no Trainer, logging, saving or probe."""

from __future__ import annotations

import argparse
import contextlib
import time

from causal_tui.evaluation import decoding
from causal_tui.systems.holdout import HeldOut
from causal_tui.training.encode import encode_split


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    p.add_argument("--omit", default="1,0,1,0,1")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--tiny", action="store_true")
    args = p.parse_args()
    start = time.perf_counter()
    import torch

    from causal_tui.data import dataset as data
    from causal_tui.data import tokenizer as tok_mod
    from causal_tui.systems.catalog import SEED
    from causal_tui.training import trainer as training
    from causal_tui.training.config import TrainingConfig

    config = TrainingConfig(seed=args.seed, **({"n_embd": 32, "n_layer": 1, "n_head": 2} if args.tiny else {}))
    sizes = {"train": 640, "valid": 10, "test": 10} if args.tiny else dict(data.DEFAULT_SIZES)
    ds = data.generate(HeldOut.parse_list(args.omit, SEED), seed=args.seed, sizes=sizes)
    torch.manual_seed(args.seed)
    tok = tok_mod.build(SEED)
    model = training.build_model(config, tok, SEED)
    ids, labels = encode_split(tok, ds.splits["train"], SEED)
    check_ids, check_labels = encode_split(tok, ds.trained_states, SEED)
    total = int(len(ids) / config.batch_size * config.epochs)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0, fused=True)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / total))
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if args.precision == "bf16" else contextlib.nullcontext
    gen = torch.Generator().manual_seed(args.seed)
    order = torch.randperm(len(ids), generator=gen)
    step, perfect = 0, None
    train_start = time.perf_counter()
    model.train()
    while step < total and perfect is None:
        i = (step * config.batch_size) % (len(ids) - config.batch_size)
        idx = order[i:i + config.batch_size]
        with autocast():
            loss = model(input_ids=ids[idx], labels=labels[idx]).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        if step % 5 == 0:
            model.eval()
            with autocast():
                if decoding.teacher_forced_rows(model, check_ids, check_labels).all():
                    perfect = step
            model.train()
    end = time.perf_counter()
    print(f"steps {step} perfect {perfect} training_s {end - train_start:.2f} process_s {end - start:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
