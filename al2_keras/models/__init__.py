"""Functional-API classifiers whose trunk output is a named layer, and their registry.

Every architecture names its trunk output `"features"` and, with `al2=True`
(the default), regularizes it with an `AL2` layer named `"al2"`. "No AL2" is
said one way everywhere in the project: the `AL2` layer stays, at weight 0
and without a scheduler, so L_r is measured as with AL2 while training is
unchanged (`al2=False` builds a model without the layer, for users who
want none).
"""

from typing import Callable, Sequence

import keras

from al2_keras.models.alexnet import alexnet
from al2_keras.models.batch_norm import TorchBatchNormalization
from al2_keras.models.common import (
    AL2_NAME,
    DROPOUT_POSITIONS,
    FEATURES_NAME,
    INITIALIZERS,
    check_dropout_position,
    head_model,
    trunk_model,
)
from al2_keras.models.densenet import densenet121
from al2_keras.models.pooling import AdaptiveAveragePooling2D
from al2_keras.models.small_net import small_net

# Architecture name -> (builder, smallest square input it takes).
_REGISTRY = {
    "small_net": (small_net, 16),
    "alexnet": (alexnet, 63),
    "densenet121": (densenet121, 32),
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
    size = minimum_image_size(name)
    if len(input_shape) != 3:
        raise ValueError(f"{name} takes images (height, width, channels). Received: input_shape={input_shape}")
    if min(input_shape[:2]) < size:
        raise ValueError(
            f"{name} needs images of at least {size}x{size} pixels; these are "
            f"{input_shape[0]}x{input_shape[1]}. Resize them (the runner's --image-size {size}) "
            "or choose another --model.")


def get(name: str, **options) -> keras.Model:
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
    "AL2_NAME", "AdaptiveAveragePooling2D", "DROPOUT_POSITIONS", "FEATURES_NAME", "INITIALIZERS",
    "TorchBatchNormalization", "alexnet",
    "check_dropout_position", "check_input_shape", "densenet121", "get", "head_model",
    "minimum_image_size", "names", "small_net", "trunk_model",
]
