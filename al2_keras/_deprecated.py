"""Deprecation paths of the names and modules that left the top level of `al2_keras`.

The paper's harness moved to `al2_keras.experiments` and the tools' names to
their own subpackages. `al2_keras.training` and the like keep working, as
attributes and as imports (`from al2_keras.training import Protocol`), each
with a DeprecationWarning that names the new home.
"""

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

# Former top-level module -> its new home.
MOVED_MODULES = {name: f"al2_keras.experiments.{name}" for name in (
    "analysis", "arguments", "atomic", "cli", "datasets", "distribute", "paper", "reports", "results", "training")}
# Former top-level name -> (module that has it now, its name there).
MOVED_NAMES = {
    "ACTIVATION_LOSS_NAME": ("al2_keras.layers", "ACTIVATION_LOSS_NAME"),
    "ActivationLoss": ("al2_keras.layers", "ActivationLoss"),
    "WEIGHT_LOG_NAME": ("al2_keras.callbacks", "WEIGHT_LOG_NAME"),
    "head_layers": ("al2_keras.head_bound", "head_layers"),
    "AdaptiveAveragePooling2D": ("al2_keras.models", "AdaptiveAveragePooling2D"),
    "TorchBatchNormalization": ("al2_keras.models", "TorchBatchNormalization"),
    "AblationResult": ("al2_keras.experiments.analysis", "AblationResult"),
    "cumulative_ablation": ("al2_keras.experiments.analysis", "cumulative_ablation"),
    **{name: ("al2_keras.similarity", name) for name in (
        "CCAResult", "CovarianceAccumulator", "PWCCAResult", "cca", "conv_to_neurons", "linear_cka", "pwcca",
        "svcca")},
}


def _warn(old: str, new: str) -> None:
    warnings.warn(f"{old} is deprecated; use {new}.", DeprecationWarning, stacklevel=3)


def moved_attribute(name: str):
    """The package `__getattr__` (PEP 562): a moved module or name, with a DeprecationWarning."""
    if name in MOVED_MODULES:
        _warn(f"al2_keras.{name}", MOVED_MODULES[name])
        return importlib.import_module(MOVED_MODULES[name])
    if name in MOVED_NAMES:
        module, attribute = MOVED_NAMES[name]
        _warn(f"al2_keras.{name}", f"{module}.{attribute}")
        return getattr(importlib.import_module(module), attribute)
    if name in ("similarity", "tuning"):  # subpackages of their own: importing them by name is enough
        return importlib.import_module(f"al2_keras.{name}")
    raise AttributeError(f"module 'al2_keras' has no attribute {name!r}")


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports `al2_keras.<moved>[.sub]` as `al2_keras.experiments.<moved>[.sub]`, warning once per module."""

    def __init__(self):
        self._own_specs = {}  # new module name -> its own spec, given back after the alias's import

    def find_spec(self, fullname, path=None, target=None):
        parts = fullname.split(".")
        if len(parts) < 2 or parts[0] != "al2_keras" or parts[1] not in MOVED_MODULES:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        new = spec.name.replace("al2_keras.", "al2_keras.experiments.", 1)
        _warn(spec.name, new)
        module = importlib.import_module(new)
        self._own_specs[new] = module.__spec__
        return module

    def exec_module(self, module):
        # The new module ran when it was imported; the import system gave it the alias's spec: give it back its own.
        module.__spec__ = self._own_specs[module.__name__]


def install_module_aliases() -> None:
    """Puts the alias finder on `sys.meta_path` (once)."""
    if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder())  # before any finder that knows where the old files were
