"""The paper's small CNN."""

from typing import Optional, Sequence

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
from al2_keras.schedules.constants import PAPER_START

# The smallest height and width the architecture takes.
SMALL_NET_MINIMUM_SIZE = 16


def small_net(
    input_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    al2: bool = True,
    batch_norm: bool = False,
    dropout: float = 0.0,
    weight_decay: float = 0.0,
    al2_weight: float = PAPER_START,
    name: Optional[str] = None,
    dropout_position: str = DEFAULT_DROPOUT_POSITION,
    initializer: str = DEFAULT_INITIALIZER,
) -> keras.Model:
    """The paper's small CNN (LeNet-like), built with the functional API.

    Trunk: Conv2D(20, 5) ReLU MaxPool(2) Conv2D(50, 5) [BatchNorm] ReLU
    MaxPool(2) Flatten [Dropout], whose output is the layer named
    `"features"` (an Identity); then the `AL2` layer named `"al2"` when
    `al2=True`; head: Dense(500) ReLU Dense(num_classes) softmax. As in the
    reference (`get_smallNet_trunk`), Dropout is the trunk's last layer, so
    L_r is measured after dropout; `dropout_position="after_al2"` moves it
    to the head's start instead. The output is a probability
    vector (compile with `from_logits=False`); the softmax runs in float32
    under mixed precision.

    Args:
        input_shape: Shape of one image, channels last.
        num_classes: Number of classes.
        al2: Whether to put an `AL2` layer on the trunk output.
        batch_norm: Whether to add BatchNormalization after the second conv
            as the reference's `BatchNorm2d` (`common.batch_norm_layer`).
        dropout: Dropout rate on the trunk output; 0 for none.
        weight_decay: Coupled L2 weight decay, as PyTorch SGD's
            `weight_decay`: each kernel and bias gets an L2 loss term of
            `weight_decay / 2 * sum(w**2)`, whose gradient is
            `weight_decay * w`.
        al2_weight: Initial AL2 weight (the scheduler overrides it).
        name: Model name; defaults to one that names the options.
        dropout_position: `"before_al2"` (the reference: Dropout ends the
            trunk, AL2 and the `"features"` output see dropped features) or
            `"after_al2"` (Dropout starts the head: AL2 sees the features
            as they are at test time, not scaled by 1 / (1 - rate)).
        initializer: `"reference"` (the default: the reference's small CNN
            keeps PyTorch's default initialization, kernels and biases
            uniform in +-1/sqrt(fan_in)), `"torch"` (the same here) or
            `"keras"` (Glorot-uniform kernels, zero biases);
            `initializers.layer_initializers`.

    Returns:
        An uncompiled `keras.Model`.
    """
    if not 0.0 <= dropout < 1.0:
        raise ValueError(
            f"`dropout` must be in [0, 1). Received: dropout={dropout}"
        )
    check_image_size("small_net", input_shape, SMALL_NET_MINIMUM_SIZE)
    check_num_classes("small_net", num_classes)
    init = scheme(initializer, "small_net")
    regularizer = weight_decay_regularizer(weight_decay)
    reg = {"kernel_regularizer": regularizer, "bias_regularizer": regularizer}

    inputs = keras.Input(tuple(input_shape), name="images")
    x = keras.layers.Conv2D(20, 5, name="conv1", **reg,
                            **layer_initializers(init, 25 * inputs.shape[-1]))(inputs)
    x = keras.layers.ReLU(name="relu1")(x)
    x = keras.layers.MaxPooling2D(2, name="pool1")(x)
    x = keras.layers.Conv2D(50, 5, name="conv2", **reg, **layer_initializers(init, 25 * 20))(x)
    if batch_norm:
        x = batch_norm_layer("batch_norm", regularizer)(x)
    x = keras.layers.ReLU(name="relu2")(x)
    x = keras.layers.MaxPooling2D(2, name="pool2")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    features_dropout = keras.layers.Dropout(dropout, name="dropout") if dropout > 0 else None
    head = [keras.layers.Dense(500, name="fc1", **reg, **layer_initializers(init, x.shape[-1])),
            keras.layers.ReLU(name="relu3")]
    if name is None:
        parts = ["small_net"]
        parts += ["bn"] if batch_norm else []
        parts += ["dropout"] if dropout > 0 else []
        parts += ["wd"] if weight_decay > 0 else []
        parts += ["al2"] if al2 else []
        name = "_".join(parts)
    return classifier(inputs, x, head, al2, al2_weight, num_classes, reg, name,
                       features_dropout, dropout_position, init)
