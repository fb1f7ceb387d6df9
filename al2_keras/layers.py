"""The AL2 layer: a progressive activation-L2 penalty on a representation."""

import math
import warnings
import weakref
from typing import Any, Optional

import keras
import numpy as np
from keras import ops

from al2_keras.schedules.constants import PAPER_START

ACTIVATION_LOSS_NAME = "activation_loss"


@keras.saving.register_keras_serializable(package="al2_keras")
class AL2(keras.layers.Layer):
    """Adds `weight * mean(square(inputs))` to the model's loss.

    The layer is the identity on its input. Place it on the trunk's output
    (the last feature layer before the classifier head). It adds the
    activation penalty of AL2 (El Helou et al., ICASSP 2020) through
    `add_loss`: the mean of the squared activations over the batch and every
    feature axis, times `weight`. With a mask (a sequence's padding), the
    mean runs over the unmasked positions only. The weight is a
    non-trainable scalar variable, moved each epoch by
    `al2_keras.AL2Scheduler`; a new value takes effect without retracing,
    also under `jit_compile=True`.

    The penalty is added in training and in evaluation alike, as Keras's
    activity regularizers do: `loss` and `val_loss` are the same objective
    (cross entropy plus the weighted penalty), so `EarlyStopping` and
    `ReduceLROnPlateau` compare like with like. Both grow with the weight;
    monitor the cross entropy (a `SparseCategoricalCrossentropy` metric) to
    follow the fit alone. `predict` ignores it.

    The unweighted term (the paper's L_r) shows in the logs of `fit`
    (`activation_loss`) and of `evaluate` or validation
    (`val_activation_loss`), averaged per sample like Keras' own loss. It is
    accumulated in two non-trainable state variables (a sum and a sample
    count, updated like BatchNormalization's moving statistics, so every
    backend's trainer supports it) and read by the metric
    `activation_loss_tracker`. The penalty is computed in float32 at least:
    under a `mixed_float16` policy in float32, in a float64 model in
    float64. Only `weight` is saved with the model; the L_r sums are
    transient, like a metric's.

    Args:
        weight: Initial penalty weight, a finite float >= 0. Defaults to
            0.01, the start of the paper's schedule.
        metric_name: Name of the L_r metric in the logs. Each AL2 layer of
            one model needs its own: `AL2Scheduler` refuses a model where two
            share one (`check_metric_names`), and `insert_al2` names a second
            layer's metric after the layer.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Input shape:
        Arbitrary, with the batch on the first axis. A mask, if any, covers
        the leading axes (e.g. `(batch, time)` for `(batch, time, features)`).

    Output shape:
        Same shape as input.

    Examples:

    >>> inputs = keras.Input((8,))
    >>> features = keras.layers.Dense(4, activation="relu")(inputs)
    >>> features = AL2(weight=0.01)(features)
    >>> outputs = keras.layers.Dense(2, activation="softmax")(features)
    >>> model = keras.Model(inputs, outputs)
    """

    def __init__(self, weight: float = PAPER_START, metric_name: str = ACTIVATION_LOSS_NAME, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.metric_name = metric_name
        # float32 at least (mixed precision keeps float32 variables); a
        # float64 model keeps its weight and L_r sums in float64.
        self._state_dtype = at_least_float32(self.variable_dtype)
        self.weight = self.add_weight(
            name="weight",
            shape=(),
            dtype=self._state_dtype,
            # A NumPy float64: a Python float would pass through float32 on TensorFlow.
            initializer=keras.initializers.Constant(
                np.float64(check_penalty_weight(weight))
            ),
            trainable=False,
            autocast=False,
        )
        self.activation_loss_sum = self._add_accumulator("activation_loss_sum")
        self.activation_loss_count = self._add_accumulator("activation_loss_count")
        self.activation_loss_tracker = ActivationLossMetric(self, name=metric_name)
        self._build_at_init()

    def _add_accumulator(self, name):
        # Like Keras's metric variables: under tf.distribute each replica
        # accumulates its own share and a read sums them.
        with keras.name_scope(self.name, caller=self):
            variable = keras.Variable(
                initializer="zeros",
                shape=(),
                dtype=self._state_dtype,
                trainable=False,
                autocast=False,
                aggregation="sum",
                synchronization="on_read",
                name=name,
            )
        return variable  # tracked by the layer when assigned as an attribute

    def call(self, inputs: Any, mask: Optional[Any] = None) -> Any:
        # float32 at least (float16 squares overflow); float64 stays float64.
        dtype = at_least_float32(inputs.dtype)
        squares = ops.square(ops.cast(inputs, dtype))
        if mask is None:
            activation_loss = ops.mean(squares)
        else:  # the mean over unmasked positions: a mask (batch, time) weighs (batch, time, ...)
            weights = ops.cast(mask, dtype)
            for _ in range(len(squares.shape) - len(mask.shape)):
                weights = ops.expand_dims(weights, -1)
            weights = ops.broadcast_to(weights, ops.shape(squares))
            activation_loss = ops.divide_no_nan(ops.sum(squares * weights), ops.sum(weights))
        batch_size = ops.cast(ops.shape(inputs)[0], self._state_dtype)
        self.activation_loss_sum.assign_add(
            ops.cast(ops.stop_gradient(activation_loss), self._state_dtype) * batch_size
        )
        self.activation_loss_count.assign_add(batch_size)
        self.add_loss(ops.cast(self.weight, dtype) * activation_loss)
        return inputs

    def set_weight(self, weight: float) -> None:
        """Sets the penalty weight; it is used from the next step on.

        Args:
            weight: A finite float >= 0.
        """
        self.weight.assign(check_penalty_weight(weight))

    def compute_output_shape(self, input_shape):
        return input_shape

    def save_own_variables(self, store):
        store["0"] = self.weight

    def load_own_variables(self, store):
        if len(store.keys()) != 1:
            raise ValueError(
                f"Layer '{self.name}' expected 1 variable (its weight) in the "
                f"saved file. Received: {len(store.keys())} variables."
            )
        self.weight.assign(store["0"])

    def get_config(self):
        config = {
            "weight": float(ops.convert_to_numpy(self.weight)),
            "metric_name": self.metric_name,
        }
        return {**super().get_config(), **config}


class ActivationLossMetric(keras.metrics.Metric):
    """The per-sample mean of an `AL2` layer's L_r since the last reset.

    It owns no variables: it reads the layer's sum and count, which the
    layer updates in `call`, and `reset_state` zeroes them. Keras resets it
    with the model's other metrics at the start of each epoch and of each
    evaluation.

    On the JAX backend the value is exact at the end of an epoch or of an
    evaluation (the logs, History, CSVLogger); inside a step it reads NaN,
    because the JAX trainer passes the layer's state to the step
    functionally and metrics cannot see it there (keras-team/keras#19402).

    Args:
        layer: The `AL2` layer to read.
        name: Name of the metric in the logs.
    """

    def __init__(self, layer: AL2, name: str = ACTIVATION_LOSS_NAME):
        super().__init__(name=name)
        # A weak reference: the layer owns this metric, and Keras's saving
        # walks attributes (a strong back-reference would be a cycle).
        self._layer_ref = weakref.ref(layer)

    def _state(self):
        """The layer's L_r sum and sample count."""
        layer = self._layer_ref()
        return layer.activation_loss_sum, layer.activation_loss_count

    def update_state(self, *args, **kwargs):
        """Does nothing: the `AL2` layer accumulates the state itself."""

    def reset_state(self):
        for variable in self._state():
            variable.assign(0.0)

    def result(self):
        try:
            total, count = (ops.convert_to_tensor(v) for v in self._state())
        except TypeError:
            if keras.backend.backend() != "jax":
                raise
            # Inside a JAX training or test step the layer's variables are
            # detached from their values (see the class docstring).
            return ops.convert_to_tensor(float("nan"), dtype="float32")
        return ops.divide_no_nan(total, count)


def at_least_float32(dtype: Any) -> str:
    """"float64" for float64, else "float32": float16 squares overflow, float64 stays exact."""
    return "float64" if keras.backend.standardize_dtype(dtype) == "float64" else "float32"


# The weight is a float32 variable: a larger value would become infinite.
_FLOAT32_MAX = 3.4028234663852886e38


def check_penalty_weight(weight: Any) -> float:
    """Returns `weight` as a float, or raises unless it is a finite float32 number >= 0."""
    if isinstance(weight, bool):
        raise TypeError(f"The AL2 penalty weight must be a number, not a bool. Received: weight={weight!r}")
    if isinstance(weight, (str, bytes)):  # float("0.1") would pass a text on
        raise ValueError(f"The AL2 penalty weight must be a number, not text. Received: weight={weight!r}")
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
    if value > _FLOAT32_MAX:
        raise ValueError(
            "The AL2 penalty weight is stored in float32 and must be at most 3.4e38 (a schedule "
            "that grows without bound gets there; cap it). "
            f"Received: weight={weight!r}"
        )
    return value


def find_al2_layers(model: keras.layers.Layer) -> list:
    """Returns every `AL2` layer in `model`: nested models and layers of custom layers included.

    It walks the layers as Keras tracks them (`Layer._flatten_layers`, the
    walk behind `Model.layers`; Keras has no public recursive form), so an
    `AL2` held by a custom layer is found as Keras finds its losses.
    """
    return [layer for layer in model._flatten_layers(include_self=True, recursive=True) if isinstance(layer, AL2)]


def check_metric_names(model: keras.layers.Layer) -> list:
    """Returns `model`'s `AL2` layers; raises if two log their L_r under one name (one would hide the other)."""
    layers, by_name = find_al2_layers(model), {}
    for layer in layers:
        by_name.setdefault(layer.metric_name, []).append(layer.name)
    clashes = {name: owners for name, owners in by_name.items() if len(owners) > 1}
    if clashes:
        name, owners = next(iter(clashes.items()))
        raise ValueError(
            f"The AL2 layers {owners} of model '{model.name}' all log their L_r as {name!r}, so the logs would keep "
            f"one of them. Give each its own: `AL2(metric_name='{owners[1]}_{ACTIVATION_LOSS_NAME}')`.")
    return layers


class ActivationLoss(ActivationLossMetric):
    """Deprecated name of `ActivationLossMetric` (a metric, not a loss to add)."""

    def __init__(self, layer: AL2, name: str = ACTIVATION_LOSS_NAME):
        warnings.warn("al2_keras.ActivationLoss is deprecated: it is a metric, now named ActivationLossMetric.",
                      DeprecationWarning, stacklevel=2)
        super().__init__(layer, name=name)
