"""Bounding the head behind an AL2 layer, so that the penalty cannot be evaded by rescaling."""

from typing import List, Union

import keras
import numpy as np

from al2_keras.layers import find_al2_layers

# Each layer's largest unit norm at the call (its initialization): the head
# can turn its weights but not grow them. A number is a fixed bound.
INITIAL = "initial"
DEFAULT_MAX_NORM = INITIAL


def head_layers(model: keras.Model) -> List[keras.layers.Layer]:
    """The layers between the model's AL2 layers and its outputs (the head).

    Args:
        model: A built Functional or Sequential model whose `AL2` layers are
            top-level layers, each called once.

    Raises:
        ValueError: if the model has no top-level AL2 layer, or one is called
            more than once or lives in a nested model.
    """
    top_level = {id(layer) for layer in model.layers}
    found = find_al2_layers(model)
    if not found:
        raise ValueError(f"The model '{model.name}' has no AL2 layer, so it has no head to bound. "
                         "Add `al2_keras.AL2()` (or `insert_al2`) first.")
    head, seen = [], set()
    for al2 in found:
        if id(al2) not in top_level or len(al2._inbound_nodes) != 1:
            raise ValueError(
                f"The AL2 layer '{al2.name}' is inside a nested model or called more than once, so "
                "its head is ambiguous. Bound the head's layers yourself: set `kernel_constraint` "
                "and `kernel.constraint` to `keras.constraints.MaxNorm`.")
        sub_model = keras.Model(al2.output, model.outputs)
        for layer in sub_model.layers:
            if id(layer) not in seen and layer is not al2 and not isinstance(layer, keras.layers.InputLayer):
                seen.add(id(layer))
                head.append(layer)
    return head


def bound_head(model: keras.Model, max_norm: Union[float, str] = DEFAULT_MAX_NORM) -> List[str]:
    """Caps the norm of each unit's weights in every layer of the head.

    Every layer after the AL2 layers that has a kernel (Dense, Conv, ...)
    gets `keras.constraints.MaxNorm(max_norm)` over its kernel's input axes:
    after each optimizer step, a unit whose incoming weights have a larger
    L2 norm is scaled back to `max_norm`. A ReLU network computes the same
    function with its features divided by c and its head's first kernel
    multiplied by c, with L_r divided by c**2: without a bound, training
    slides along that path and no penalty weight holds for long. Call it
    before the model's first `fit`; the constraint is in the layers' configs,
    so a saved model keeps it.

    Args:
        model: See `head_layers`.
        max_norm: The largest norm, a number > 0, or `"initial"` (the
            default): each layer's largest unit norm now, i.e. at
            initialization the head may turn but not grow.

    Returns:
        The names of the bounded layers, inputs side first.
    """
    if max_norm != INITIAL:
        try:
            max_norm = float(max_norm)
        except (TypeError, ValueError):
            max_norm = float("nan")
        if not 0.0 < max_norm < float("inf"):
            raise ValueError(f"`max_norm` must be a finite number > 0 or {INITIAL!r}. Received: max_norm={max_norm}")
    bounded = []
    for layer in head_layers(model):
        kernel = getattr(layer, "kernel", None)
        if kernel is None or not hasattr(layer, "kernel_constraint"):
            continue
        axes = list(range(len(kernel.shape) - 1))
        bound = max_norm
        if bound == INITIAL:
            values = keras.ops.convert_to_numpy(kernel).astype("float64")
            bound = float(np.sqrt(np.square(values).sum(axis=tuple(axes))).max())
        constraint = keras.constraints.MaxNorm(bound, axis=axes)
        layer.kernel_constraint = constraint
        kernel.constraint = constraint
        bounded.append(layer.name)
    if not bounded:
        raise ValueError(f"The head of '{model.name}' has no layer with a kernel to bound.")
    return bounded
