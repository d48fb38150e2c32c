"""Speed of causal-tui against the original recipe and a bare PyTorch loop.

    uv run python -m benchmarks.bench            # the full run (several minutes on 2 cores)
    uv run python -m benchmarks.bench --tiny     # seconds: shows that it works

Prints a table and writes JSON (benchmarks/results/latest.json by default).
Everything runs in this one process on the same data and model."""

from __future__ import annotations

import argparse
import json
import os
import platform
import pty
import select
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from causal_tui.data import dataset as data
from causal_tui.evaluation import probe
from causal_tui.store import logs
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut
from causal_tui.training import trainer as training
from causal_tui.training.config import TrainingConfig
from causal_tui.training.encode import encode_split

HELD_OUT = "1,0,1,0,1"
ROUNDS = 5
RESULTS = Path(__file__).parent / "results"


def machine() -> dict:
    import torch

    from causal_tui.store import provenance

    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "device": provenance.device(),
        "python": platform.python_version(),
    }


def ours_ms_per_step(dataset, config: TrainingConfig, steps: int, warmup: int, workdir: Path) -> float:
    """The project's real training path (training.prepare), timed between step ends."""
    from transformers import TrainerCallback

    stamps: list[float] = []

    class StepClock(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            stamps.append(time.perf_counter())

    cfg = replace(config, max_steps=warmup + steps)
    run = training.prepare(dataset, cfg, workdir / "ours", extra_callbacks=(StepClock(),))
    run.trainer.train()
    return (stamps[warmup + steps - 1] - stamps[warmup - 1]) / steps * 1000


def bare_ms_per_step(dataset, config: TrainingConfig, steps: int, warmup: int) -> float:
    """The floor: the same update the Trainer makes (fused AdamW after clipping
    the gradient norm to 1.0, both Trainer defaults) over the same model and
    batches, with nothing else: no scheduler, logging, callbacks or data loader."""
    import torch

    from causal_tui.data import tokenizer as tok_mod

    torch.manual_seed(config.seed)
    tok = tok_mod.build(dataset.system)
    model = training.build_model(config, tok, dataset.system)
    ids, labels = encode_split(tok, dataset.splits["train"], dataset.system)
    # The Trainer's default optimizer (adamw_torch_fused): the same update, so
    # the ratio measures the training path, not a different AdamW kernel.
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0, fused=True)
    order = torch.randperm(len(ids), generator=torch.Generator().manual_seed(config.seed))
    model.train()
    bs = config.batch_size
    start = None
    for i in range(warmup + steps):
        if i == warmup:
            start = time.perf_counter()
        idx = order[(i * bs) % (len(ids) - bs):][:bs]
        loss = model(input_ids=ids[idx], labels=labels[idx]).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
    return (time.perf_counter() - start) / steps * 1000


def compiled_bare(dataset, config: TrainingConfig, steps: int, warmup: int) -> dict:
    """torch.compile on the bare loop: what compiling costs and what a step costs after."""
    import torch

    from causal_tui.data import tokenizer as tok_mod

    torch.manual_seed(config.seed)
    tok = tok_mod.build(dataset.system)
    model = training.build_model(config, tok, dataset.system)
    compiled = torch.compile(model)
    ids, labels = encode_split(tok, dataset.splits["train"], dataset.system)
    opt = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=0.0, fused=True)
    model.train()
    bs, start = config.batch_size, time.perf_counter()
    first = None
    for i in range(warmup + steps):
        if i == 1:
            first = time.perf_counter() - start
        if i == warmup:
            steady_start = time.perf_counter()
        idx = slice(i * bs, (i + 1) * bs)
        loss = compiled(input_ids=ids[idx], labels=labels[idx]).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
    return {"first_step_s": round(first, 2),
            "ms_per_step_after": round((time.perf_counter() - steady_start) / steps * 1000, 2)}


