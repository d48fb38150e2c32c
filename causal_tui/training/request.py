"""A single training, asked for: TrainRequest, built by every front end (the
command lines, the dashboard, the API) from the declared settings, checked
whole before anything is written, and handed to pipeline.train."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from causal_tui.data import dataset as data
from causal_tui.errors import UserError
from causal_tui.settings import check, declared
from causal_tui.systems import catalog
from causal_tui.systems.holdout import HeldOut
from causal_tui.systems.system import System
from causal_tui.training.config import CONFIG_FIELDS, TrainingConfig

DATASET_SETTINGS = ("system", "holdout", "seed", "sizes")


@dataclass(frozen=True)
class TrainRequest:
    """Everything one training is: what it trains on, how, and where it writes."""

    held_out: HeldOut
    """The held-out states, with their system and the text the user wrote."""
    config: TrainingConfig
    """How it trains; its seed is the dataset's too."""
    sizes: dict[str, int]
    dataset_dir: Path
    out_dir: Path
    resume: bool = False
    regenerate: bool = True
    """dataset/ is written again where what is asked differs from it; without,
    dataset/ is used as it is and a difference in what was given is refused."""
    given: frozenset[str] = frozenset()
    """Which of system, holdout, seed and sizes the user gave (DATASET_SETTINGS)."""
    source: str = "train"
    """What the run record says made it: train, dashboard, api, causal-experiment."""
    every_state: bool = False
    """train.jsonl is every trained state once (data.generate)."""
    dataset_seed: int | None = None
    """The seed that draws dataset/ where it differs from the training's (the
    dashboard keeps the two apart); None: the training's seed, as the command lines have it."""

    @property
    def system(self) -> System:
        return self.held_out.system

    @property
    def seed(self) -> int:
        """The seed of dataset/."""
        return self.config.seed if self.dataset_seed is None else self.dataset_seed

    @classmethod
    def from_settings(cls, values: dict, action: str = "train", source: str = "train",
                      regenerate: bool = True, system: System | None = None) -> "TrainRequest":
        """A checked request from settings by name ({"holdout": "A=1&C=1", "lr": 1e-3},
        None for "not given"); `system`, a System given as an object (the API).
        UserError, in one line, for anything wrong; nothing has been written then."""
        given = check.check_values(values, action)
        check.check_holdout_seed(given)
        check.check_every_state(given)
        if system is not None:
            system_given = True
        else:
            system, system_given = resolve_system(given.get("system"), given.get("dataset_dir", data.DEFAULT_DIR))
        holdout = given.get("holdout")
        if holdout is not None:
            held_out = HeldOut.parse(holdout, system, seed=given.get("holdout_seed", 0))
        else:
            held_out = HeldOut((), system)
        sizes = {split: given.get(f"{split}_size", n) for split, n in data.DEFAULT_SIZES.items()}
        config = TrainingConfig.from_settings({k: v for k, v in given.items() if k in CONFIG_FIELDS})
        marks = {"system": system_given, "holdout": holdout is not None, "seed": "seed" in given,
                 "sizes": any(f"{split}_size" in given for split in data.SPLITS) or "every_state" in given}
        request = cls(held_out=held_out, config=config, sizes=sizes,
                      dataset_dir=Path(given.get("dataset_dir", declared.get("dataset_dir").default)),
                      out_dir=Path(given.get("out_dir", declared.get("out_dir").default)),
                      resume=given.get("resume", False), regenerate=regenerate,
                      every_state=given.get("every_state", False),
                      given=frozenset({"held_out" if k == "holdout" else k for k, v in marks.items() if v}),
                      source=source)
        request.check()
        return request

    def check(self) -> None:
        """What can be checked before anything is written, beyond each value:
        the configuration as a whole, the sizes, the device."""
        self.config.validate()
        data.check_sizes(self.sizes)
        if not self.held_out.trained():
            raise UserError("every state is held out: nothing would be left to train on")
        check_device(self.config.device)


def resolve_system(value: str | None, dataset_dir: Path) -> tuple[System, bool]:
    """The system asked for (and whether it was given): --system, else
    dataset/'s where there is one, else the seed's (the setting's default)."""
    if value is not None:
        return catalog.load(value), True
    if data.exists(dataset_dir):
        return data.read_manifest(dataset_dir)[1], False
    return catalog.SEED, False


def check_device(device: str) -> None:
    """--device cuda where torch sees no GPU is refused before anything is written."""
    if device != "cuda":
        return
    import torch

    if not torch.cuda.is_available():
        raise UserError("--device cuda: torch sees no CUDA device here (use --device cpu or auto)")
