"""CCA with the conventions of Google's svcca (`cca_core`), in TensorFlow.

Inputs are (neurons, datapoints), as in svcca's `cca_core`. Every result is
computed from the means and covariances of the two representations
(`moments.Moments`), so the in-memory functions and the streaming
accumulator share one implementation.

The numbers equal svcca's `get_cca_similarity`, but the route differs where
that is faster: the covariances are whitened by Cholesky factors and
triangular solves instead of `pinv` and an eigendecomposition (the canonical
correlations do not depend on the whitening).
"""

import dataclasses
from typing import Any, Optional

import numpy as np

from al2_keras.optional import require
from al2_keras.similarity import covariances as moments_lib
from al2_keras.similarity.covariances import Moments
from al2_keras.similarity.linalg import matmul, pinv_sqrt, singular_values, svd, take2, whitened_cross

tf = require("tensorflow", "al2_keras.similarity")

SVCCA_MEAN_THRESHOLD = 0.98


@dataclasses.dataclass
class CCAResult:
    """Canonical correlation analysis of two representations.

    Attributes:
        coefficients: Canonical correlations, descending (svcca's
            `cca_coef1`), as a NumPy array.
        mean: Their plain mean, the number papers report.
        svcca_mean: svcca's `mean`: the mean of the leading coefficients that
            hold 98% of their sum.
        x_idxs, y_idxs: Boolean masks of the neurons kept (svcca drops
            neurons whose normalized variance is below `epsilon`).
        x_weights, y_weights: Canonical weights (k, kept neurons), such that
            `x_weights @ (x[x_idxs] - x_mean)` are the canonical variates,
            with unit variance; None unless asked for.
        x_mean, y_mean: Neuron means of the kept neurons (with the weights).
    """

    coefficients: np.ndarray
    mean: float
    svcca_mean: float
    x_idxs: np.ndarray
    y_idxs: np.ndarray
    x_weights: Optional[np.ndarray] = None
    y_weights: Optional[np.ndarray] = None
    x_mean: Optional[np.ndarray] = None
    y_mean: Optional[np.ndarray] = None


def svcca_mean(coefficients: np.ndarray, threshold: float = SVCCA_MEAN_THRESHOLD) -> float:
    """svcca's summary: mean of the leading coefficients up to `threshold` of the sum.

    The first index `i` with `sum(c[:i]) / sum(c) >= threshold` bounds the
    mean, as svcca's `sum_threshold`.
    """
    c = np.asarray(coefficients, dtype=np.float64)
    total = c.sum()
    if c.size == 0 or total == 0:
        return 0.0
    partial = np.concatenate([[0.0], np.cumsum(c)[:-1]]) / total
    hits = np.nonzero(partial >= threshold)[0]
    if hits.size == 0:  # svcca returns None and then averages everything
        return float(c.mean())
    return float(c[: hits[0]].mean()) if hits[0] > 0 else float("nan")


@dataclasses.dataclass
class _Normalized:
    """Covariance blocks after svcca's rescaling, pruning and regularization."""

    sxx: tf.Tensor
    sxy: tf.Tensor
    syy: tf.Tensor
    x_idxs: np.ndarray
    y_idxs: np.ndarray
    kept_x: tf.Tensor
    kept_y: tf.Tensor
    xmax: tf.Tensor
    ymax: tf.Tensor


def check_epsilon(epsilon: Any) -> float:
    """Returns `epsilon` as a float, or raises unless it is a finite number >= 0."""
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.number)):
        raise TypeError(f"`epsilon` must be a number >= 0. Received: epsilon={epsilon!r}")
    if not (np.isfinite(epsilon) and epsilon >= 0):
        raise ValueError(
            "`epsilon` must be a finite number >= 0 (svcca's default is 1e-10): a negative "
            f"one makes the covariances indefinite. Received: epsilon={epsilon!r}")
    return float(epsilon)


def normalized_blocks(m: Moments, epsilon: float) -> _Normalized:
    """svcca's rescaling and neuron pruning of the covariance blocks."""
    epsilon = check_epsilon(epsilon)
    xmax = tf.reduce_max(tf.abs(m.cov_xx))
    ymax = tf.reduce_max(tf.abs(m.cov_yy))
    if float(xmax) == 0.0 or float(ymax) == 0.0:
        side = "x" if float(xmax) == 0.0 else "y"
        raise ValueError(
            f"Every neuron of `{side}` is constant over the datapoints: there "
            "is nothing to correlate."
        )
    x_idxs = tf.abs(tf.linalg.diag_part(m.cov_xx)) / xmax >= epsilon
    y_idxs = tf.abs(tf.linalg.diag_part(m.cov_yy)) / ymax >= epsilon
    if not bool(tf.reduce_any(x_idxs)) or not bool(tf.reduce_any(y_idxs)):
        side = "x" if not bool(tf.reduce_any(x_idxs)) else "y"
        raise ValueError(
            f"Every neuron of `{side}` has a normalized variance below "
            f"epsilon={epsilon}; lower epsilon."
        )
    kx = tf.where(x_idxs)[:, 0]
    ky = tf.where(y_idxs)[:, 0]
    sxx = take2(m.cov_xx, kx, kx) / xmax
    syy = take2(m.cov_yy, ky, ky) / ymax
    sxy = take2(m.cov_xy, kx, ky) / tf.sqrt(xmax * ymax)
    sxx += epsilon * tf.eye(tf.shape(sxx)[0], dtype=sxx.dtype)
    syy += epsilon * tf.eye(tf.shape(syy)[0], dtype=syy.dtype)
    return _Normalized(sxx, sxy, syy, x_idxs.numpy(), y_idxs.numpy(), kx, ky, xmax, ymax)