def original_ms_per_step(dataset, config: TrainingConfig, steps: int, warmup: int, workdir: Path) -> float:
    """The original recipe: GPT-2's 50,257-token vocabulary, sequences padded to
    64, labels = input ids (loss on every token), a list of per-example dicts,
    an out-of-the-box Trainer. Token ids stand in for GPT-2's BPE (no download);
    the cost is in the vocabulary and the padding, which are the original's."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, Trainer, TrainerCallback, TrainingArguments
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    vocab, length, pad = 50_257, 64, 50_256
    chars = {ch: 15 + i for i, ch in enumerate(SEED.alphabet())}
    examples = []
    for state in dataset.splits["train"]:
        ids = [chars[c] for c in SEED.prompt(state) + SEED.completion(state)] + [pad]
        mask = [1] * len(ids) + [0] * (length - len(ids))
        ids = ids + [pad] * (length - len(ids))
        examples.append({"input_ids": ids, "attention_mask": mask, "labels": list(ids)})
    torch.manual_seed(config.seed)
    model = GPT2LMHeadModel(GPT2Config(vocab_size=vocab, n_embd=config.n_embd, n_layer=config.n_layer,
                                       n_head=config.n_head, eos_token_id=pad, bos_token_id=pad))
    model.loss_type = "ForCausalLM"
    stamps: list[float] = []

    class StepClock(TrainerCallback):
        def on_step_end(self, args, state, control, **kwargs):
            stamps.append(time.perf_counter())

    args = TrainingArguments(
        output_dir=str(workdir / "original"), max_steps=warmup + steps, learning_rate=config.lr,
        per_device_train_batch_size=config.batch_size, report_to="none", disable_tqdm=True,
        save_strategy="no", logging_steps=10, use_cpu=not torch.cuda.is_available(),
    )
    trainer = Trainer(model=model, args=args, train_dataset=examples, callbacks=[StepClock()])
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    trainer.train()
    return (stamps[warmup + steps - 1] - stamps[warmup - 1]) / steps * 1000


def time_to_perfect(config: TrainingConfig, seeds: list[int], sizes: dict, workdir: Path):
    """Seconds from the start of training until every trained state is exact,
    and what the model then says on the held-out state (exact or not, per field)."""
    results, model, tok = [], None, None
    for seed in seeds:
        ds = data.generate(HeldOut.parse_list(HELD_OUT, SEED), seed=seed, sizes=sizes)
        cfg = replace(config, seed=seed, until_perfect=True)
        run = training.prepare(ds, cfg, workdir / f"perfect-{cfg.precision}-{seed}")
        run.trainer.train()
        reached = run.perfection.reached
        report = probe.run(run.model.eval(), run.tokenizer, SEED, ds.omitted)
        results.append({"seed": seed, "step": reached[0] if reached else None,
                        "seconds": round(reached[1], 3) if reached else None,
                        "trained_exact": list(report.exact(False)),
                        "held_out_fields_right": sum(k for k, _ in report.field_accuracy(True).values())})
        model, tok = run.model, run.tokenizer
    return results, model, tok


def median_seconds(results: list[dict]) -> float | None:
    secs = [r["seconds"] for r in results if r["seconds"] is not None]
    return round(statistics.median(secs), 2) if secs and len(secs) == len(results) else None


def full_run(config: TrainingConfig, sizes: dict, workdir: Path) -> dict:
    """The seed's configuration trained for all its epochs: seconds and the probe."""
    ds = data.generate(HeldOut.parse_list(HELD_OUT, SEED), seed=config.seed, sizes=sizes)
    result = training.train(ds, config, workdir / f"full-{config.precision}")
    return {"precision": config.precision, "steps": result.steps, "seconds": round(result.seconds, 1),
            "trained_exact": list(result.report.exact(False)), "held_out_exact": list(result.report.exact(True))}


def _env() -> dict:
    # Bytecode compiled once, as in a normal install (this machine sets
    # PYTHONDONTWRITEBYTECODE, which would make every import compile anew).
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _timed(argv: list[str], cwd: Path) -> float:
    import subprocess

    start = time.perf_counter()
    r = subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {(r.stdout + r.stderr)[-1500:]}")
    return time.perf_counter() - start


