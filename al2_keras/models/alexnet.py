"""The reference's AlexNet."""

from typing import Sequence

import keras

from al2_keras.models.common import (
    DEFAULT_DROPOUT_POSITION,
    batch_norm_layer,
    check_image_size,
    check_num_classes,
    classifier,
    weight_decay_regularizer,
)
from al2_keras.models.initializers import DEFAULT_INITIALIZER, layer_initializers, scheme
from al2_keras.models.pooling import AdaptiveAveragePooling2D
from al2_keras.schedules.constants import PAPER_START

# The smallest height and width the architecture takes.
ALEXNET_MINIMUM_SIZE = 63


def alexnet(
    input_shape: Sequence[int] = (64, 64, 3),
    num_classes: int = 10,
    al2: bool = True,
    batch_norm: bool = False,
    dropout: float = 0.5,
    weight_decay: float = 0.0,
    al2_weight: float = PAPER_START,
    name: str = "alexnet",
    dropout_position: str = DEFAULT_DROPOUT_POSITION,
    initializer: str = DEFAULT_INITIALIZER,
) -> keras.Model:
    """The reference's AlexNet: its trunk, AL2 on the trunk output, its head.

    Trunk: Conv(64, 11, stride 4, pad 2) ReLU MaxPool(3, 2) Conv(192, 5, pad 2)
    ReLU MaxPool(3, 2) Conv(384, 3, pad 1) ReLU Conv(256, 3, pad 1) ReLU
    Conv(256, 3, pad 1) ReLU MaxPool(3, 2), adaptive average pooling to 6x6,
    Flatten, Dropout (9,216 features, the layer named `"features"`). Head:
    Dense(4096) ReLU Dropout Dense(4096) ReLU Dense(num_classes) softmax.
    The trunk's Dropout moves to the head's start with
    `dropout_position="after_al2"` (see `small_net`).
    Inputs must be at least 63x63 (upsample CIFAR's 32x32).

    Args:
        input_shape: Shape of one image, channels last.
        num_classes: Number of classes.
        al2: Whether to put an `AL2` layer on the trunk output.
        batch_norm: Whether to add BatchNormalization after each conv.
        dropout: Rate of the reference's two Dropout layers (0 removes them).
        weight_decay: Coupled L2 weight decay (PyTorch SGD's `weight_decay`).
        al2_weight: Initial AL2 weight.
        name: Model name.
        dropout_position: Where the trunk's Dropout goes (see `small_net`).
        initializer: `"reference"` (the default: PyTorch's default
            initialization, which the reference's AlexNet keeps), `"torch"`
            (the same here) or `"keras"` (Glorot-uniform kernels, zero
            biases); `initializers.layer_initializers`.
    """
    check_image_size("alexnet", input_shape, ALEXNET_MINIMUM_SIZE)
    check_num_classes("alexnet", num_classes)
    init = scheme(initializer, "alexnet")
    regularizer = weight_decay_regularizer(weight_decay)
    reg = {"kernel_regularizer": regularizer, "bias_regularizer": regularizer}
    inputs = keras.Input(tuple(input_shape), name="images")
    x = inputs
    convs = [(64, 11, 4, 2, True), (192, 5, 1, 2, True), (384, 3, 1, 1, False),
             (256, 3, 1, 1, False), (256, 3, 1, 1, True)]
    for i, (filters, kernel, stride, pad, pool) in enumerate(convs, start=1):
        x = keras.layers.ZeroPadding2D(pad, name=f"pad{i}")(x)
        x = keras.layers.Conv2D(filters, kernel, strides=stride, name=f"conv{i}", **reg,
                                **layer_initializers(init, kernel * kernel * x.shape[-1]))(x)
        if batch_norm:
            x = batch_norm_layer(f"batch_norm{i}", regularizer)(x)
        x = keras.layers.ReLU(name=f"relu{i}")(x)
        if pool:
            x = keras.layers.MaxPooling2D(3, strides=2, name=f"pool{i}")(x)
    x = AdaptiveAveragePooling2D((6, 6), name="adaptive_pool")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    features_dropout = keras.layers.Dropout(dropout, name="features_dropout") if dropout > 0 else None
    head = [keras.layers.Dense(4096, activation="relu", name="fc1", **reg,
                               **layer_initializers(init, x.shape[-1]))]
    head += [keras.layers.Dropout(dropout, name="head_dropout")] if dropout > 0 else []
    head += [keras.layers.Dense(4096, activation="relu", name="fc2", **reg, **layer_initializers(init, 4096))]
    return classifier(inputs, x, head, al2, al2_weight, num_classes, reg, name,
                       features_dropout, dropout_position, init)
