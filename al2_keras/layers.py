"""The AL2 layer: a progressive activation-L2 penalty on a representation."""

import math

import keras
from keras import ops

ACTIVATION_LOSS_NAME = "activation_loss"


@keras.saving.register_keras_serializable(package="al2_keras")
class AL2(keras.layers.Layer):
    """Adds `weight * mean(square(inputs))` to the model's loss.

    The layer is the identity on its input. Place it on the trunk's output
    (the last feature layer before the classifier head). In training it adds
    the activation penalty of AL2 (El Helou et al., ICASSP 2020) through
    `add_loss`: the mean of the squared activations over the batch and every
    feature axis, times `weight`. The weight is a non-trainable scalar
    variable, moved each epoch by `al2_keras.AL2Scheduler`; a new value takes
    effect without retracing, also under `jit_compile=True`.

    The unweighted term (the paper's L_r) is tracked by a `keras.metrics.Mean`
    named `metric_name` ("activation_loss" by default), so it shows in the
    logs of `fit` (`activation_loss`) and of `evaluate` or validation
    (`val_activation_loss`). It is averaged per sample, like Keras' own loss.
    The penalty is always computed in float32, also under a `mixed_float16`
    policy.

    Args:
        weight: Initial penalty weight, a finite float >= 0. Defaults to
            0.01, the start of the paper's schedule.
        metric_name: Name of the L_r metric in the logs. Give each AL2 layer
            of one model its own name.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Input shape:
        Arbitrary, with the batch on the first axis.

    Output shape:
        Same shape as input.

    Example:

    >>> inputs = keras.Input((8,))
    >>> features = keras.layers.Dense(4, activation="relu")(inputs)
    >>> features = AL2(weight=0.01)(features)
    >>> outputs = keras.layers.Dense(2, activation="softmax")(features)
    >>> model = keras.Model(inputs, outputs)
    """

    def __init__(self, weight=0.01, metric_name=ACTIVATION_LOSS_NAME, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.metric_name = metric_name
        self.weight = self.add_weight(
            name="weight",
            shape=(),
            dtype="float32",
            initializer=keras.initializers.Constant(
                check_penalty_weight(weight)
            ),
            trainable=False,
            autocast=False,
        )
        self.activation_loss_tracker = keras.metrics.Mean(name=metric_name)
        self._build_at_init()

    def call(self, inputs, training=None):
        squares = ops.square(ops.cast(inputs, "float32"))
        activation_loss = ops.mean(squares)
        batch_size = ops.cast(ops.shape(inputs)[0], "float32")
        self.activation_loss_tracker.update_state(
            activation_loss, sample_weight=batch_size
        )
        if training:
            self.add_loss(self.weight * activation_loss)
        return inputs

    def set_weight(self, weight: float) -> None:
        """Sets the penalty weight; it is used from the next step on.

        Args:
            weight: A finite float >= 0.
        """
        self.weight.assign(check_penalty_weight(weight))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {
            "weight": float(ops.convert_to_numpy(self.weight)),
            "metric_name": self.metric_name,
        }
        return {**super().get_config(), **config}


def check_penalty_weight(weight) -> float:
    """Returns `weight` as a float, or raises if it is not finite and >= 0."""
    try:
        value = float(weight)
    except (TypeError, ValueError):
        raise ValueError(
            "The AL2 penalty weight must be a number. "
            f"Received: weight={weight!r}"
        ) from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(
            "The AL2 penalty weight must be a finite number >= 0. "
            f"Received: weight={weight!r}"
        )
    return value


def find_al2_layers(model: keras.layers.Layer) -> list:
    """Returns every `AL2` layer in `model`, nested models included."""
    return [
        layer
        for layer in model._flatten_layers(include_self=True, recursive=True)
        if isinstance(layer, AL2)
    ]