def whole_process(workdir: Path, tiny: bool, repeats: int, bf16: bool, imports_s: float) -> dict:
    """Wall seconds of `causal-tui train --until-perfect --holdout 1,0,1,0,1
    --seed 3 --precision P` from a fresh folder, beside a bare-loop process
    doing the same (benchmarks/bare_process.py) in the same precision: fp32
    and, where the hardware has bf16, bf16 (elsewhere bf16 is emulated:
    nothing to compare with). One warm-up run each first (it writes the
    bytecode), then the median of `repeats`. Ours also splits into imports
    (`imports_s`, measured apart), the Trainer's run (its steps, from run.json)
    and everything else."""
    small = ["--n-embd", "32", "--n-layer", "1", "--n-head", "2", "--train-size", "640", "--valid-size", "10",
             "--test-size", "10"] if tiny else []
    exe = str(Path(sys.executable).parent / "causal-tui")
    root = Path(__file__).resolve().parents[1]

    def ours(precision: str) -> list[str]:
        return [exe, "train", "--until-perfect", "--holdout", HELD_OUT, "--seed", "3", "--precision", precision,
                *small]

    def bare(precision: str) -> list[str]:
        return [sys.executable, str(root / "benchmarks" / "bare_process.py"), "--precision", precision,
                "--omit", HELD_OUT, "--seed", "3", *(["--tiny"] if tiny else [])]

    out: dict = {}
    warm_up = 0 if tiny else 1  # --tiny shows that it works; a full run measures
    for precision in ("fp32", "bf16") if bf16 else ("fp32",):
        for name, argv in ((f"ours_{precision}", ours(precision)), (f"bare_{precision}", bare(precision))):
            times, trainer_s = [], []
            for i in range(repeats + warm_up):
                folder = workdir / f"whole-{name}-{i}"
                folder.mkdir()
                t = _timed(argv, folder)
                if i >= warm_up:
                    times.append(t)
                    for record in (folder / "out" / "runs").glob("*/run.json"):
                        trainer_s.append(json.loads(record.read_text())["seconds"])
            out[name] = round(statistics.median(times), 2)
            if trainer_s:
                out[f"{name}_trainer_s"] = round(statistics.median(trainer_s), 2)
        out[f"ratio_ours_over_bare_{precision}"] = round(out[f"ours_{precision}"] / out[f"bare_{precision}"], 3)
        out[f"ours_{precision}_outside_imports_and_trainer_s"] = round(
            out[f"ours_{precision}"] - imports_s - out[f"ours_{precision}_trainer_s"], 2)
    return out


PEAK = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
        "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode; "
        "print(round(time.perf_counter() - t, 4), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
        "sys.exit(code)")


# --tiny reads one command of each kind (a model's, a sweep's, the original
# interface's): it shows that the measure works; a full run times them all.
TINY_READS = ("probe --model RUN_ID --format json", "probe --sweep NAME", "causal-experiment --test STATE")


