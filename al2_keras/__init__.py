"""AL2: progressive activation-L2 regularization for Keras 3.

El Helou, Dümbgen and Süsstrunk, "AL2: Progressive Activation Loss for
Learning General Representations in Classification Neural Networks",
ICASSP 2020.
"""

from al2_keras import ablation, analysis, data, distribute, experiments, paper, reports, tuning
from al2_keras.ablation import AblationResult, cumulative_ablation
from al2_keras.callbacks import WEIGHT_LOG_NAME, AL2Scheduler
from al2_keras.layers import ACTIVATION_LOSS_NAME, AL2, find_al2_layers
from al2_keras.models import alexnet, densenet121, head_model, small_net, trunk_model
from al2_keras.pooling import AdaptiveAveragePooling2D
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
    "AblationResult",
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
    "linear_cka",
    "paper",
    "pwcca",
    "reports",
    "small_net",
    "svcca",
    "trunk_model",
    "tuning",
]
