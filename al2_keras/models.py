"""Functional-API classifiers whose trunk output is a named layer."""

from typing import Optional, Sequence

import keras

from al2_keras.layers import AL2

FEATURES_NAME = "features"
AL2_NAME = "al2"


def _weight_decay_regularizer(weight_decay: float):
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


def small_net(
    input_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    al2: bool = True,
    batch_norm: bool = False,
    dropout: float = 0.0,
    weight_decay: float = 0.0,
    al2_weight: float = 0.01,
    name: Optional[str] = None,
) -> keras.Model:
    """The paper's small CNN (LeNet-like), built with the functional API.

    Trunk: Conv2D(20, 5) ReLU MaxPool(2) Conv2D(50, 5) [BatchNorm] ReLU
    MaxPool(2) [Dropout] Flatten, whose output is the layer named
    `"features"`; then the `AL2` layer named `"al2"` when `al2=True`; head:
    Dense(500) ReLU Dense(num_classes) softmax. The output is a probability
    vector (compile with `from_logits=False`); the softmax runs in float32
    under mixed precision.

    Args:
        input_shape: Shape of one image, channels last.
        num_classes: Number of classes.
        al2: Whether to put an `AL2` layer on the trunk output.
        batch_norm: Whether to add BatchNormalization after the second conv.
        dropout: Dropout rate after the trunk's last pooling; 0 for none.
        weight_decay: Coupled L2 weight decay, as PyTorch SGD's
            `weight_decay`: each kernel and bias gets an L2 loss term of
            `weight_decay / 2 * sum(w**2)`, whose gradient is
            `weight_decay * w`.
        al2_weight: Initial AL2 weight (the scheduler overrides it).
        name: Model name; defaults to one that names the options.

    Returns:
        An uncompiled `keras.Model`.
    """
    if not 0.0 <= dropout < 1.0:
        raise ValueError(
            f"`dropout` must be in [0, 1). Received: dropout={dropout}"
        )
    regularizer = _weight_decay_regularizer(weight_decay)
    reg = {"kernel_regularizer": regularizer, "bias_regularizer": regularizer}

    inputs = keras.Input(tuple(input_shape), name="images")
    x = keras.layers.Conv2D(20, 5, name="conv1", **reg)(inputs)
    x = keras.layers.ReLU(name="relu1")(x)
    x = keras.layers.MaxPooling2D(2, name="pool1")(x)
    x = keras.layers.Conv2D(50, 5, name="conv2", **reg)(x)
    if batch_norm:
        x = keras.layers.BatchNormalization(name="batch_norm")(x)
    x = keras.layers.ReLU(name="relu2")(x)
    x = keras.layers.MaxPooling2D(2, name="pool2")(x)
    if dropout > 0:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    x = keras.layers.Flatten(name=FEATURES_NAME)(x)
    if al2:
        x = AL2(weight=al2_weight, name=AL2_NAME)(x)
    x = keras.layers.Dense(500, name="fc1", **reg)(x)
    x = keras.layers.ReLU(name="relu3")(x)
    x = keras.layers.Dense(num_classes, name="logits", **reg)(x)
    outputs = keras.layers.Activation(
        "softmax", dtype="float32", name="probabilities"
    )(x)
    if name is None:
        parts = ["small_net"]
        parts += ["bn"] if batch_norm else []
        parts += ["dropout"] if dropout > 0 else []
        parts += ["wd"] if weight_decay > 0 else []
        parts += ["al2"] if al2 else []
        name = "_".join(parts)
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