def read_only(workdir: Path, repeats: int = 3, tiny: bool = False) -> dict:
    """Seconds and peak memory (MB) of the commands that show what was
    recorded, on a small trained run and a 2-seed sweep: no torch is loaded."""
    import subprocess

    exe = str(Path(sys.executable).parent / "causal-tui")
    folder = workdir / "read-only"
    if tiny:
        # The run and the 2-seed sweep this benchmark already made (whole_process, sweep_rate), copied.
        shutil.copytree(workdir / "whole-ours_fp32-0", folder)
        shutil.copytree(workdir / "sweep-rate" / "out" / "sweeps", folder / "out" / "sweeps")
    else:
        folder.mkdir()
        small = ["--n-embd", "32", "--n-layer", "1", "--n-head", "2", "--train-size", "640", "--valid-size", "10",
                 "--test-size", "10", "--max-steps", "20", "--precision", "fp32"]
        _timed([exe, "train", "--holdout", HELD_OUT, *small], folder)
        _timed([exe, "sweep", "--seeds", "2", "--jobs", "2", "--holdout", "A=1&C=1", *small], folder)
    run_id = next((folder / "out" / "runs").glob("*")).name
    commands = {
        "probe (the current model)": ["probe"],
        "probe --model RUN_ID --format json": ["probe", "--model", run_id, "--format", "json"],
        "plot FILE.png --model RUN_ID": ["plot", "p.png", "--model", run_id],
        "export --model RUN_ID --output FILE.csv": ["export", "--model", run_id, "--output", "r.csv"],
        "runs show RUN_ID": ["runs", "show", run_id],
        "probe --sweep NAME": ["probe", "--sweep", "A1_C1"],
        "export --sweep NAME --output FILE.csv": ["export", "--sweep", "A1_C1", "--output", "s.csv"],
        "plot FILE.png --sweep NAME": ["plot", "s.png", "--sweep", "A1_C1"],
        "causal-experiment --test STATE": ["--test", HELD_OUT],
    }
    out = {}
    for name, argv in commands.items():
        if tiny and name not in TINY_READS:
            continue
        program = str(Path(sys.executable).parent / "causal-experiment") if name.startswith("causal-exp") else exe
        times, peaks = [], []
        for _ in range(repeats):
            # A small interpreter starts the command and reads its peak memory: a child forked from
            # this process (torch loaded) would count this process's pages as its own.
            r = subprocess.run([sys.executable, "-c", PEAK, program, *argv], cwd=folder, env=_env(),
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError(f"{name} failed: {r.stderr[-1000:]}")
            seconds, peak_kb = r.stdout.split()[-2:]
            times.append(float(seconds))
            peaks.append(int(peak_kb) / 1024)  # ru_maxrss is in KB on Linux
        out[name] = {"s": round(statistics.median(times), 3), "peak_mb": round(statistics.median(peaks), 1)}
    return out


def calibration_run(workdir: Path) -> dict:
    """What --precision auto decides here, measured afresh (an empty cache folder), and how long that took."""
    from causal_tui.training import calibration

    os.environ["CAUSAL_TUI_CACHE_DIR"] = str(workdir / "calibration-cache")
    start = time.perf_counter()
    choice = calibration.choose("auto")
    seconds = time.perf_counter() - start
    again = calibration.choose("auto")
    return {"choice": choice.used, "bf16_over_fp32": choice.bf16_over_fp32, "source": choice.source,
            "seconds": round(seconds, 2), "second_call_source": again.source, "text": choice.text()}


IMPORTS_MEASURED = ("torch", "transformers", "torch._dynamo", "torch.distributed.tensor")
TRAINING_IMPORTS = ("import causal_tui.cli.main, torch; "
                    "from transformers import GPT2LMHeadModel, Trainer, TrainingArguments")
"""What a `causal-tui train` process imports before its first step."""


def training_imports_s(repeats: int, warm_up: bool = True) -> float:
    """Wall seconds of importing what a training process imports, over an empty
    interpreter's start (median of `repeats`, after one run that writes bytecode)."""
    import subprocess

    def wall(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env=_env(), check=True)
        return time.perf_counter() - start

    if warm_up:
        wall(TRAINING_IMPORTS)
    return round(statistics.median(wall(TRAINING_IMPORTS) - wall("pass") for _ in range(repeats)), 2)


def import_seconds(repeats: int, warm_up: int = 1) -> dict:
    """What importing costs every process that trains: `python -X importtime`
    on importing causal_tui, torch and transformers' GPT-2 (transformers'
    modeling code with it), compiled bytecode: `warm_up` runs first (they
    write the bytecode), then the median of `repeats`. Cumulative seconds of
    torch, transformers, and two modules that transformers' modeling code
    imports whatever model is built."""
    import subprocess

    code = "import causal_tui, torch, transformers; from transformers import GPT2LMHeadModel"
    runs: dict[str, list[float]] = {name: [] for name in IMPORTS_MEASURED}
    for i in range(repeats + warm_up):
        r = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=_env(),
                           capture_output=True, text=True, check=True)
        seen: dict[str, float] = {}
        for line in r.stderr.splitlines():
            parts = line.split("|")
            if len(parts) == 3 and parts[1].strip().isdigit():
                seen.setdefault(parts[2].strip(), int(parts[1]) / 1e6)  # cumulative, microseconds
        if i >= warm_up:
            for name in IMPORTS_MEASURED:
                runs[name].append(seen.get(name, 0.0))
    return {name: round(statistics.median(values), 2) for name, values in runs.items()}


def sweep_rate(workdir: Path, tiny: bool, seeds: int) -> dict:
    """A `--until-perfect --jobs 2` sweep of `seeds` seeds: wall seconds and seeds per minute."""
    small = ["--n-embd", "32", "--n-layer", "1", "--n-head", "2", "--train-size", "640", "--valid-size", "10",
             "--test-size", "10"] if tiny else []
    exe = str(Path(sys.executable).parent / "causal-tui")
    folder = workdir / "sweep-rate"
    folder.mkdir()
    seconds = _timed([exe, "sweep", "--seeds", str(seeds), "--holdout", "A=1&C=1", "--until-perfect",
                      "--jobs", "2", *small], folder)
    return {"seeds": seeds, "seconds": round(seconds, 1), "seeds_per_minute": round(seeds / seconds * 60, 1)}


