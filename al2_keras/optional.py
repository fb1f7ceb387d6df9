"""Imports of the optional dependencies, with an error that says how to install them.

The core of al2_keras (the AL2 layer, its schedules and callback, the model
builders, `insert_al2`) needs only Keras and NumPy and runs on every Keras
backend. The data pipelines, `tf.distribute`, the similarity measures and the
experiment runner need TensorFlow; the schedule search needs KerasTuner.
"""

import importlib
from types import ModuleType

_INSTALL = {
    "tensorflow": 'pip install "al2_keras[cpu]" (or "al2_keras[gpu]" for NVIDIA GPUs)',
    "tensorflow_datasets": 'pip install "al2_keras[cpu]" (or pip install tensorflow-datasets)',
    "keras_tuner": 'pip install "al2_keras[cpu]" (or pip install "keras-tuner[bayesian]")',
}


def require(module: str, feature: str) -> ModuleType:
    """Imports `module`, or raises an ImportError that names the fix.

    Args:
        module: The module to import, e.g. `"tensorflow"`.
        feature: What needs it, for the message (e.g. `"al2_keras.experiments.datasets"`).

    Returns:
        The imported module.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        install = _INSTALL.get(module, f"pip install {module}")
        raise ImportError(
            f"{feature} needs {module}, which is not installed ({error}). "
            f"Install it with: {install}. The AL2 layer, its schedules, "
            "AL2Scheduler, the model builders and insert_al2 work without it "
            "on every Keras backend."
        ) from error


def lazy_attributes(package: str, table: dict):
    """A module `__getattr__` (PEP 562) that imports submodules on first use.

    Args:
        package: The package's name (its `__name__`).
        table: Submodule name -> the names it provides. A submodule's own
            name gives the submodule.
    """

    def __getattr__(name):
        if name in table:
            return importlib.import_module(f"{package}.{name}")
        for module, names in table.items():
            if name in names:
                return getattr(importlib.import_module(f"{package}.{module}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
