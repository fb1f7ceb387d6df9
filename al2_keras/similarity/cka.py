"""Linear centred kernel alignment (Kornblith et al., 2019)."""

from typing import Any

from al2_keras.optional import require
from al2_keras.similarity import covariances as moments_lib
from al2_keras.similarity.covariances import Moments

tf = require("tensorflow", "al2_keras.similarity")


def _frobenius_squared(matrix):
    return tf.reduce_sum(tf.square(matrix))


def cka_from_moments(m: Moments) -> float:
    """Biased linear CKA from covariances: ||Cxy||^2 / (||Cxx|| ||Cyy||)."""
    denominator = tf.sqrt(_frobenius_squared(m.cov_xx) * _frobenius_squared(m.cov_yy))
    if float(denominator) == 0.0:
        raise ValueError("CKA is undefined: one representation is constant.")
    return float(_frobenius_squared(m.cov_xy) / denominator)


def _debiased_dot(dot, rows_x, rows_y, n):
    """Unbiased HSIC numerator (Song et al., 2012) for linear kernels."""
    return (
        dot
        - n / (n - 2.0) * tf.reduce_sum(rows_x * rows_y)
        + tf.reduce_sum(rows_x) * tf.reduce_sum(rows_y) / ((n - 1.0) * (n - 2.0))
    )


def linear_cka(x: Any, y: Any, unbiased: bool = False) -> float:
    """Linear CKA between two representations (neurons, datapoints).

    Args:
        x: Activations (neurons_x, datapoints).
        y: Activations (neurons_y, datapoints).
        unbiased: Use the unbiased HSIC estimator (needs more than 3
            datapoints) instead of the biased one.

    Returns:
        The CKA similarity, in [0, 1] for the biased estimator.
    """
    if not unbiased:
        return cka_from_moments(moments_lib.moments(x, y, for_cca=False))
    x = moments_lib.as_activations(x, "x")
    y = moments_lib.as_activations(y, "y")
    moments_lib.check_pair(x, y)
    count = int(x.shape[1])
    if count <= 3:
        raise ValueError(
            f"The unbiased CKA estimator needs more than 3 datapoints. Received {count}."
        )
    n = tf.constant(float(count), tf.float64)
    xc = x - tf.reduce_mean(x, axis=1, keepdims=True)
    yc = y - tf.reduce_mean(y, axis=1, keepdims=True)
    rows_x = tf.reduce_sum(tf.square(xc), axis=0)  # squared norm per datapoint
    rows_y = tf.reduce_sum(tf.square(yc), axis=0)
    xy = _debiased_dot(_frobenius_squared(tf.matmul(xc, yc, transpose_b=True)), rows_x, rows_y, n)
    xx = _debiased_dot(_frobenius_squared(tf.matmul(xc, xc, transpose_b=True)), rows_x, rows_x, n)
    yy = _debiased_dot(_frobenius_squared(tf.matmul(yc, yc, transpose_b=True)), rows_y, rows_y, n)
    if float(xx) <= 0.0 or float(yy) <= 0.0:
        raise ValueError("Unbiased CKA is undefined: a self-similarity estimate is not positive.")
    return float(xy / tf.sqrt(xx * yy))
