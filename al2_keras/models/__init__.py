"""Functional-API classifiers whose trunk output is a named layer, and their registry.

Every architecture names its trunk output `"features"` and, with `al2=True`
(the default), regularizes it with an `AL2` layer named `"al2"`. "No AL2" is
said one way everywhere in the project: the `AL2` layer stays, at weight 0
and without a scheduler, so L_r is measured as with AL2 while training is
unchanged (`al2=False` builds a model without the layer, for users who
want none).
"""

from typing import Any, Callable, Sequence

import keras

from al2_keras.models.alexnet import ALEXNET_MINIMUM_SIZE, alexnet
from al2_keras.models.batch_norm import TorchBatchNormalization
from al2_keras.models.common import (
    AL2_NAME,
    DEFAULT_DROPOUT_POSITION,
    DROPOUT_POSITIONS,
    FEATURES_NAME,
    check_dropout_position,
    check_image_size,
    head_model,
    trunk_model,
)
from al2_keras.models.densenet import DENSENET_MINIMUM_SIZE, densenet121
from al2_keras.models.initializers import DEFAULT_INITIALIZER, INITIALIZERS, ClampedNormal
from al2_keras.models.pooling import AdaptiveAveragePooling2D
from al2_keras.models.small_net import SMALL_NET_MINIMUM_SIZE, small_net

# Architecture name -> (builder, smallest square input it takes).
_REGISTRY = {
    "small_net": (small_net, SMALL_NET_MINIMUM_SIZE),
    "alexnet": (alexnet, ALEXNET_MINIMUM_SIZE),
    "densenet121": (densenet121, DENSENET_MINIMUM_SIZE),
}


def names() -> list:
    """The architectures `get` knows, in a stable order."""
    return list(_REGISTRY)


def _entry(name: str) -> tuple:
    if name not in _REGISTRY:
        raise ValueError(f"Unknown model {name!r}; choose from {names()}.")
    return _REGISTRY[name]


def minimum_image_size(name: str) -> int:
    """The smallest height and width the architecture `name` takes."""
    return _entry(name)[1]


def check_input_shape(name: str, input_shape: Sequence[int]) -> None:
    """Raises a ValueError naming the minimum size if `name` cannot take `input_shape`."""
    check_image_size(name, input_shape, minimum_image_size(name))


def get(name: str, **options: Any) -> keras.Model:
    """Builds the architecture `name` (see `names()`) with the builder's options.

    Example: `models.get("alexnet", input_shape=(64, 64, 3), num_classes=10)`.
    The input shape is checked first: an architecture that cannot take it
    raises a ValueError naming its minimum size.
    """
    builder: Callable[..., keras.Model] = _entry(name)[0]
    if "input_shape" in options:
        check_input_shape(name, tuple(options["input_shape"]))
    return builder(**options)


__all__ = [
    "AL2_NAME", "AdaptiveAveragePooling2D", "ClampedNormal", "DEFAULT_DROPOUT_POSITION", "DEFAULT_INITIALIZER",
    "DROPOUT_POSITIONS", "FEATURES_NAME", "INITIALIZERS",
    "TorchBatchNormalization", "alexnet",
    "check_dropout_position", "check_input_shape", "densenet121", "get", "head_model",
    "minimum_image_size", "names", "small_net", "trunk_model",
]
