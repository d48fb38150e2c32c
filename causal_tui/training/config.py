"""TrainingConfig: every hyperparameter of a training, with its default (the
original experiment's) and its checks, in one place."""

from __future__ import annotations

from dataclasses import dataclass, fields

from causal_tui.data.dataset import DEFAULT_SEED
from causal_tui.errors import UserError
from causal_tui.learners.registry import ARCH_SIZES, ARCHS
from causal_tui.training.precision import CHOICES

REPORT_TO = ("none", "tensorboard")
DEVICES = ("auto", "cpu", "cuda")

FLAGS: dict[str, str] = {
    "arch": "arch", "epochs": "epochs", "lr": "learning_rate", "batch_size": "batch_size", "n_embd": "n_embd",
    "n_layer": "n_layer", "n_head": "n_head", "report_to": "report_to", "precision": "precision",
    "max_steps": "max_steps", "until_perfect": "until_perfect", "device": "device",
}
"""The training flags of the command lines (and keys of an experiment file's
[training] table, '-' written '_') -> the TrainingConfig field each sets."""


@dataclass
class TrainingConfig:
    """Hyperparameters. Defaults are the original experiment's."""

    epochs: float = 3.0
    """Passes over train.jsonl (the original trained 3)."""
    learning_rate: float = 5e-4
    """AdamW peak learning rate, decayed linearly (the original's 5e-4)."""
    batch_size: int = 16
    """Examples per step (the original's 16)."""
    seed: int = DEFAULT_SEED
    """Seeds weight init and batch order: same seed, same run on CPU."""
    arch: str = "gpt2"
    """The learner: gpt2 (the original's), lstm or mlp (see models/)."""
    n_embd: int = 128
    """Width: GPT-2's embedding (the original's 128), the LSTM's hidden size, the MLP's layers."""
    n_layer: int = 4
    """Depth (the original's 4): transformer blocks, LSTM layers, MLP hidden layers."""
    n_head: int = 4
    """GPT-2's attention heads; must divide n_embd (the original's 4)."""
    max_steps: int = -1
    """Stop after this many steps regardless of epochs (-1: off). For tests."""
    logging_steps: int = 10
    """Report the training loss every this many steps."""
    until_perfect: bool = False
    """Stop as soon as every trained state is exact under greedy decoding."""
    check_every: int = 5
    """With until_perfect, check every this many steps (one forward pass, ~ms)."""
    precision: str = "auto"
    """auto (bf16 where the CPU or GPU has it, else fp32), fp32 or bf16 (autocast)."""
    report_to: str = "none"
    """none, or tensorboard: the Trainer writes event files into the run's folder."""
    device: str = "auto"
    """auto (CUDA where torch sees a GPU, else the CPU), cpu or cuda."""

    def validate(self) -> None:
        """UserError for values the Trainer would choke on later."""
        self._check_types()
        if not self.epochs > 0:
            raise UserError(f"epochs must be positive, got {self.epochs}")
        if not self.learning_rate > 0:
            raise UserError(f"learning rate must be positive, got {self.learning_rate}")
        if not 0 < self.learning_rate < 1:
            raise UserError(f"learning rate {self.learning_rate} is out of range (0, 1)")

        if self.report_to not in REPORT_TO:
            raise UserError(f"report_to must be none or tensorboard, got {self.report_to!r}")
        if self.report_to == "tensorboard":
            import importlib.util

            if importlib.util.find_spec("tensorboard") is None:
                raise UserError("--report-to tensorboard needs TensorBoard: install it with "
                                "`uv sync --extra tensorboard`")
        if self.device not in DEVICES:
            raise UserError(f"device must be one of {', '.join(DEVICES)}, got {self.device!r}")
        if self.precision not in CHOICES:
            raise UserError(f"precision must be one of {', '.join(CHOICES)}, got {self.precision!r}")
        if self.arch not in ARCHS:
            raise UserError(f"unknown architecture {self.arch!r}: choose {', '.join(ARCHS)}")
        for name in ("batch_size", "n_embd", "n_layer", "n_head", "logging_steps", "check_every"):
            if getattr(self, name) < 1:
                raise UserError(f"{name.replace('_', ' ')} must be at least 1, got {getattr(self, name)}")
        if self.arch == "gpt2" and self.n_embd % self.n_head:
            raise UserError(f"n_head ({self.n_head}) must divide n_embd ({self.n_embd})")
        if self.max_steps != -1 and self.max_steps < 1:
            raise UserError(f"max steps must be at least 1, got {self.max_steps}")

    def _check_types(self) -> None:
        """Each field of the type it is declared (values from a file may be anything)."""
        kinds = {"float": (int, float), "int": (int,), "str": (str,), "bool": (bool,)}
        for f in fields(self):
            value = getattr(self, f.name)
            ok = isinstance(value, kinds[f.type]) and (f.type == "bool" or not isinstance(value, bool))
            if not ok:
                flag = next((k for k, v in FLAGS.items() if v == f.name), f.name)
                what = {"float": "a number", "int": "a whole number", "str": "a string", "bool": "true or false"}
                raise UserError(f"{flag} must be {what[f.type]}, got {value!r}")

    @classmethod
    def for_arch(cls, arch: str, **settings) -> "TrainingConfig":
        """A config for `arch` with its default size (learners' ARCH_SIZES) unless given."""
        return cls(**{"arch": arch, **ARCH_SIZES.get(arch, {}), **settings})

    @classmethod
    def from_flags(cls, flags: dict, seed: int | None = None) -> "TrainingConfig":
        """A checked config from training flags by name ({"lr": 1e-3, "arch": "lstm"});
        flags left out (or None) take their defaults, sizes the learner's.
        UserError names an unknown flag or a bad value."""
        unknown = sorted(set(flags) - set(FLAGS))
        if unknown:
            raise UserError(f"unknown training setting {unknown[0]!r} (settings: {', '.join(FLAGS)})")
        settings = {FLAGS[k]: v for k, v in flags.items() if v is not None}
        if seed is not None:
            settings["seed"] = seed
        config = cls.for_arch(settings.pop("arch", "gpt2"), **settings)
        config.validate()
        return config

    def flags(self) -> dict:
        """Every training flag's value for this config (what from_flags reads back; the seed apart)."""
        return {flag: getattr(self, name) for flag, name in FLAGS.items()}