def probe_ms(model, tok, repeats: int, system=SEED) -> float:
    model.eval()
    probe.run(model, tok, system, HeldOut((), system))  # warm-up
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        probe.run(model, tok, system, HeldOut((), system))
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def inspect_ms(model, tok, repeats: int, system=SEED) -> dict:
    """The interpretability tools on the benchmark's trained model: do() and
    the input-output graph over every state; attention, logit lens and one
    causal trace for one state (newD of 0,0,0,1,0 with D flipped)."""
    from causal_tui.interpret import inspect as inspector

    model.eval()
    state = system.parse_state("0,0,0,1,0")
    completion = probe.run(model, tok, system, HeldOut((), system)).result(state).completion

    def median_ms(fn) -> float:
        fn()  # warm-up
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t) * 1000)
        return round(statistics.median(times), 2)

    found = inspector.one_state(model, tok, system, state, completion, ["newD"], ["D"])
    complete = not any("not_applicable" in part for part in
                       (found["attention"]["newD"], found["logit_lens"], found["tracing"]["newD"]["D"]))
    from causal_tui.interpret import interchange

    def iia():
        out = inspector.iia(model, tok, system, HeldOut.parse_list(HELD_OUT, SEED))
        iia.sites = sum(len(e["layers"]) * len(e["positions"]) for e in out.values())
        iia.pairs = sum(e["pairs"] for e in out.values())

    iia_ms = median_ms(iia) if repeats < 5 else _median_of(iia, 3)
    return {
        "iia_all_pairs_all_sites_s": round(iia_ms / 1000, 2),
        "iia_sites": iia.sites, "iia_pairs": iia.pairs, "iia_variables": list(interchange.variables(system)),
        "all_states_ms": median_ms(lambda: inspector.overview(model, tok, system, HeldOut((), system))),
        "one_state_ms": median_ms(lambda: inspector.one_state(model, tok, system, state, completion, ["newD"], ["D"])),
        "one_state_complete": complete,
        # An untrained model's completion may lack the field: then there is nothing to trace.
    }


def _median_of(fn, repeats: int) -> float:
    """Milliseconds, median of `repeats` after one warm-up: for calls of seconds."""
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def probe_256(config: TrainingConfig, sizes: dict, max_steps: int, repeats: int, workdir: Path) -> dict:
    """The probe over the 256 states of the bundled parity8 system, with the
    same model configuration trained until every state is exact (or for
    `max_steps`): a trained model is what the probe usually judges."""
    from causal_tui.systems.catalog import bundled

    system = bundled("parity8")
    ds = data.generate(HeldOut((), system), seed=0, sizes=sizes)
    # The default precision (auto): what a model trained with the defaults is probed in.
    cfg = replace(config, seed=0, until_perfect=True, max_steps=max_steps, precision="auto")
    run = training.prepare(ds, cfg, workdir / "probe-256")
    run.trainer.train()
    exact = probe.run(run.model.eval(), run.tokenizer, system, ds.omitted).exact(False)
    from causal_tui.learners import runtime

    return {"system": "parity8", "steps": run.trainer.state.global_step, "trained_exact": list(exact),
            "precision": runtime.of(run.model),
            "ms_median": round(probe_ms(run.model, run.tokenizer, repeats, system), 2)}


