"""Adaptive average pooling to a fixed output size, as PyTorch's AdaptiveAvgPool2d."""

import math
from typing import Any, Tuple, Union

import keras
import numpy as np
from keras import ops


def _pooling_matrix(size: int, output: int) -> np.ndarray:
    """(output, size) averaging weights over PyTorch's adaptive bins."""
    matrix = np.zeros((output, size), np.float32)
    for i in range(output):
        start, end = (i * size) // output, math.ceil((i + 1) * size / output)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


@keras.saving.register_keras_serializable(package="al2_keras")
class AdaptiveAveragePooling2D(keras.layers.Layer):
    """Averages (N, H, W, C) inputs over adaptive bins to (N, h, w, C).

    Bin `i` of an axis of length `L` covers `[floor(i L / h), ceil((i + 1) L / h))`,
    as in PyTorch, so an input smaller than the output is replicated. Computed
    as two small matrix products (no Python loop over positions).

    Args:
        output_size: `(h, w)` of the output.

    Input shape:
        4D tensor `(batch, height, width, channels)` with known height and width.

    Output shape:
        `(batch, h, w, channels)`.
    """

    def __init__(self, output_size: Union[int, Tuple[int, int]] = (6, 6), **kwargs: Any):
        super().__init__(**kwargs)
        self.output_size = tuple(int(s) for s in output_size)

    def build(self, input_shape):
        height, width = input_shape[1], input_shape[2]
        if height is None or width is None:
            raise ValueError(
                "AdaptiveAveragePooling2D needs a known height and width. "
                f"Received: input_shape={input_shape}"
            )
        self._rows = ops.convert_to_tensor(_pooling_matrix(height, self.output_size[0]))
        self._cols = ops.convert_to_tensor(_pooling_matrix(width, self.output_size[1]))

    def call(self, inputs):
        rows = ops.cast(self._rows, inputs.dtype)
        cols = ops.cast(self._cols, inputs.dtype)
        return ops.einsum("oh,nhwc,pw->nopc", rows, inputs, cols)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.output_size, input_shape[3])

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size}
