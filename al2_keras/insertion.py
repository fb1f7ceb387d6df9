"""Putting an AL2 layer into an existing Keras model."""

from typing import Optional

import keras

from al2_keras.layers import ACTIVATION_LOSS_NAME, AL2, find_al2_layers
from al2_keras.schedules.constants import PAPER_START


def insert_al2(
    model: keras.Model,
    after: str,
    weight: float = PAPER_START,
    name: Optional[str] = None,
    metric_name: Optional[str] = None,
) -> keras.Model:
    """Returns `model` with an `AL2` layer on the output of layer `after`.

    The new model shares every layer, and so every weight, with `model`:
    training one trains the other. Only the layers downstream of `after` are
    called again (on the AL2 output, which equals its input), so the named
    layer's output in the new model is the very tensor it has in `model`, and
    `trunk_model(new, features=after)` / `head_model(new, features=after)`
    split the new model there. Works for Functional and Sequential models,
    `keras.applications` networks and models loaded from `.keras` files; a
    Sequential model comes back as a Functional one with the same layers.

    Args:
        model: A built Functional or Sequential `keras.Model`.
        after: Name of a top-level layer of `model` whose output is the
            representation to regularize (the trunk output).
        weight: Initial AL2 weight (`AL2Scheduler` moves it each epoch).
        name: Name of the new AL2 layer; `f"{after}_al2"` by default.
        metric_name: Name of its L_r metric in the logs;
            `"activation_loss"` for the model's first AL2 layer, else
            `f"{name}_activation_loss"`.

    Returns:
        A new, uncompiled `keras.Model` (compile it before `fit`).

    Raises:
        ValueError: if `model` is not a built Functional or Sequential model,
            if no top-level layer is named `after`, if that layer is called
            more than once in the model (which call to regularize would be
            ambiguous), or if its output is not a single tensor.

    Examples:

    >>> base = keras.applications.ResNet50(
    ...     input_shape=(32, 32, 3), weights=None, classes=10)
    >>> model = insert_al2(base, after="avg_pool")
    """
    layer = _find_layer(model, after)
    if not isinstance(layer.output, keras.KerasTensor):
        raise ValueError(
            f"Layer '{after}' has several outputs; AL2 regularizes one tensor. "
            "Pick the layer whose single output is the representation. "
            f"Received: after={after!r}"
        )
    name = name or f"{after}_al2"
    if metric_name is None:
        metric_name = (
            f"{name}_{ACTIVATION_LOSS_NAME}" if find_al2_layers(model) else ACTIVATION_LOSS_NAME
        )
    features = AL2(weight=weight, metric_name=metric_name, name=name)(layer.output)
    if isinstance(model, keras.Sequential):
        outputs = features
        for later in model.layers[model.layers.index(layer) + 1:]:
            outputs = later(outputs)
        return keras.Model(model.inputs, outputs, name=model.name)

    new_tensors = {id(features)}
    calls_of_layer = []

    def call_function(operation, *args, **kwargs):
        if operation is layer:
            calls_of_layer.append(operation)
        inputs = keras.tree.flatten((args, kwargs))
        if not any(id(x) in new_tensors for x in inputs) and _is_first_call(operation, inputs):
            # Upstream of `after`, or beside it: the original tensors.
            return features if operation is layer else operation.output
        outputs = operation(*args, **kwargs)
        new_tensors.update(id(x) for x in keras.tree.flatten(outputs))
        return outputs

    new_model = keras.models.clone_model(
        model,
        input_tensors=model.input,
        clone_function=lambda operation: operation,
        call_function=call_function,
    )
    if len(calls_of_layer) > 1:
        raise ValueError(
            f"Layer '{after}' is called {len(calls_of_layer)} times in model "
            f"'{model.name}', so which of its outputs to regularize is "
            "ambiguous. Pick a layer that is called once (e.g. the layer right "
            f"after it). Received: after={after!r}"
        )
    return new_model


def _is_first_call(operation, inputs) -> bool:
    """Whether `inputs` are the tensors of the operation's first call."""
    first = [x for x in keras.tree.flatten(operation.input) if isinstance(x, keras.KerasTensor)]
    given = [x for x in inputs if isinstance(x, keras.KerasTensor)]
    return len(first) == len(given) and all(a is b for a, b in zip(first, given))


def _find_layer(model, after):
    if isinstance(model, keras.Sequential) and not model.built:
        raise ValueError(
            "insert_al2 needs a built Sequential model: give it a "
            "`keras.Input(shape)` first layer, or call `model.build(input_shape)`. "
            f"Received: model={model.name!r} (not built)"
        )
    if not isinstance(model, keras.Model) or not hasattr(model, "inputs"):
        raise ValueError(
            "insert_al2 needs a Functional or Sequential keras.Model (a "
            "subclassed model has no graph to rewire). "
            f"Received: model={model!r}"
        )
    names = [layer.name for layer in model.layers]
    if after not in names:
        raise ValueError(
            f"Model '{model.name}' has no top-level layer named {after!r}. "
            f"Its layers: {', '.join(names)}. (A layer inside a nested model "
            "is not reachable: insert after the nested model, or call "
            f"insert_al2 on it.) Received: after={after!r}"
        )
    return model.get_layer(after)
