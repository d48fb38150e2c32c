"""Rewrite a dataset or a model folder in a loop, alternating two versions,
until killed. Used by test_robustness.py to kill writes at random moments.

    python rewrite_forever.py dataset|model FOLDER REFS [no-exchange]

Writes the two reference versions to REFS/a and REFS/b first, then prints
"ready". Then, for every line "go" on its input, it forks a child that loops
FOLDER <- b, a, b, a, ... until killed, prints the child's pid, waits for
it to die and prints "dead". One process imports torch once for every kill
(an import costs seconds; a fork, milliseconds)."""

import os
import sys
from pathlib import Path

from causal_tui.data import dataset as data
from causal_tui.store import atomic
from causal_tui.systems.catalog import SEED
from causal_tui.systems.holdout import HeldOut
from causal_tui.training.config import TrainingConfig

kind, folder, refs = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
if "no-exchange" in sys.argv:
    atomic._exchange = lambda a, b: False  # exercise the two-rename fallback

if kind == "dataset":
    versions = [data.generate(HeldOut((), SEED), seed=s, sizes={"train": 20_000, "valid": 2_000, "test": 2_000}) for s in (1, 2)]

    def write(i, target):
        data.write(versions[i], target)
else:
    import torch

    from causal_tui.data import tokenizer
    from causal_tui.store import model_folder
    from causal_tui.training import trainer as training

    tok = tokenizer.build(SEED)
    models = []
    for s in (1, 2):
        torch.manual_seed(s)
        models.append(training.build_model(TrainingConfig(n_embd=64, n_layer=2, n_head=2), tok, SEED))

    def write(i, target):
        model_folder.save(target, models[i], tok, {"version": "ab"[i], "dataset": {"omitted": []}})

for i, name in enumerate("ab"):
    write(i, refs / name)
print("ready", flush=True)
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        i = 1
        while True:
            write(i, folder)
            i = 1 - i
    print(pid, flush=True)
    os.waitpid(pid, 0)
    print("dead", flush=True)
