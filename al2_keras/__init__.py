"""AL2: progressive activation-L2 regularization for Keras 3.

El Helou, Dümbgen and Süsstrunk, "AL2: Progressive Activation Loss for
Learning General Representations in Classification Neural Networks",
ICASSP 2020.
"""

from al2_keras import data, experiments
from al2_keras.callbacks import WEIGHT_LOG_NAME, AL2Scheduler
from al2_keras.layers import ACTIVATION_LOSS_NAME, AL2, find_al2_layers
from al2_keras.models import small_net
from al2_keras.schedules import ConstantSchedule, ProgressiveSchedule
from al2_keras.similarity import (
    CCAResult,
    CovarianceAccumulator,
    PWCCAResult,
    cca,
    conv_to_neurons,
    linear_cka,
    pwcca,
    svcca,
)

__version__ = "0.1.0"

__all__ = [
    "ACTIVATION_LOSS_NAME",
    "AL2",
    "AL2Scheduler",
    "CCAResult",
    "CovarianceAccumulator",
    "PWCCAResult",
    "cca",
    "conv_to_neurons",
    "linear_cka",
    "pwcca",
    "svcca",
    "ConstantSchedule",
    "ProgressiveSchedule",
    "WEIGHT_LOG_NAME",
    "data",
    "experiments",
    "find_al2_layers",
    "small_net",
]
