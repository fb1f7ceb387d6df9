"""AL2: progressive activation-L2 regularization for Keras 3.

El Helou, Dümbgen and Süsstrunk, "AL2: Progressive Activation Loss for
Learning General Representations in Classification Neural Networks",
ICASSP 2020.

Rooms: the regularizer (`layers`, `schedules`, `callbacks`, `insertion`),
`models` (architectures and their registry), `datasets`, `training` (the
protocol and the runner), `results` (the schema of a run's numbers),
`reports` (tables and plots), `similarity` (CCA, SVCCA, PWCCA, CKA),
`analysis` (ablation, snapshots, similarity across runs), `losses` (losses
against label noise), `tuning` (KerasTuner) and `distribute`.

The core (the `AL2` layer, the schedules, `AL2Scheduler`, `models`,
`insert_al2`, `analysis`' ablation) needs only Keras and NumPy and runs on the
TensorFlow, JAX and PyTorch backends. The parts built on TensorFlow
(`datasets`, `distribute`, `training`, `similarity` and its measures,
`tuning`) are imported on first use; without TensorFlow they raise an
ImportError that says what to install.
"""

from al2_keras import analysis, losses, models, paper, reports, results, schedules
from al2_keras.analysis import AblationResult, cumulative_ablation
from al2_keras.callbacks import WEIGHT_LOG_NAME, AL2Scheduler
from al2_keras.head_bound import bound_head, head_layers
from al2_keras.insertion import insert_al2
from al2_keras.layers import ACTIVATION_LOSS_NAME, AL2, ActivationLoss, ActivationLossMetric, find_al2_layers
from al2_keras.models import (
    AdaptiveAveragePooling2D,
    TorchBatchNormalization,
    alexnet,
    densenet121,
    head_model,
    small_net,
    trunk_model,
)
from al2_keras.optional import lazy_attributes
from al2_keras.schedules import ConstantSchedule, ProgressiveSchedule, StableSchedule

__version__ = "0.1.0"

# Modules and names that need TensorFlow: loaded on first attribute access.
_LAZY = {
    "datasets": (),
    "distribute": (),
    "similarity": ("CCAResult", "CovarianceAccumulator", "PWCCAResult", "cca", "conv_to_neurons", "linear_cka",
                   "pwcca", "svcca"),
    "training": (),
    "tuning": (),
}
__getattr__ = lazy_attributes(__name__, _LAZY)


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | {name for names in _LAZY.values() for name in names})


__all__ = [
    "ACTIVATION_LOSS_NAME",
    "AL2",
    "AL2Scheduler",
    "AblationResult",
    "ActivationLoss",
    "ActivationLossMetric",
    "AdaptiveAveragePooling2D",
    "CCAResult",
    "ConstantSchedule",
    "CovarianceAccumulator",
    "PWCCAResult",
    "ProgressiveSchedule",
    "StableSchedule",
    "TorchBatchNormalization",
    "WEIGHT_LOG_NAME",
    "alexnet",
    "analysis",
    "bound_head",
    "cca",
    "conv_to_neurons",
    "cumulative_ablation",
    "datasets",
    "densenet121",
    "distribute",
    "find_al2_layers",
    "head_layers",
    "head_model",
    "insert_al2",
    "linear_cka",
    "losses",
    "models",
    "paper",
    "pwcca",
    "reports",
    "results",
    "schedules",
    "small_net",
    "svcca",
    "training",
    "trunk_model",
    "tuning",
]