def cca_from_moments(m: Moments, epsilon: float = 1e-10, compute_weights: bool = False) -> CCAResult:
    """CCA of two representations given their moments. See `cca`."""
    b = normalized_blocks(m, epsilon)
    cross, chol_x, chol_y = whitened_cross(b.sxx, b.sxy, b.syy)
    if not compute_weights:
        return _result(singular_values(cross), b.x_idxs, b.y_idxs)
    coefficients, u, v = svd(cross)
    x_weights = _canonical_weights(b.sxx, chol_x, u, b.xmax)
    y_weights = _canonical_weights(b.syy, chol_y, v, b.ymax)
    return _result(
        coefficients, b.x_idxs, b.y_idxs,
        x_weights=x_weights.numpy(), y_weights=y_weights.numpy(),
        x_mean=tf.gather(m.mean_x, b.kept_x).numpy(), y_mean=tf.gather(m.mean_y, b.kept_y).numpy(),
    )


def _canonical_weights(cov, chol, singular_vectors, scale):
    """Rows map centred activations to unit-variance canonical variates."""
    if chol is None:
        whitening = pinv_sqrt(cov)
        weights = matmul(singular_vectors, whitening, transpose_a=True)
    else:
        weights = tf.transpose(
            tf.linalg.triangular_solve(chol, singular_vectors, lower=True, adjoint=True)
        )
    return weights / tf.sqrt(scale)


# Correlations above 1 by more than this are not rounding: the inputs were
# too ill-conditioned for the regularization.
_COEFFICIENT_TOLERANCE = 1e-6


def _result(coefficients, x_idxs, y_idxs, **extra) -> CCAResult:
    c = np.clip(np.abs(coefficients.numpy()), 0.0, None)
    if not np.all(np.isfinite(c)) or c.max(initial=0.0) > 1.0 + _COEFFICIENT_TOLERANCE:
        raise ValueError(
            f"CCA gave correlations outside [0, 1] (largest {c.max():.6g}): the covariances are "
            "too ill-conditioned for this epsilon. Raise epsilon (e.g. 1e-6), or compare fewer "
            "neurons or more datapoints.")
    return CCAResult(
        coefficients=c,
        mean=float(c.mean()),
        svcca_mean=svcca_mean(c),
        x_idxs=x_idxs,
        y_idxs=y_idxs,
        **extra,
    )


def cca(x: Any, y: Any, epsilon: float = 1e-10, compute_weights: bool = False, dtype: Any = tf.float64) -> CCAResult:
    """Canonical correlations between two representations, as svcca computes them.

    Args:
        x: Activations (neurons_x, datapoints), NumPy array or tensor.
        y: Activations (neurons_y, datapoints), the same datapoints.
        epsilon: svcca's regularization: neurons whose variance, divided by
            the largest covariance entry, is below it are dropped (reported
            in `x_idxs`/`y_idxs`), and it is added to the normalized
            covariances' diagonals.
        compute_weights: Also return the canonical weights.
        dtype: `tf.float64` (default) or `tf.float32`. float32 whitens by
            QR of the centred data rather than through covariances, which
            keeps every correlation within [0, 1].

    Returns:
        A `CCAResult`.
    """
    if tf.as_dtype(dtype) == tf.float32:
        if compute_weights:
            raise ValueError("`compute_weights` needs dtype float64 (the default).")
        return _cca_qr(x, y, epsilon)
    if tf.as_dtype(dtype) != tf.float64:
        raise ValueError(f"`dtype` must be float64 or float32. Received: dtype={dtype}")
    return cca_from_moments(moments_lib.moments(x, y), epsilon, compute_weights)


def _cca_qr(x, y, epsilon):
    """float32 CCA from orthonormal bases of the centred data (QR, then SVD)."""
    epsilon = check_epsilon(epsilon)
    x = moments_lib.as_activations(x, "x", tf.float32)
    y = moments_lib.as_activations(y, "y", tf.float32)
    moments_lib.check_pair(x, y)
    moments_lib.check_enough_datapoints(int(x.shape[1]), int(x.shape[0]), int(y.shape[0]))
    # A NaN or infinity anywhere makes its neuron's sum non-finite.
    moments_lib.check_finite("x", tf.reduce_sum(x, axis=1))
    moments_lib.check_finite("y", tf.reduce_sum(y, axis=1))
    bases, masks = [], []
    for acts in (x, y):
        centred = acts - tf.reduce_mean(acts, axis=1, keepdims=True)
        variance = tf.reduce_sum(tf.square(centred), axis=1)
        keep = variance / tf.reduce_max(variance) >= epsilon
        if float(tf.reduce_max(variance)) == 0.0 or not bool(tf.reduce_any(keep)):
            raise ValueError("Every neuron of one input is constant over the datapoints.")
        q, r = tf.linalg.qr(tf.transpose(tf.boolean_mask(centred, keep)))
        # Drop directions that are numerically dependent on earlier ones.
        diag = tf.abs(tf.linalg.diag_part(r))
        rank_mask = diag > 1e-5 * tf.reduce_max(diag)
        bases.append(tf.boolean_mask(q, rank_mask, axis=1))
        masks.append(keep.numpy())
    coefficients = tf.linalg.svd(tf.matmul(bases[0], bases[1], transpose_a=True), compute_uv=False)
    coefficients = tf.clip_by_value(coefficients, 0.0, 1.0)
    return _result(coefficients, masks[0], masks[1])
