"""Means and covariances (`Moments`) of two representations over the same datapoints, in memory."""

import dataclasses
from typing import Any

import numpy as np

from al2_keras.optional import require
from al2_keras.similarity.linalg import on_cpu

tf = require("tensorflow", "al2_keras.similarity")

@dataclasses.dataclass
class Moments:
    """Means and covariances of two representations over the same datapoints.

    Attributes:
        count: Number of datapoints.
        mean_x, mean_y: Neuron means, shapes (p,) and (q,).
        cov_xx, cov_xy, cov_yy: Covariances with denominator `count - 1`,
            shapes (p, p), (p, q), (q, q).
    """

    count: int
    mean_x: tf.Tensor
    mean_y: tf.Tensor
    cov_xx: tf.Tensor
    cov_xy: tf.Tensor
    cov_yy: tf.Tensor


# Symmetric products are assembled from up to 8 x 8 row blocks, computing
# 36 of the 64, with blocks of at least 128 rows (smaller blocks slow
# TensorFlow's float64 GEMM by as much as they save). At 2,048 x 20,000 a
# symmetric product took 4.2-4.4 s with 8 x 8 blocks, 4.6 s with 4 x 4 and
# 7.1 s as one product.
_MAX_BLOCKS = 8
_MIN_BLOCK_ROWS = 128


def _to_tensor(array) -> tf.Tensor:
    """`tf.convert_to_tensor`, faster for NumPy arrays.

    A NumPy array is shared through DLPack when its data start on a 64-byte
    boundary and is writeable (TensorFlow aborts the process on unaligned
    buffers; DLPack refuses read-only ones), else copied once into an aligned
    buffer first: both beat the generic
    conversion by about three times.
    """
    if not isinstance(array, np.ndarray) or not array.size or array.dtype.kind not in "fiu":
        return tf.convert_to_tensor(array)
    if not (array.flags.c_contiguous and array.flags.writeable and array.ctypes.data % 64 == 0):
        buffer = np.empty(array.nbytes + 64, np.uint8)
        offset = (-buffer.ctypes.data) % 64
        aligned = buffer[offset : offset + array.nbytes].view(array.dtype).reshape(array.shape)
        np.copyto(aligned, array)
        array = aligned
    try:
        return tf.experimental.dlpack.from_dlpack(array.__dlpack__())
    except (BufferError, TypeError, ValueError):
        return tf.convert_to_tensor(array)


def as_activations(array: Any, name: str, dtype: Any = tf.float64) -> tf.Tensor:
    """Converts `array` to a 2-D (neurons, datapoints) tensor and checks it."""
    tensor = _to_tensor(array)
    if not (tensor.dtype.is_floating or tensor.dtype.is_integer):
        raise ValueError(
            f"`{name}` must hold numbers. Received dtype {tensor.dtype.name}."
        )
    tensor = tf.cast(tensor, dtype)
    if tensor.shape.rank != 2:
        raise ValueError(
            f"`{name}` must be 2-D, shaped (neurons, datapoints). Received "
            f"shape {tuple(tensor.shape)}; for conv activations (N, H, W, C) "
            "use `conv_to_neurons` first."
        )
    if tensor.shape[0] == 0 or tensor.shape[1] == 0:
        raise ValueError(
            f"`{name}` is empty: shape {tuple(tensor.shape)}."
        )
    return tensor


def _as_numpy_activations(array, name: str, dtype=tf.float64) -> np.ndarray:
    """`as_activations` for the CPU route: a float64 NumPy array (no copy when it is one)."""
    array = array.numpy() if isinstance(array, (tf.Tensor, tf.Variable)) else np.asarray(array)
    if array.dtype.kind not in "fiu":
        raise ValueError(f"`{name}` must hold numbers. Received dtype {array.dtype.name}.")
    if array.ndim != 2:
        raise ValueError(
            f"`{name}` must be 2-D, shaped (neurons, datapoints). Received shape {array.shape}; for "
            "conv activations (N, H, W, C) use `conv_to_neurons` first.")
    if array.size == 0:
        raise ValueError(f"`{name}` is empty: shape {array.shape}.")
    return np.asarray(array, dtype=np.float64)


