"""Functional-API classifiers whose trunk output is a named layer."""

from typing import Optional, Sequence

import keras

from al2_keras.layers import AL2
from al2_keras.pooling import AdaptiveAveragePooling2D

FEATURES_NAME = "features"
AL2_NAME = "al2"
DROPOUT_POSITIONS = ("before_al2", "after_al2")


def check_dropout_position(dropout_position: str) -> str:
    """Returns `dropout_position` if it is one of `DROPOUT_POSITIONS`, else raises."""
    if dropout_position not in DROPOUT_POSITIONS:
        raise ValueError(f"`dropout_position` must be one of {DROPOUT_POSITIONS}. "
                         f"Received: dropout_position={dropout_position!r}")
    return dropout_position


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


def _batch_norm(name: str) -> keras.layers.BatchNormalization:
    """BatchNormalization with PyTorch's `BatchNorm2d` defaults, as the reference.

    PyTorch's running-statistics momentum 0.1 is Keras's `momentum=0.9`
    (Keras's default 0.99 averages over ~100 steps, longer than an epoch of
    the quick protocol, so test-time statistics lag the weights); eps 1e-5.
    """
    return keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5, name=name)


def small_net(
    input_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    al2: bool = True,
    batch_norm: bool = False,
    dropout: float = 0.0,
    weight_decay: float = 0.0,
    al2_weight: float = 0.01,
    name: Optional[str] = None,
    dropout_position: str = "before_al2",
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
            (PyTorch's defaults: Keras momentum 0.9, epsilon 1e-5).
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
        x = _batch_norm("batch_norm")(x)
    x = keras.layers.ReLU(name="relu2")(x)
    x = keras.layers.MaxPooling2D(2, name="pool2")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    features_dropout = keras.layers.Dropout(dropout, name="dropout") if dropout > 0 else None
    head = [keras.layers.Dense(500, name="fc1", **reg), keras.layers.ReLU(name="relu3")]
    if name is None:
        parts = ["small_net"]
        parts += ["bn"] if batch_norm else []
        parts += ["dropout"] if dropout > 0 else []
        parts += ["wd"] if weight_decay > 0 else []
        parts += ["al2"] if al2 else []
        name = "_".join(parts)
    return _classifier(inputs, x, head, al2, al2_weight, num_classes, reg, name,
                       features_dropout, dropout_position)


def _classifier(inputs, trunk_output, head_layers, al2, al2_weight, num_classes, reg, name,
                features_dropout=None, dropout_position="before_al2"):
    """Names the trunk output, adds AL2, the head layers and a float32 softmax.

    `features_dropout` (a Dropout layer or None) goes before the `"features"`
    layer and AL2 (`"before_al2"`) or right after AL2 (`"after_al2"`).
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
    x = keras.layers.Dense(num_classes, name="logits", **reg)(x)
    outputs = keras.layers.Activation("softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)


def alexnet(
    input_shape: Sequence[int] = (64, 64, 3),
    num_classes: int = 10,
    al2: bool = True,
    batch_norm: bool = False,
    dropout: float = 0.5,
    weight_decay: float = 0.0,
    al2_weight: float = 0.01,
    name: str = "alexnet",
    dropout_position: str = "before_al2",
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
    """
    regularizer = _weight_decay_regularizer(weight_decay)
    reg = {"kernel_regularizer": regularizer, "bias_regularizer": regularizer}
    inputs = keras.Input(tuple(input_shape), name="images")
    x = inputs
    convs = [(64, 11, 4, 2, True), (192, 5, 1, 2, True), (384, 3, 1, 1, False),
             (256, 3, 1, 1, False), (256, 3, 1, 1, True)]
    for i, (filters, kernel, stride, pad, pool) in enumerate(convs, start=1):
        x = keras.layers.ZeroPadding2D(pad, name=f"pad{i}")(x)
        x = keras.layers.Conv2D(filters, kernel, strides=stride, name=f"conv{i}", **reg)(x)
        if batch_norm:
            x = _batch_norm(f"batch_norm{i}")(x)
        x = keras.layers.ReLU(name=f"relu{i}")(x)
        if pool:
            x = keras.layers.MaxPooling2D(3, strides=2, name=f"pool{i}")(x)
    x = AdaptiveAveragePooling2D((6, 6), name="adaptive_pool")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    features_dropout = keras.layers.Dropout(dropout, name="features_dropout") if dropout > 0 else None
    head = [keras.layers.Dense(4096, activation="relu", name="fc1", **reg)]
    head += [keras.layers.Dropout(dropout, name="head_dropout")] if dropout > 0 else []
    head += [keras.layers.Dense(4096, activation="relu", name="fc2", **reg)]
    return _classifier(inputs, x, head, al2, al2_weight, num_classes, reg, name,
                       features_dropout, dropout_position)


def densenet121(
    input_shape: Sequence[int] = (32, 32, 3),
    num_classes: int = 10,
    al2: bool = True,
    batch_norm: bool = True,
    dropout: float = 0.0,
    weight_decay: float = 0.0,
    al2_weight: float = 0.01,
    name: str = "densenet121",
    dropout_position: str = "before_al2",
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
    """
    if not batch_norm:
        raise ValueError("DenseNet-121 is built with BatchNormalization; batch_norm=False is not available.")
    regularizer = _weight_decay_regularizer(weight_decay)
    inputs = keras.Input(tuple(input_shape), name="images")
    backbone = keras.applications.DenseNet121(
        include_top=False, weights=None, input_shape=tuple(input_shape), pooling="avg")
    if regularizer is not None:
        for layer in backbone.layers:
            for attribute in ("kernel", "bias"):
                variable = getattr(layer, attribute, None)
                if variable is not None:
                    variable.regularizer = regularizer
    x = backbone(inputs)
    reg = {"kernel_regularizer": regularizer, "bias_regularizer": regularizer}
    features_dropout = keras.layers.Dropout(dropout, name="features_dropout") if dropout > 0 else None
    return _classifier(inputs, x, [], al2, al2_weight, num_classes, reg, name,
                       features_dropout, dropout_position)


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
