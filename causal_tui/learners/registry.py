"""The learners, each declaring what it can do: its default size, how to
build a fresh one, how its saved folders are named (their config's
`model_type`), whether it reads its own written answers, whether it has
attention, and its intervention sites. Nothing outside learners/ asks a
learner's name to decide what it can do: it asks these.

A learner of your own is one `register(Learner(...))` (see docs/learners.md
and tests/test_learner_plugin.py); sweep workers import `Learner.module`,
so the module that registers it must be importable by name.

Importing causal_tui arms the registration of the built-in learners with
transformers' Auto classes (see causal_tui/__init__.py) without importing
torch: it runs when transformers itself is imported."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Learner:
    """What a learner is and can do."""

    name: str
    """Its name on the command line (--arch NAME) and in records."""
    sizes: dict[str, int]
    """Its default size: n_embd, n_layer (and n_head where it has heads)."""
    build: Callable
    """(config, tokenizer, system) -> a freshly initialised model."""
    model_type: str
    """The `model_type` of its saved config.json: how a loaded model is recognised."""
    module: str
    """The module that registers it: a sweep's worker imports it by this name."""
    reads_own_answers: bool = True
    """It decodes token by token and reads what it wrote (do() on its answers applies)."""
    has_attention: bool = False
    """Attention weights, a logit lens and causal tracing apply."""
    uses_cache: bool = False
    """It decodes one token at a time from a key-value cache."""
    sites: Callable | None = None
    """model -> its intervention sites (learners/sites.py Sites); None: interchange does not apply."""
    check: Callable | None = None
    """config -> a reason it cannot be built that way (None where it can)."""
    describe: Callable | None = field(default=None)
    """config dict -> its size in a few characters for tables ('128/4/4'); default width/depth."""
    heads: tuple[str, ...] = ("tokens",)
    """What it can output (the head setting): the completion as tokens, and/or real values (regression)."""
    listed: bool = True
    """Offered by --arch (a learner that only stands behind another, as the regression head does, is not)."""

    def size_text(self, config: dict) -> str:
        if self.describe is not None:
            return self.describe(config)
        return f"{config.get('n_embd')}/{config.get('n_layer')}"


LEARNERS: dict[str, Learner] = {}
"""Every learner known, by name, in the order registered."""


def register(learner: Learner) -> Learner:
    """Make a learner known (replacing one of the same name)."""
    LEARNERS[learner.name] = learner
    return learner


def names() -> list[str]:
    """The learners --arch offers."""
    return [name for name, learner in LEARNERS.items() if learner.listed]


def get(name: str) -> Learner:
    """The learner of that name; ValueError naming the known ones."""
    try:
        return LEARNERS[name]
    except KeyError:
        raise ValueError(f"unknown learner {name!r} (known: {', '.join(LEARNERS)})") from None


def ensure(name: str, module: str | None) -> None:
    """Make sure the learner is known in this process (a worker imports the module that registers it)."""
    if name not in LEARNERS and module:
        importlib.import_module(module)


def of_model(model) -> Learner:
    """The learner a model object is, by its config's model_type; a model of no
    registered learner (a hand-built one in the tests) is taken to read its own
    answers, without attention or sites."""
    model_type = getattr(getattr(model, "config", None), "model_type", None)
    for learner in LEARNERS.values():
        if learner.model_type == model_type:
            return learner
    return Learner(name=str(model_type), sizes={}, build=_unbuildable, model_type=str(model_type), module="")


def _unbuildable(*args):
    raise ValueError("this learner cannot be built: it was loaded, not registered")


def build(arch: str, config, tokenizer, system):
    """A freshly initialised model of `arch` (with the head `config.head`) for the system's token sequences."""
    register_auto()
    head = getattr(config, "head", "tokens")
    if head == "regression":
        from causal_tui.learners import regression

        try:
            return regression.build(config, tokenizer, system, backbone=arch)
        except ValueError as e:
            from causal_tui.errors import UserError

            raise UserError(str(e)) from None
    return get(arch).build(config, tokenizer, system)


def core_parameters(model) -> int:
    """Parameters outside the token embeddings and output heads (the part the
    learners are sized to match)."""
    skip = {"wte", "wpe", "embed", "lm_head", "heads"}
    return sum(p.numel() for name, p in model.named_parameters() if not skip & set(name.split(".")))


# -- the built-in learners ----------------------------------------------------------------
_auto_registered = False


def register_auto() -> None:
    """Make AutoConfig / AutoModelForCausalLM know the LSTM and the MLP (idempotent).

    Each of their modules registers its classes as it finishes loading, so a
    module that is being imported right now (it imports transformers, whose
    import runs this) registers itself when it is done."""
    global _auto_registered
    if _auto_registered:
        return
    _auto_registered = True
    import causal_tui.learners.lstm  # noqa: F401
    import causal_tui.learners.mlp  # noqa: F401
    import causal_tui.learners.regression  # noqa: F401


def _lazy(module: str, name: str) -> Callable:
    """A function of a learner module, imported (with torch) only when called."""

    def call(*args, **kwargs):
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = name
    return call


def _heads_divide_width(config) -> str | None:
    if config.n_embd % config.n_head:
        return f"n_head ({config.n_head}) must divide n_embd ({config.n_embd})"
    return None


register(Learner(
    # Each about GPT-2 128/4/4's 793,344 parameters outside embeddings and output heads.
    name="gpt2", sizes={"n_embd": 128, "n_layer": 4, "n_head": 4},
    build=_lazy("causal_tui.learners.gpt2", "build"), model_type="gpt2", module="causal_tui.learners.registry",
    reads_own_answers=True, has_attention=True, uses_cache=True, sites=_lazy("causal_tui.learners.gpt2", "sites"),
    check=_heads_divide_width, heads=("tokens", "regression"),
    describe=lambda c: f"{c.get('n_embd')}/{c.get('n_layer')}/{c.get('n_head')}"))
register(Learner(
    name="lstm", sizes={"n_embd": 156, "n_layer": 4},  # 783,744
    build=_lazy("causal_tui.learners.lstm", "build"), model_type="causal-tui-lstm",
    module="causal_tui.learners.registry", reads_own_answers=True,
    sites=_lazy("causal_tui.learners.lstm", "sites")))
register(Learner(
    name="mlp", sizes={"n_embd": 512, "n_layer": 4},  # 791,040
    build=_lazy("causal_tui.learners.mlp", "build"), model_type="causal-tui-mlp",
    module="causal_tui.learners.registry", reads_own_answers=False, heads=("tokens", "regression"),
    sites=_lazy("causal_tui.learners.mlp", "sites")))
register(Learner(
    # A GPT-2 or MLP with a regression head (--head regression), as a saved model is recognised.
    name="regression", sizes={}, build=_unbuildable, model_type="causal-tui-regression",
    module="causal_tui.learners.registry", reads_own_answers=False, heads=("regression",), listed=False))