def check_finite(name: str, *statistics: tf.Tensor) -> None:
    """Raises if a mean or variance of `name` is not finite.

    A NaN or infinity anywhere in a neuron's activations makes its mean or
    variance non-finite, so checking these catches bad input without
    another pass over the data.
    """
    if not all(bool(tf.reduce_all(tf.math.is_finite(s))) for s in statistics):
        raise ValueError(
            f"`{name}` contains NaN or infinite values (or values too large to "
            "square in float64). Remove or replace them before comparing "
            "representations."
        )


def check_pair(x: tf.Tensor, y: tf.Tensor) -> None:
    """Raises if `x` and `y` cannot be compared datapoint by datapoint."""
    if x.shape[1] != y.shape[1]:
        raise ValueError(
            "`x` and `y` must have the same number of datapoints (axis 1). "
            f"Received: x.shape={tuple(x.shape)}, y.shape={tuple(y.shape)}. "
            "Inputs are (neurons, datapoints); transpose them if needed."
        )


def check_enough_datapoints(count: int, neurons_x: int, neurons_y: int) -> None:
    """Raises unless there are more datapoints than neurons on each side."""
    if count <= max(neurons_x, neurons_y):
        raise ValueError(
            f"CCA needs more datapoints than neurons: {count} datapoints for "
            f"{neurons_x} and {neurons_y} neurons. Inputs are (neurons, "
            "datapoints): transpose them if needed, or pass more datapoints."
        )