def first_paint_s(workdir: Path, repeats: int) -> float:
    """From starting `causal-tui` in a terminal (a pty, 80x24) to its first
    painted screen (the footer is drawn), median of `repeats`."""
    import fcntl
    import struct
    import termios

    exe = str(Path(sys.executable).parent / "causal-tui")
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(workdir)
            os.execve(exe, [exe], {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"})
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        seen, painted = b"", None
        deadline = start + 60
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
                if b"Re-probe" in seen:
                    painted = time.perf_counter() - start
                    break
        os.write(fd, b"\x11")  # ctrl+q
        for _ in range(100):
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
        if painted is None:
            raise RuntimeError("causal-tui did not paint within 60 s")
        times.append(painted)
    return statistics.median(times)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tiny", action="store_true", help="a few steps and a small model: shows that it works")
    p.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    p.add_argument("--compile", action="store_true",
                   help="also measure torch.compile on the bare loop (adds about a minute)")
    args = p.parse_args(argv)
    logs.setup(console=False, folder=Path(tempfile.gettempdir()) / "causal-tui-bench-logs")
    from causal_tui.store import provenance

    started_at = provenance.now()

    if args.tiny:
        config = TrainingConfig(n_embd=32, n_layer=1, n_head=2, epochs=1, precision="fp32")
        sizes, steps, warmup, orig_steps, seeds, repeats, paints = {"train": 400, "valid": 20, "test": 10}, 15, 3, 5, [0], 3, 1
        whole_repeats, sweep_seeds = 1, 2
    else:
        # The seed's model and hyperparameters; fp32 unless a measure says otherwise.
        config = TrainingConfig(precision="fp32")
        sizes, steps, warmup, orig_steps, seeds, repeats, paints = dict(data.DEFAULT_SIZES), 210, 20, 20, [0, 1, 2, 3, 4], 20, 3
        whole_repeats, sweep_seeds = 3, 10
    from causal_tui.training import calibration, precision as precision_mod

    bf16 = precision_mod.cpu_has_bf16() or precision_mod.cuda_has_bf16()
    dataset = data.generate(HeldOut.parse_list(HELD_OUT, SEED), seed=config.seed, sizes=sizes)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # Interleaved rounds, medians: a shared machine's speed drifts by tens
        # of percent over a minute, and every ratio should compare like with like.
        per_round = {"ours": [], "bare": [], "original": [], **({"ours_bf16": []} if bf16 else {})}
        for _ in range(2 if args.tiny else ROUNDS):  # --tiny: two rounds show that the medians work
            per_round["ours"].append(ours_ms_per_step(dataset, config, steps // ROUNDS, warmup, work))
            if bf16:
                per_round["ours_bf16"].append(
                    ours_ms_per_step(dataset, replace(config, precision="bf16"), steps // ROUNDS, warmup, work))
            per_round["bare"].append(bare_ms_per_step(dataset, config, steps // ROUNDS, warmup))
            per_round["original"].append(
                original_ms_per_step(dataset, config, orig_steps // ROUNDS, 3 if not args.tiny else 1, work))
        ours, bare, original = (statistics.median(per_round[k]) for k in ("ours", "bare", "original"))
        compiled = compiled_bare(dataset, config, steps // ROUNDS, warmup) if args.compile else None
        perfect, model, tok = time_to_perfect(config, seeds, sizes, work)
        perfect_auto = time_to_perfect(replace(config, precision="auto"), seeds, sizes, work)[0]
        full_runs = [full_run(replace(config, precision=p, **({"max_steps": 30} if args.tiny else {})), sizes, work)
                     for p in (("fp32", "bf16") if bf16 else ("fp32",))]
        imports = import_seconds(1, warm_up=0) if args.tiny else import_seconds(3)
        imports["training_process"] = training_imports_s(1, warm_up=False) if args.tiny else training_imports_s(3)
        # --tiny: fp32 only (it shows that the comparison works; bf16 doubles its time)
        whole = whole_process(work, args.tiny, whole_repeats, bf16 and not args.tiny, imports["training_process"])
        rate = sweep_rate(work, args.tiny, sweep_seeds)
        rate["ratio_over_whole_process"] = round(rate["seconds"] / whole["ours_fp32"], 2)
        reads = read_only(work, 1 if args.tiny else 3, tiny=args.tiny)
        calibrated = calibration_run(work)
        probe_latency = probe_ms(model, tok, repeats)
        inspect_latency = inspect_ms(model, tok, repeats)
        probe_256_states = probe_256(config, sizes, 20 if args.tiny else 4000, repeats, work)
        paint_dir = work / "paint"
        paint_dir.mkdir()
        data.write(dataset, paint_dir / "dataset")
        paint = first_paint_s(paint_dir, paints)

    result = {
        "mode": "tiny" if args.tiny else "full",
        # what a published figure cites: version, commit, libraries, CPU or GPU, when
        "provenance": provenance.collect("fp32 and bf16" if bf16 else "fp32", started_at, provenance.now()),
        "machine": machine(),
        "config": {"model": f"n_embd {config.n_embd}, n_layer {config.n_layer}, n_head {config.n_head}",
                   "batch_size": config.batch_size, "lr": config.lr,
                   "held_out": HELD_OUT, "train_lines": sizes["train"]},
        "ours_ms_per_step": round(ours, 2),
        "bare_ms_per_step": round(bare, 2),
        "original_ms_per_step": round(original, 2),
        "ratio_ours_over_bare": round(ours / bare, 3),
        "ratio_original_over_ours": round(original / ours, 2),
        "time_to_perfect": perfect,
        "time_to_perfect_median_s": median_seconds(perfect),
        "precision_auto": calibration.resolve("auto"),
        "ours_bf16_ms_per_step": round(statistics.median(per_round["ours_bf16"]), 2) if bf16 else None,
        "ratio_bf16_over_fp32": round(statistics.median(per_round["ours_bf16"]) / ours, 3) if bf16 else None,
        "time_to_perfect_auto": perfect_auto,
        "time_to_perfect_auto_median_s": median_seconds(perfect_auto),
        "ratio_perfect_auto_over_fp32": (round(median_seconds(perfect_auto) / median_seconds(perfect), 3)
                                         if median_seconds(perfect_auto) and median_seconds(perfect) else None),
        "full_runs": full_runs,
        "whole_process_s": whole,
        "read_only": reads,
        "calibration": calibrated,
        "sweep": rate,
        "import_s": imports,
        "probe_ms_median": round(probe_latency, 2),
        "probe_256": probe_256_states,
        "inspect": inspect_latency,
        "first_paint_s_median": round(paint, 3),
        "torch_compile_bare": compiled,
        "steps_timed": {"ours": steps, "bare": steps, "original": orig_steps, "rounds": ROUNDS},
        "ms_per_step_by_round": {k: [round(v, 2) for v in vs] for k, vs in per_round.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print_table(result)
    print(f"\nwrote {args.out}")
    return 0


def print_table(r: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    m = r["machine"]
    pv = r["provenance"]
    commit = (pv["git_commit"] or "")[:7] + ("+dirty" if pv.get("git_dirty") else "")
    t = Table(title=f"causal-tui benchmark ({r['mode']}): {m['cpu']}, {m['cores']} cores, torch {m['torch']}"
                    f" ({m['torch_threads']} threads)" + (f", {m['cuda']}" if m["cuda"] else ", CPU")
                    + f"; causal-tui {pv['causal_tui']} {commit}, transformers {pv['transformers']}, "
                      f"{pv['started_at']}")
    t.add_column("measure")
    t.add_column("value", justify="right")
    t.add_row("ours: ms/step (Trainer path)", f"{r['ours_ms_per_step']:.1f}")
    t.add_row("bare PyTorch loop: ms/step", f"{r['bare_ms_per_step']:.1f}")
    t.add_row("original recipe: ms/step", f"{r['original_ms_per_step']:.1f}")
    if r["torch_compile_bare"]:
        c = r["torch_compile_bare"]
        t.add_row("bare + torch.compile: first step s", f"{c['first_step_s']:.1f}")
        t.add_row("bare + torch.compile: ms/step after", f"{c['ms_per_step_after']:.1f}")
    t.add_row("ours / bare", f"{r['ratio_ours_over_bare']:.3f}")
    t.add_row("original / ours", f"{r['ratio_original_over_ours']:.1f}")
    def perfect_rows(label: str, runs: list[dict], median: float | None) -> None:
        for p in runs:
            shown = f"{p['seconds']:.2f} s (step {p['step']})" if p["seconds"] is not None else "not reached"
            t.add_row(f"time to perfect, {label}seed {p['seed']}", shown)
        t.add_row(f"time to perfect, {label}median", "-" if median is None else f"{median:.2f} s")

    perfect_rows("", r["time_to_perfect"], r["time_to_perfect_median_s"])
    if r["ours_bf16_ms_per_step"] is not None:
        t.add_row("ours bf16: ms/step (Trainer path)", f"{r['ours_bf16_ms_per_step']:.1f}")
        t.add_row("ours bf16 / ours fp32", f"{r['ratio_bf16_over_fp32']:.3f}")
    perfect_rows(f"{r['precision_auto']} (auto), ", r["time_to_perfect_auto"], r["time_to_perfect_auto_median_s"])
    if r["ratio_perfect_auto_over_fp32"] is not None:
        t.add_row("time to perfect: auto / fp32", f"{r['ratio_perfect_auto_over_fp32']:.3f}")
    for label, runs in (("fp32", r["time_to_perfect"]), (r["precision_auto"], r["time_to_perfect_auto"])):
        right = ", ".join(f"{x['held_out_fields_right']}" for x in runs)
        t.add_row(f"held-out fields right (of {len(SEED.fields)}) at perfect, {label}, per seed", right)
    for run in r["full_runs"]:
        t.add_row(f"seed config, all epochs, {run['precision']}: s ({run['steps']} steps)",
                  f"{run['seconds']:.1f} (exact {run['trained_exact'][0]}/{run['trained_exact'][1]}, "
                  f"held-out {run['held_out_exact'][0]}/{run['held_out_exact'][1]})")
    w = r["whole_process_s"]
    for precision in ("fp32", "bf16"):
        if f"ours_{precision}" not in w:
            continue
        t.add_row(f"whole process train --until-perfect, {precision}: ours / bare s",
                  f"{w[f'ours_{precision}']:.2f} / {w[f'bare_{precision}']:.2f}")
        t.add_row(f"  ours over bare, {precision}", f"{w[f'ratio_ours_over_bare_{precision}']:.3f}")
        t.add_row(f"  ours: imports / Trainer run / everything else, {precision}: s",
                  f"{r['import_s']['training_process']:.2f} / {w[f'ours_{precision}_trainer_s']:.2f} / "
                  f"{w[f'ours_{precision}_outside_imports_and_trainer_s']:.2f}")
    c = r["calibration"]
    t.add_row("precision auto: calibration (bf16 / fp32 step), choice",
              f"{c['bf16_over_fp32'] if c['bf16_over_fp32'] is not None else '-'} -> {c['choice']} "
              f"({c['source']}, {c['seconds']:.2f} s; then {c['second_call_source']})")
    for name, m in r["read_only"].items():
        t.add_row(f"read-only: {name}: s, peak MB", f"{m['s']:.2f}, {m['peak_mb']:.0f}")
    sw = r["sweep"]
    t.add_row(f"sweep of {sw['seeds']} seeds, --until-perfect --jobs 2: s", f"{sw['seconds']:.1f}")
    t.add_row("sweep: seeds per minute", f"{sw['seeds_per_minute']:.1f}")
    t.add_row("sweep / one whole process", f"{sw['ratio_over_whole_process']:.2f}")
    im = r["import_s"]
    t.add_row("imports (-X importtime): torch / transformers with GPT-2: s",
              f"{im['torch']:.2f} / {im['transformers']:.2f}")
    t.add_row("  of which torch._dynamo / torch.distributed.tensor: s",
              f"{im['torch._dynamo']:.2f} / {im['torch.distributed.tensor']:.2f}")
    t.add_row("probe, 32 states: median ms", f"{r['probe_ms_median']:.1f}")
    t.add_row("inspect: do() + graph, all 32 states: median ms", f"{r['inspect']['all_states_ms']:.1f}")
    t.add_row("inspect: attention + lens + tracing, one state: median ms",
              f"{r['inspect']['one_state_ms']:.1f}" + ("" if r["inspect"]["one_state_complete"] else " (incomplete)"))
    t.add_row(f"interchange (--iia): {r['inspect']['iia_pairs']} pairs x {r['inspect']['iia_sites']} sites: s",
              f"{r['inspect']['iia_all_pairs_all_sites_s']:.2f}")
    p256 = r["probe_256"]
    t.add_row(f"probe, 256 states (parity8, {p256['precision']}, {p256['trained_exact'][0]}/"
              f"{p256['trained_exact'][1]} exact after {p256['steps']} steps): median ms", f"{p256['ms_median']:.1f}")
    t.add_row("causal-tui first paint: median s", f"{r['first_paint_s_median']:.3f}")
    Console().print(t)


if __name__ == "__main__":
    sys.exit(main())
