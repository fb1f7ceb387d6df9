"""DenseNet-121 from `keras.applications` with the reference's linear head."""

from typing import Sequence

import keras

from al2_keras.models.common import (
    DEFAULT_DROPOUT_POSITION,
    check_image_size,
    check_num_classes,
    classifier,
    weight_decay_regularizer,
)
from al2_keras.models.initializers import DEFAULT_INITIALIZER, reinitialize, scheme
from al2_keras.schedules.constants import PAPER_START

# The smallest height and width the architecture takes.
DENSENET_MINIMUM_SIZE = 32


def densenet121(
    input_shape: Sequence[int] = (32, 32, 3),
    num_classes: int = 10,
    al2: bool = True,
    batch_norm: bool = True,
    dropout: float = 0.0,
    weight_decay: float = 0.0,
    al2_weight: float = PAPER_START,
    name: str = "densenet121",
    dropout_position: str = DEFAULT_DROPOUT_POSITION,
    initializer: str = DEFAULT_INITIALIZER,
) -> keras.Model:
    """DenseNet-121: `keras.applications` features as the trunk, a linear head.

    Trunk: DenseNet-121's convolutional features (randomly initialized),
    global average pooling (1,024 features, the layer named `"features"`).
    Head: Dense(num_classes) softmax, as the reference's classifier. The
    reference's DenseNet trunk has no Dropout; an optional one is placed as
    `dropout_position` says (see `small_net`). DenseNet has BatchNormalization throughout, so
    `batch_norm=False` is refused.

    Args:
        input_shape: Shape of one image, channels last, at least 32x32.
        num_classes: Number of classes.
        al2: Whether to put an `AL2` layer on the trunk output.
        batch_norm: Must be True (DenseNet's own).
        dropout: Dropout rate on the pooled features; 0 for none.
        weight_decay: Coupled L2 weight decay on every kernel and bias.
        al2_weight: Initial AL2 weight.
        name: Model name.
        dropout_position: Where that Dropout goes (see `small_net`).
        initializer: `"reference"` (the default: the reference's
            `weights_init_kaiming`, conv and dense kernels normal with std
            sqrt(2/fan_in), BatchNorm gamma normal with std sqrt(2/9/64)
            clamped to +-0.025, beta 0), `"torch"` (PyTorch's defaults) or
            `"keras"` (the application's own); `initializers.reinitialize`.
    """
    if not batch_norm:
        raise ValueError("DenseNet-121 is built with BatchNormalization; batch_norm=False is not available.")
    check_image_size("densenet121", input_shape, DENSENET_MINIMUM_SIZE)
    check_num_classes("densenet121", num_classes)
    init = scheme(initializer, "densenet121")
    regularizer = weight_decay_regularizer(weight_decay)
    inputs = keras.Input(tuple(input_shape), name="images")
    backbone = keras.applications.DenseNet121(
        include_top=False, weights=None, input_shape=tuple(input_shape), pooling="avg")
    reinitialize(backbone, init)
    if regularizer is not None:
        for layer in backbone.layers:
            for attribute in ("kernel", "bias"):
                variable = getattr(layer, attribute, None)
                if variable is not None:
                    variable.regularizer = regularizer
    x = backbone(inputs)
    reg = {"kernel_regularizer": regularizer, "bias_regularizer": regularizer}
    features_dropout = keras.layers.Dropout(dropout, name="features_dropout") if dropout > 0 else None
    return classifier(inputs, x, [], al2, al2_weight, num_classes, reg, name,
                       features_dropout, dropout_position, init)
