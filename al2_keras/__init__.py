"""AL2: progressive activation-L2 regularization for Keras 3.

El Helou, Dümbgen and Süsstrunk, "AL2: Progressive Activation Loss for
Learning General Representations in Classification Neural Networks",
ICASSP 2020.

The core (the `AL2` layer, the schedules, `AL2Scheduler`, the model builders,
`insert_al2`) needs only Keras and NumPy and runs on the TensorFlow, JAX and
PyTorch backends. The parts built on TensorFlow (`data`, `distribute`,
`experiments`, `similarity` and its measures, `analysis`, `tuning`) are
imported on first use; without TensorFlow they raise an ImportError that
says what to install.
"""

import importlib

from al2_keras import ablation, paper, reports, schedules
from al2_keras.ablation import AblationResult, cumulative_ablation
from al2_keras.callbacks import WEIGHT_LOG_NAME, AL2Scheduler
from al2_keras.insertion import insert_al2
from al2_keras.layers import ACTIVATION_LOSS_NAME, AL2, ActivationLoss, find_al2_layers
from al2_keras.models import alexnet, densenet121, head_model, small_net, trunk_model
from al2_keras.pooling import AdaptiveAveragePooling2D
from al2_keras.schedules import ConstantSchedule, ProgressiveSchedule

__version__ = "0.1.0"

# Modules and names that need TensorFlow: loaded on first attribute access.
_LAZY_MODULES = ("analysis", "data", "distribute", "experiments", "similarity", "tuning")
_LAZY_NAMES = {
    name: "similarity"
    for name in (
        "CCAResult",
        "CovarianceAccumulator",
        "PWCCAResult",
        "cca",
        "conv_to_neurons",
        "linear_cka",
        "pwcca",
        "svcca",
    )
}


def __getattr__(name):
    if name in _LAZY_MODULES:
        return importlib.import_module(f"al2_keras.{name}")
    if name in _LAZY_NAMES:
        module = importlib.import_module(f"al2_keras.{_LAZY_NAMES[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'al2_keras' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_MODULES) | set(_LAZY_NAMES))


__all__ = [
    "ACTIVATION_LOSS_NAME",
    "AL2",
    "AL2Scheduler",
    "AblationResult",
    "ActivationLoss",
    "AdaptiveAveragePooling2D",
    "CCAResult",
    "ConstantSchedule",
    "CovarianceAccumulator",
    "PWCCAResult",
    "ProgressiveSchedule",
    "WEIGHT_LOG_NAME",
    "ablation",
    "alexnet",
    "analysis",
    "cca",
    "conv_to_neurons",
    "cumulative_ablation",
    "data",
    "densenet121",
    "distribute",
    "experiments",
    "find_al2_layers",
    "head_model",
    "insert_al2",
    "linear_cka",
    "paper",
    "pwcca",
    "reports",
    "schedules",
    "small_net",
    "svcca",
    "trunk_model",
    "tuning",
]
