"""causal-tui: does a small learner learn the rules of a causal system, or memorise?

Importing the package makes its LSTM and MLP learners known to transformers'
Auto classes (so `AutoModelForCausalLM.from_pretrained` loads their model
folders) without importing torch here: where transformers is not imported
yet, the registration runs right after it is."""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys


def _register() -> None:
    from causal_tui.learners.registry import register

    register()


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
