"""What the architectures share: the named trunk output, AL2, Dropout's place, the head's end."""

import numbers
from typing import Any, Optional, Sequence

import keras

from al2_keras.layers import AL2, at_least_float32
from al2_keras.models.batch_norm import TorchBatchNormalization
from al2_keras.models.initializers import layer_initializers

FEATURES_NAME = "features"
AL2_NAME = "al2"
DROPOUT_POSITIONS = ("before_al2", "after_al2")
# Dropout before AL2, as the reference (its `Dropout` ends the trunk that AL2 regularizes).
DEFAULT_DROPOUT_POSITION = "before_al2"


def check_image_size(name: str, input_shape: Sequence[int], minimum: int) -> None:
    """Raises a ValueError naming the minimum size if the architecture `name` cannot take `input_shape`."""
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"{name} takes images (height, width, channels). Received: input_shape={input_shape}")
    if min(input_shape[:2]) < minimum:
        raise ValueError(
            f"{name} needs images of at least {minimum}x{minimum} pixels; these are "
            f"{input_shape[0]}x{input_shape[1]}. Resize them to at least "
            f"{minimum}x{minimum} (a protocol's `image_size`) or choose another architecture.")


def check_num_classes(name: str, num_classes: Any) -> None:
    """Raises a ValueError unless `num_classes` is an integer >= 2 (a softmax over one class is constant)."""
    if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or num_classes < 2:
        raise ValueError(f"{name} needs `num_classes`, an integer >= 2 (the labels' number of classes). "
                         f"Received: num_classes={num_classes!r}")


def check_dropout_position(dropout_position: str) -> str:
    """Returns `dropout_position` if it is one of `DROPOUT_POSITIONS`, else raises."""
    if dropout_position not in DROPOUT_POSITIONS:
        raise ValueError(f"`dropout_position` must be one of {DROPOUT_POSITIONS}. "
                         f"Received: dropout_position={dropout_position!r}")
    return dropout_position


def weight_decay_regularizer(weight_decay: float):
    """L2 regularizer equal to SGD's coupled `weight_decay` (PyTorch's).

    PyTorch's SGD adds `weight_decay * w` to each gradient; the loss term
    `weight_decay / 2 * sum(w ** 2)` has exactly that gradient.
    """
    if weight_decay < 0:
        raise ValueError(
            f"`weight_decay` must be >= 0. Received: weight_decay={weight_decay}"
        )
    if weight_decay == 0:
        return None
    return keras.regularizers.L2(weight_decay / 2.0)


def batch_norm_layer(name: str, regularizer: Any = None) -> keras.layers.BatchNormalization:
    """BatchNormalization as the reference's `BatchNorm2d` (defaults, running statistics, decay).

    PyTorch's running-statistics momentum 0.1 is Keras's `momentum=0.9`
    (Keras's default 0.99 averages over ~100 steps, longer than an epoch of
    the quick protocol, so test-time statistics lag the weights); eps 1e-5;
    the running variance updated with the unbiased batch variance
    (`TorchBatchNormalization`); and `regularizer` (the coupled weight decay,
    which the reference's SGD applies to every parameter) on gamma and beta.
    """
    return TorchBatchNormalization(momentum=0.9, epsilon=1e-5, gamma_regularizer=regularizer,
                                   beta_regularizer=regularizer, name=name)


def classifier(inputs: Any, trunk_output: Any, head_layers: Sequence[keras.layers.Layer], al2: bool, al2_weight: float,
               num_classes: int, reg: dict, name: str, features_dropout: Optional[keras.layers.Layer] = None,
               dropout_position: str = DEFAULT_DROPOUT_POSITION, scheme: str = "keras") -> keras.Model:
    """Names the trunk output, adds AL2, the head layers and a float32 softmax.

    `features_dropout` (a Dropout layer or None) goes before the `"features"`
    layer and AL2 (`"before_al2"`) or right after AL2 (`"after_al2"`).
    `scheme` initializes the logits layer (`initializers.layer_initializers`).
    """
    check_dropout_position(dropout_position)
    x = trunk_output
    if features_dropout is not None and dropout_position == "before_al2":
        x = features_dropout(x)
    x = keras.layers.Identity(name=FEATURES_NAME)(x)
    if al2:
        x = AL2(weight=al2_weight, name=AL2_NAME)(x)
    if features_dropout is not None and dropout_position == "after_al2":
        x = features_dropout(x)
    for layer in head_layers:
        x = layer(x)
    x = keras.layers.Dense(num_classes, name="logits", **reg, **layer_initializers(scheme, x.shape[-1]))(x)
    # float32 at least: float32 under mixed precision, float64 in a float64 model.
    dtype = at_least_float32(keras.config.dtype_policy().compute_dtype)
    outputs = keras.layers.Activation("softmax", dtype=dtype, name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)


def trunk_model(model: keras.Model, features: str = FEATURES_NAME) -> keras.Model:
    """The sub-model from the inputs to the trunk output (layer `features`).

    It shares its layers and weights with `model`.
    """
    return keras.Model(model.inputs, model.get_layer(features).output, name=f"{model.name}_trunk")


def head_model(model: keras.Model, features: str = FEATURES_NAME) -> keras.Model:
    """The sub-model from the trunk output (layer `features`) to the outputs.

    It shares its layers and weights with `model` (the AL2 layer included),
    so ablated or edited features can be fed through the head alone.
    """
    return keras.Model(model.get_layer(features).output, model.outputs, name=f"{model.name}_head")
