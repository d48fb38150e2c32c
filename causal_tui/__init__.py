"""causal-tui: does a small learner learn the rules of a causal system, or memorise?

The Python API (see causal_tui/api.py), importable from here:

    import causal_tui as ct
    run = ct.train("seed", holdout="1,0,1,0,1", seed=3, until_perfect=True)
    run.probe.to_pandas()

Its names load on first use, so `import causal_tui` stays instant.
Importing the package also makes its LSTM and MLP learners known to
transformers' Auto classes (so `AutoModelForCausalLM.from_pretrained` loads
their model folders) without importing torch here: where transformers is not
imported yet, the registration runs right after it is."""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys


def _register() -> None:
    from causal_tui.learners.registry import register_auto

    register_auto()


class _RegisterAfterTransformers(importlib.abc.MetaPathFinder):
    """Finds nothing itself; wraps the loading of `transformers` so that our
    learners are registered as soon as it is imported."""

    def find_spec(self, name, path=None, target=None):
        if name != "transformers":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module):
            run(module)
            _register()

        loader.exec_module = exec_module
        return spec


if "transformers" in sys.modules:
    _register()
elif not any(isinstance(f, _RegisterAfterTransformers) for f in sys.meta_path):
    sys.meta_path.insert(0, _RegisterAfterTransformers())


API = ("load_system", "train", "sweep", "inspect", "load_run", "load_sweep", "Run", "Sweep", "Scorecard", "Table")
__all__ = [*API, "UserError", "stats", "__version__"]


def __getattr__(name: str):
    if name in API:
        from causal_tui import api

        return getattr(api, name)
    if name == "UserError":
        from causal_tui.errors import UserError

        return UserError
    if name == "stats":
        import causal_tui.stats

        return causal_tui.stats
    if name == "__version__":
        from causal_tui.store.provenance import version

        return version()
    raise AttributeError(f"module 'causal_tui' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
