"""AL2: progressive activation-L2 regularization for Keras 3.

El Helou, Dümbgen and Süsstrunk, "AL2: Progressive Activation Loss for
Learning General Representations in Classification Neural Networks",
ICASSP 2020.

`import al2_keras` gives the regularizer: the `AL2` layer, its schedules and
`AL2Scheduler`, `insert_al2` and `bound_head` for models of your own, the
paper's architectures (`small_net`, `alexnet`, `densenet121`, the
`trunk_model`/`head_model` split) and `losses` against label noise. It needs
only Keras and NumPy and runs on the TensorFlow, JAX and PyTorch backends.

Beside it, each imported by name and built on TensorFlow:
`al2_keras.experiments` (the paper's harness: protocol, datasets, runner,
results, reports, analysis), `al2_keras.similarity` (CCA, SVCCA, PWCCA, CKA)
and `al2_keras.tuning` (the KerasTuner search).
"""

from al2_keras import losses, models, schedules
from al2_keras._deprecated import install_module_aliases, moved_attribute
from al2_keras.callbacks import AL2Scheduler
from al2_keras.head_bound import bound_head
from al2_keras.insertion import insert_al2
from al2_keras.layers import AL2, ActivationLossMetric, find_al2_layers
from al2_keras.models import alexnet, densenet121, head_model, small_net, trunk_model
from al2_keras.schedules import ConstantSchedule, ProgressiveSchedule, StableSchedule

__version__ = "0.1.0"

__all__ = [
    "AL2",
    "AL2Scheduler",
    "ActivationLossMetric",
    "ConstantSchedule",
    "ProgressiveSchedule",
    "StableSchedule",
    "alexnet",
    "bound_head",
    "densenet121",
    "find_al2_layers",
    "head_model",
    "insert_al2",
    "losses",
    "models",
    "schedules",
    "small_net",
    "trunk_model",
]

# Former homes keep working, with a DeprecationWarning naming the new one (al2_keras._deprecated).
install_module_aliases()
__getattr__ = moved_attribute