def _row_blocks(matrix):
    rows = int(matrix.shape[0])
    parts = min(_MAX_BLOCKS, max(1, rows // _MIN_BLOCK_ROWS))
    size = -(-rows // parts)
    return [matrix[i : i + size] for i in range(0, rows, size)]


def _gram_blocks(left, right, symmetric):
    """`left @ right^T` assembled from row blocks, computing half if symmetric."""
    lefts, rights = _row_blocks(left), _row_blocks(right)
    grid = [[None] * len(rights) for _ in lefts]
    for i, a in enumerate(lefts):
        for j, b in enumerate(rights):
            if symmetric and j < i:
                grid[i][j] = tf.transpose(grid[j][i])
            else:
                grid[i][j] = tf.matmul(a, b, transpose_b=True)
    return tf.concat([tf.concat(row, axis=1) for row in grid], axis=0)


@tf.function
def _centred_moments(x, y):
    """Means and covariances (two-pass: centre, then multiply), in one graph."""
    denominator = tf.cast(tf.shape(x)[1] - 1, x.dtype)
    mean_x = tf.reduce_mean(x, axis=1)
    mean_y = tf.reduce_mean(y, axis=1)
    xc = x - mean_x[:, None]
    yc = y - mean_y[:, None]
    cov_xx = _gram_blocks(xc, xc, symmetric=True) / denominator
    cov_yy = _gram_blocks(yc, yc, symmetric=True) / denominator
    cov_xy = _gram_blocks(xc, yc, symmetric=False) / denominator
    return mean_x, mean_y, cov_xx, cov_xy, cov_yy


@tf.function
def _corrected_moments(x, y):
    """Means and covariances from uncentred products, minus `n mean mean^T`.

    Saves the centring pass over the data. Also returns the largest
    `mean^2 / variance` of a neuron, which bounds the cancellation error of
    the subtraction (relative error ~ 1e-16 times that ratio).
    """
    n = tf.cast(tf.shape(x)[1], x.dtype)
    mean_x = tf.reduce_mean(x, axis=1)
    mean_y = tf.reduce_mean(y, axis=1)

    def covariance(a, b, mean_a, mean_b, symmetric):
        products = _gram_blocks(a, b, symmetric=symmetric)
        return (products - n * mean_a[:, None] * mean_b[None, :]) / (n - 1.0)

    cov_xx = covariance(x, x, mean_x, mean_x, True)
    cov_yy = covariance(y, y, mean_y, mean_y, True)
    cov_xy = covariance(x, y, mean_x, mean_y, False)

    def worst_ratio(mean, cov):
        variance = tf.linalg.diag_part(cov)
        # A neuron with a non-zero mean and a variance lost in rounding is
        # infinitely badly conditioned; all-zero neurons are exact.
        ratio = tf.math.divide_no_nan(tf.square(mean), tf.maximum(variance, 0.0))
        bad = tf.logical_and(tf.not_equal(mean, 0.0), variance <= 0.0)
        return tf.where(bad, tf.constant(np.inf, x.dtype), ratio)

    ratio = tf.maximum(tf.reduce_max(worst_ratio(mean_x, cov_xx)),
                       tf.reduce_max(worst_ratio(mean_y, cov_yy)))
    return mean_x, mean_y, cov_xx, cov_xy, cov_yy, ratio


def _numpy_moments(x: np.ndarray, y: np.ndarray) -> list:
    """`_corrected_moments`, or `_centred_moments` when the means are too large, in NumPy.

    `x @ x.T` runs as one symmetric rank-k update (half the products).
    """
    n = x.shape[1]
    ones = np.ones(n)  # sums by BLAS matrix-vector products: 4x np.mean's speed
    mean_x, mean_y = (x @ ones) / n, (y @ ones) / n
    grams = [x @ x.T, x @ y.T, y @ y.T]
    corrections = [np.outer(mean_x, mean_x), np.outer(mean_x, mean_y), np.outer(mean_y, mean_y)]
    cov_xx, cov_xy, cov_yy = [(g - n * c) / (n - 1) for g, c in zip(grams, corrections)]

    def worst_ratio(mean, cov):
        variance = np.diag(cov)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(variance > 0, np.square(mean) / np.where(variance > 0, variance, 1.0), 0.0)
        return np.where((mean != 0) & (variance <= 0), np.inf, ratio).max()

    if not max(worst_ratio(mean_x, cov_xx), worst_ratio(mean_y, cov_yy)) <= _MAX_MEAN_TO_VARIANCE:
        xc, yc = x - mean_x[:, None], y - mean_y[:, None]
        cov_xx, cov_xy, cov_yy = [g / (n - 1) for g in (xc @ xc.T, xc @ yc.T, yc @ yc.T)]
    return [tf.constant(a) for a in (mean_x, mean_y, cov_xx, cov_xy, cov_yy)]


# Up to this mean^2 / variance, covariances from uncentred products lose at
# most ~1e-12 relative accuracy; beyond it the data are centred first.
_MAX_MEAN_TO_VARIANCE = 1e4


def moments(x: Any, y: Any, dtype: Any = tf.float64, for_cca: bool = True) -> Moments:
    """Means and covariances of activations `x` (p, n) and `y` (q, n).

    With `for_cca` (the default) there must be more datapoints than neurons,
    as CCA needs; CKA is defined with fewer (`for_cca=False`).
    """
    # On a CPU, NumPy's OpenBLAS products are about twice TensorFlow's in
    # float64, and NumPy inputs need no conversion to tensors at all.
    numpy_route = on_cpu() and tf.as_dtype(dtype) == tf.float64
    convert = _as_numpy_activations if numpy_route else as_activations
    x = convert(x, "x", dtype)
    y = convert(y, "y", dtype)
    check_pair(x, y)
    count = int(x.shape[1])
    if for_cca:
        check_enough_datapoints(count, int(x.shape[0]), int(y.shape[0]))
    elif count < 2:
        raise ValueError(f"Comparing representations needs at least 2 datapoints. Received {count}.")
    if numpy_route:
        stats = _numpy_moments(x, y)
    else:
        *stats, ratio = _corrected_moments(x, y)
        if not float(ratio) <= _MAX_MEAN_TO_VARIANCE:  # also when NaN
            stats = _centred_moments(x, y)
    mean_x, mean_y, cov_xx, cov_xy, cov_yy = stats
    check_finite("x", mean_x, tf.linalg.diag_part(cov_xx))
    check_finite("y", mean_y, tf.linalg.diag_part(cov_yy))
    return Moments(count, mean_x, mean_y, cov_xx, cov_xy, cov_yy)
