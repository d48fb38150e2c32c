"""Every setting a user gives, declared once: its name, type, default, range
or choices, help with an example, and the actions it applies to.

From these declarations come the flags of `causal-tui` and
`causal-experiment`, the Train screen's form, the keyword arguments of
`ct.train` / `ct.sweep` / `ct.inspect` (same names, same help), the keys of
an experiment file and of a grid, and the one validation (check.py) that
runs before anything is written. Adding a setting is adding a `Setting`
here and using its value where it matters (docs/development.md).

The actions:

    train       causal-tui train (and the original's --train-only)
    sweep       causal-tui sweep, an experiment file, ct.sweep
    dashboard   causal-tui without a command, causal-tui serve
    inspect     causal-tui inspect, ct.inspect
    generate    causal-experiment --generate
    experiment  causal-experiment --train
    test        causal-experiment --test
    read        causal-tui probe, plot, export (a saved model or sweep)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from causal_tui.data.dataset import DEFAULT_DIR, DEFAULT_SEED, DEFAULT_SIZES
from causal_tui.learners import registry
from causal_tui.store.model_folder import DEFAULT_OUT

ACTIONS = ("train", "sweep", "dashboard", "inspect", "generate", "experiment", "test", "read")
ORIGINAL = frozenset({"generate", "experiment", "test"})
"""The actions of `causal-experiment` (the original's command line)."""

PRECISIONS = ("auto", "fp32", "bf16")
REPORT_TO = ("none", "tensorboard")
DEVICES = ("auto", "cpu", "cuda")
BACKENDS = ("local", "ray")
VARY = ("both", "data", "init")
HEADS = ("tokens", "regression")

DATASET, TRAINING, FILES, SWEEP, INSPECT = "Dataset", "Training (defaults: the original experiment's)", "Files", \
    "Sweep", "Inspect"
"""Help panels (the groups of `--help`)."""


@dataclass(frozen=True)
class Setting:
    """One setting, as every front end sees it."""

    name: str
    """Its one name: the flag (--name-with-dashes), the API keyword, the experiment file's and grid's key."""
    kind: type
    """bool, int, float, str or Path."""
    default: object
    """The value where it is not given (None: none, or one derived from other settings; see default_text)."""
    help: str
    """One sentence, ending with an example."""
    actions: frozenset[str]
    panel: str
    choices: tuple | Callable[[], tuple] | None = None
    """The values allowed (a callable where they can grow, as learners can be registered)."""
    low: float | None = None
    high: float | None = None
    """Inclusive bounds of a number (None: unbounded on that side)."""
    default_text: str | None = None
    """How the help states a derived default."""
    aliases: tuple[str, ...] = ()
    """Other flags for it (the original's -o / --omit)."""
    original_flags: tuple[str, ...] | None = None
    """Its flags on causal-experiment where they differ from --name (the original's -o / --omit)."""
    metavar: str | None = None
    config: bool = False
    """A field of TrainingConfig: an experiment file's [training] key and a Train screen field."""
    grid: bool = False
    """May be an axis of a sweep's grid (--grid 'lr=5e-4,1e-3')."""
    form: str | None = None
    """Its label on the Train screen (None: not there)."""
    needs: tuple[str, str] | None = None
    """(another setting, why): given without that one, it is refused (--das-dims needs --das)."""
    action_defaults: tuple[tuple[str, object], ...] = ()
    """(action, default) where an action's default differs (a saved model is read on the CPU)."""

    def default_for(self, action: str):
        return dict(self.action_defaults).get(action, self.default)

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def flags_for(self, action: str) -> tuple[str, ...]:
        """Its flags on the command line of `action`."""
        if action in ORIGINAL and self.original_flags is not None:
            return self.original_flags
        return (self.flag, *self.aliases)

    def allowed(self) -> tuple | None:
        return self.choices() if callable(self.choices) else self.choices

    def default_words(self, action: str = "train") -> str:
        """'default 16', or what the default is where it is derived."""
        if self.default_text is not None:
            return self.default_text
        value = self.default_for(action)
        if self.kind is bool:
            return "default off" if not value else "default on"
        if value is None:
            return ""
        if isinstance(value, float):
            value = f"{value:g}"
        elif isinstance(value, int) and value >= 10_000:
            value = f"{value:,}"
        return f"default {value}"

    def help_text(self, action: str = "train") -> str:
        """The help every front end shows: the sentence and its default."""
        words = self.default_words(action)
        return f"{self.help} ({words})." if words else f"{self.help}."


def _learners() -> tuple[str, ...]:
    return tuple(registry.names())


DATA_ACTIONS = frozenset({"train", "sweep", "dashboard", "generate", "experiment"})
ONE_DATASET = frozenset({"train", "dashboard", "generate", "experiment"})
TRAIN_ACTIONS = frozenset({"train", "sweep", "dashboard", "experiment"})
ONE_MODEL = frozenset({"train", "dashboard", "experiment"})

_SIZES = "; ".join(f"{name} {s.sizes['n_embd']}" for name, s in registry.LEARNERS.items() if s.listed)

SETTINGS: tuple[Setting, ...] = (
    # -- what is learned, and what is held out --------------------------------------
    Setting("system", str, None, "A system file or a bundled one, e.g. --system chain",
            DATA_ACTIONS | {"test"}, DATASET, metavar="FILE|NAME", default_text="default: dataset/'s, or seed"),
    Setting("holdout", str, None, "Held out of training: a list '1,0,1,0,1;0,0,0,0,0', 'random-K' or a "
            "condition, e.g. 'A=1&C=1'", DATA_ACTIONS, DATASET, metavar="STATES",
            aliases=("--omit", "-o"), original_flags=("-o", "--omit")),
    Setting("holdout_seed", int, 0, "The seed that draws a 'random-K' holdout, e.g. --holdout random-4 "
            "--holdout-seed 3", DATA_ACTIONS - ORIGINAL, DATASET, low=0, high=2**32 - 1, metavar="N"),
    Setting("seed", int, DEFAULT_SEED, "Seed of the dataset and of the training (weights, batch order), "
            "e.g. --seed 3", ONE_DATASET, DATASET, low=0, high=2**32 - 1, metavar="N", config=True, form="seed"),
    *(Setting(f"{split}_size", int, n, f"Lines in {split}.jsonl, e.g. --{split}-size {n // 10:,}".replace(",", ""),
              DATA_ACTIONS, DATASET, low=1, high=10_000_000, metavar="N")
      for split, n in DEFAULT_SIZES.items()),
    Setting("every_state", bool, False, "train.jsonl holds every trained state once, shuffled (as Abbe et al. "
            "train), not --train-size lines drawn with replacement, e.g. --every-state", DATA_ACTIONS, DATASET),
    # -- the learner and its training ---------------------------------------------------
    Setting("arch", str, "gpt2", "The learner, each sized to about GPT-2 128/4/4's parameters, e.g. --arch lstm",
            TRAIN_ACTIONS, TRAINING, choices=_learners, config=True, grid=True, form="learner",
            metavar="|".join(registry.names())),
    Setting("head", str, "tokens", "What the learner outputs: the completion as tokens, or each field as a real "
            "number trained with squared error (regression, as Abbe et al.; gpt2 and mlp), e.g. --head regression",
            TRAIN_ACTIONS, TRAINING, choices=HEADS, config=True, grid=True, form="head"),
    Setting("epochs", float, 3.0, "Passes over train.jsonl, e.g. --epochs 5", TRAIN_ACTIONS, TRAINING,
            low=1e-6, high=100_000, metavar="N", config=True, grid=True, form="epochs"),
    Setting("lr", float, 5e-4, "Peak learning rate of AdamW, decayed linearly, e.g. --lr 1e-3", TRAIN_ACTIONS,
            TRAINING, low=1e-9, high=1.0, metavar="RATE", config=True, grid=True, form="learning rate"),
    Setting("batch_size", int, 16, "Examples per step, e.g. --batch-size 32", TRAIN_ACTIONS, TRAINING, low=1,
            high=65_536, metavar="N", config=True, grid=True, form="batch size"),
    Setting("n_embd", int, 128, "Width: GPT-2's embedding, the LSTM's hidden size, the MLP's layers, "
            "e.g. --n-embd 64", TRAIN_ACTIONS, TRAINING, low=1, high=8192, metavar="N", config=True, grid=True,
            form="width (n_embd)", default_text=f"default by learner: {_SIZES}"),
    Setting("n_layer", int, 4, "Depth: transformer blocks, LSTM layers, MLP hidden layers, e.g. --n-layer 2",
            TRAIN_ACTIONS, TRAINING, low=1, high=128, metavar="N", config=True, grid=True, form="layers"),
    Setting("n_head", int, 4, "GPT-2's attention heads, which must divide the width, e.g. --n-head 2",
            TRAIN_ACTIONS, TRAINING, low=1, high=256, metavar="N", config=True, grid=True, form="heads"),
    Setting("precision", str, "fp32", "fp32 (the default: a machine gives the same numbers every run), bf16 "
            "under autocast, or auto (bf16 where this machine has it and a calibration, cached, shows it faster), "
            "e.g. --precision bf16", TRAIN_ACTIONS, TRAINING, choices=PRECISIONS, config=True, grid=True,
            form="precision"),
    Setting("report_to", str, "none", "tensorboard writes event files into the run's folder (uv sync --extra "
            "tensorboard), e.g. --report-to tensorboard", TRAIN_ACTIONS, TRAINING, choices=REPORT_TO, config=True,
            form="report to"),
    Setting("device", str, "auto", "Where the model runs: auto (a GPU where torch sees one), cpu or cuda; a saved "
            "model is read on the CPU unless asked, e.g. --device cpu", TRAIN_ACTIONS | {"inspect", "read"},
            TRAINING, choices=DEVICES, config=True, form="device",
            action_defaults=(("inspect", "cpu"), ("read", "cpu"))),
    Setting("max_steps", int, None, "Stop after N steps whatever the epochs, e.g. --max-steps 200", TRAIN_ACTIONS,
            TRAINING, low=1, high=100_000_000, metavar="N", config=True, default_text="default: off"),
    Setting("probe_every", int, None, "Record the probe of every state and the learned function's degree profile "
            "every N steps (when answers settle, how the spectrum moves), e.g. --probe-every 50", TRAIN_ACTIONS,
            TRAINING, low=1, high=1_000_000, metavar="N", config=True, default_text="default: off", form="probe every"),
    Setting("until_perfect", bool, False, "Stop as soon as every trained state is exact under greedy decoding, "
            "e.g. --until-perfect", TRAIN_ACTIONS, TRAINING, config=True, form="stop once trained exact"),
    Setting("resume", bool, False, "Continue from the last complete checkpoint in out/, e.g. --resume",
            frozenset({"train", "experiment"}), TRAINING),
    # -- files ----------------------------------------------------------------------------
    Setting("dataset_dir", Path, DEFAULT_DIR, "The folder of the JSONL files, e.g. --dataset-dir data/",
            ONE_DATASET, FILES, metavar="DIR", default_text=f"default {DEFAULT_DIR}/"),
    Setting("out_dir", Path, DEFAULT_OUT, "Models, runs and sweeps, e.g. --out-dir results/",
            frozenset(ACTIONS) - {"generate"}, FILES, metavar="DIR", default_text=f"default {DEFAULT_OUT}/"),
    Setting("model", str, None, "A saved model (a folder or a run id) to read, e.g. --model RUN_ID", frozenset({"dashboard", "inspect", "read"}), FILES, metavar="DIR|RUN_ID",
            default_text="default: the current model"),
    # -- sweeps -----------------------------------------------------------------------------
    Setting("seeds", int, 10, "Seeds 0 to N-1, one model each, e.g. --seeds 5", frozenset({"sweep"}), SWEEP,
            low=1, high=10_000, metavar="N"),
    Setting("jobs", int, 1, "Seeds trained at once, e.g. --jobs 2", frozenset({"sweep"}), SWEEP, low=1, high=256,
            metavar="N"),
    Setting("name", str, None, "The sweep's folder under out/sweeps/, e.g. --name A1_C1-lr", frozenset({"sweep"}),
            SWEEP, metavar="NAME", default_text="default: from the holdout"),
    Setting("grid", str, None, "Every combination for every seed, e.g. --grid 'arch=gpt2,lstm n_layer=1,4'",
            frozenset({"sweep"}), SWEEP, metavar="'KEY=V,V ...'", default_text="default: one configuration"),
    Setting("backend", str, "local", "Local worker processes, or Ray tasks, e.g. --backend ray",
            frozenset({"sweep"}), SWEEP, choices=BACKENDS),
    Setting("address", str, None, "A running Ray cluster (ray://head:10001), e.g. --address ray://head:10001",
            frozenset({"sweep"}), SWEEP, metavar="ADDR", needs=("backend", "an address is for the ray backend "
                                                                    "(--backend ray)"),
            default_text="default: a local instance"),
    Setting("vary", str, "both", "What differs between seeds: their dataset and initialisation (both), the data "
            "only or the init only, e.g. --vary init", frozenset({"sweep"}), SWEEP, choices=VARY),
    # -- looking inside ------------------------------------------------------------------------
    Setting("state", str, None, "One state to look at closely (attention, logit lens, tracing), e.g. 0,1,0,1,1",
            frozenset({"inspect"}), INSPECT, metavar="STATE"),
    Setting("field", str, None, "The field whose attention and tracing to show, e.g. --field newD",
            frozenset({"inspect"}), INSPECT, metavar="FIELD",
            default_text="default: the first whose rule reads other fields"),
    Setting("flip", str, None, "The input tracing flips, e.g. --flip D", frozenset({"inspect"}), INSPECT,
            metavar="INPUT", default_text="default: the first whose flip changes the field"),
    Setting("spectrum", bool, False, "The learned function on the cube: the Walsh spectrum of its probability of "
            "1, beside the truth's and the min-degree interpolator's, e.g. --spectrum", frozenset({"inspect"}),
            INSPECT),
    Setting("iia", bool, False, "Interchange interventions: where inside the model, if anywhere, each "
            "intermediate variable is held, e.g. --iia", frozenset({"inspect"}), INSPECT),
    Setting("variable", str, None, "With --iia: only this variable, e.g. --variable newB", frozenset({"inspect"}),
            INSPECT, metavar="V", needs=("iia", "--variable applies to interchange interventions: add --iia"),
            default_text="default: every equation output a later equation reads"),
    Setting("das", bool, False, "With --iia: also learn a rotation at each layer and interchange a subspace "
            "only (alignment search), e.g. --das", frozenset({"inspect"}), INSPECT,
            needs=("iia", "--das applies to interchange interventions: add --iia")),
    Setting("das_dims", int, 1, "With --das: the subspace's dimension, e.g. --das-dims 2", frozenset({"inspect"}),
            INSPECT, low=1, high=8192, metavar="K",
            needs=("das", "--das-dims applies to the alignment search: add --das")),
)

BY_NAME: dict[str, Setting] = {s.name: s for s in SETTINGS}
CONFIG: tuple[Setting, ...] = tuple(s for s in SETTINGS if s.config)
"""The settings that are fields of TrainingConfig (an experiment file's [training] table)."""
GRID: tuple[Setting, ...] = tuple(s for s in SETTINGS if s.grid)
RENAMED: dict[str, str] = {"learning_rate": "lr"}
"""Names of earlier versions (records, experiment files and grids written then), read as today's."""


def of(action: str) -> tuple[Setting, ...]:
    """The settings of an action, in declaration order."""
    return tuple(s for s in SETTINGS if action in s.actions)


def get(name: str) -> Setting:
    return BY_NAME[name]
