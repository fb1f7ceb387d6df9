"""Convolutional activations as (neurons, datapoints) matrices."""

from typing import Any

from al2_keras.optional import require

tf = require("tensorflow", "al2_keras.similarity")


def conv_to_neurons(activations: Any, spatial_mean: bool = False) -> tf.Tensor:
    """Turns conv activations (N, H, W, C) into (C, datapoints).

    Args:
        activations: Tensor or array (N, H, W, C), channels last.
        spatial_mean: If False (the reference's evaluation), every image
            position is a datapoint: (C, N * H * W). If True, positions are
            averaged first: (C, N).
    """
    tensor = tf.convert_to_tensor(activations)
    if tensor.shape.rank != 4:
        raise ValueError(
            "`activations` must be 4-D (N, H, W, C). Received shape "
            f"{tuple(tensor.shape)}."
        )
    if spatial_mean:
        return tf.transpose(tf.reduce_mean(tensor, axis=[1, 2]))
    return tf.transpose(tf.reshape(tensor, [-1, tensor.shape[-1]]))
