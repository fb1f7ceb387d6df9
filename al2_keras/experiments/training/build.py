"""The one way a model is built and compiled for a protocol (runner and tuner alike)."""

from typing import Any, Optional, Sequence, Union

import keras

from al2_keras import losses, models
from al2_keras.experiments.results import CROSS_ENTROPY_NAME
from al2_keras.experiments.training.protocol import NOISE_FLOOR, Protocol
from al2_keras.head_bound import bound_head


def build_model(
    protocol: Protocol,
    input_shape: Sequence[int],
    num_classes: int,
    al2_weight: float = 0.0,
    **options: Any,
) -> keras.Model:
    """The protocol's architecture with an `AL2` layer at `al2_weight`.

    A run without AL2 keeps the layer at weight 0 (and gets no scheduler),
    so that its L_r is measured as with AL2. With `protocol.head_max_norm`
    the head is bounded (`bound_head`). An architecture that cannot
    take `input_shape` raises a ValueError naming its minimum size.

    Args:
        protocol: Gives the architecture (`protocol.model`), where
            Dropout sits (`protocol.dropout_position`) and the initial
            weights (`protocol.initializer`).
        input_shape: Shape of one image.
        num_classes: Number of classes.
        al2_weight: Initial AL2 weight.
        **options: The baseline's builder options (`BASELINES`), e.g.
            `batch_norm=True`, `dropout=0.5`, `weight_decay=5e-4`.
    """
    model = models.get(
        protocol.model, input_shape=tuple(input_shape), num_classes=num_classes, al2=True,
        al2_weight=al2_weight, dropout_position=protocol.dropout_position, initializer=protocol.initializer,
        **options)
    if protocol.head_max_norm is not None:
        bound_head(model, protocol.head_max_norm)
    return model


def compile_for_protocol(model: keras.Model, protocol: Protocol, steps_per_epoch: Optional[int] = None) -> keras.Model:
    """Compiles `model` with SGD, the protocol's loss and the L_c metric.

    Integer labels, or one-hot (soft) labels when the protocol uses mixup.

    Args:
        model: The model (`build_model`).
        protocol: Gives the loss, the learning rate and its policy, momentum.
        steps_per_epoch: Optimizer steps per epoch; needed by a decaying
            learning rate (`protocol.lr_schedule="cosine"`), which reaches 0
            after `protocol.epochs * steps_per_epoch` steps.
    """
    if protocol.mixup_alpha is None:
        metrics = ["accuracy", keras.metrics.SparseCategoricalCrossentropy(name=CROSS_ENTROPY_NAME)]
    else:
        metrics = [keras.metrics.CategoricalAccuracy(name="accuracy"),
                   keras.metrics.CategoricalCrossentropy(name=CROSS_ENTROPY_NAME)]
    # L_c stays the plain cross entropy (a metric) whatever loss trains the model.
    loss = losses.get(protocol.loss, soft_labels=protocol.mixup_alpha is not None)
    if protocol.flood_level is not None:
        level = protocol.flood_level
        if level == NOISE_FLOOR:
            level = losses.noise_floor(protocol.corrupt, model.output_shape[-1])
        loss = losses.Flooding(loss, level)
    model.compile(
        optimizer=keras.optimizers.SGD(
            learning_rate=learning_rate_for(protocol, steps_per_epoch), momentum=protocol.momentum
        ),
        loss=loss,
        metrics=metrics,
    )
    return model


def learning_rate_for(protocol: Protocol, steps_per_epoch: Optional[int] = None
                      ) -> Union[float, keras.optimizers.schedules.LearningRateSchedule]:
    """The protocol's learning rate: a number, or a schedule over all its steps."""
    if protocol.lr_schedule == "constant":
        return protocol.learning_rate
    if not steps_per_epoch or steps_per_epoch < 1:
        raise ValueError(f"`lr_schedule={protocol.lr_schedule!r}` decays over all steps of training: pass "
                         f"`steps_per_epoch` (>= 1). Received: steps_per_epoch={steps_per_epoch!r}")
    return keras.optimizers.schedules.CosineDecay(protocol.learning_rate, protocol.epochs * steps_per_epoch)
