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
        feature: What needs it, for the message (e.g. `"al2_keras.data"`).

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
