"""CCA, SVCCA and PWCCA with the conventions of Google's svcca, in TensorFlow.

Inputs are (neurons, datapoints), as in svcca's `cca_core`. Every result is
computed from the means and covariances of the two representations
(`moments.Moments`), so the in-memory functions and the streaming
accumulator share one implementation.

The numbers equal svcca's (`get_cca_similarity`, `compute_pwcca`, the SVCCA
of its tutorials), but the route differs where that is faster: the
covariances are whitened by Cholesky factors and triangular solves instead
of `pinv` and an eigendecomposition (the canonical correlations do not
depend on the whitening), and PWCCA's QR of the (datapoints x neurons)
directions is done through the Gram matrix, which the covariance gives
without another pass over the data.
"""

import dataclasses
from typing import Optional, Union

import numpy as np

from al2_keras.optional import require
from al2_keras.similarity import covariance as moments_lib
from al2_keras.similarity.covariance import Moments

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


@dataclasses.dataclass
class PWCCAResult:
    """Projection-weighted CCA (Morcos et al., 2018).

    Attributes:
        mean: The projection-weighted mean of the canonical correlations.
        weights: The projection weights (sum to 1).
        coefficients: The canonical correlations they weight.
        weighted_side: "x" or "y": the representation whose directions give
            the weights (the one with fewer kept neurons).
    """

    mean: float
    weights: np.ndarray
    coefficients: np.ndarray
    weighted_side: str


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


def check_epsilon(epsilon) -> float:
    """Returns `epsilon` as a float, or raises unless it is a finite number >= 0."""
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.number)):
        raise TypeError(f"`epsilon` must be a number >= 0. Received: epsilon={epsilon!r}")
    if not (np.isfinite(epsilon) and epsilon >= 0):
        raise ValueError(
            "`epsilon` must be a finite number >= 0 (svcca's default is 1e-10): a negative "
            f"one makes the covariances indefinite. Received: epsilon={epsilon!r}")
    return float(epsilon)


def _normalized_blocks(m: Moments, epsilon: float) -> _Normalized:
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
    sxx = _take2(m.cov_xx, kx, kx) / xmax
    syy = _take2(m.cov_yy, ky, ky) / ymax
    sxy = _take2(m.cov_xy, kx, ky) / tf.sqrt(xmax * ymax)
    sxx += epsilon * tf.eye(tf.shape(sxx)[0], dtype=sxx.dtype)
    syy += epsilon * tf.eye(tf.shape(syy)[0], dtype=syy.dtype)
    return _Normalized(sxx, sxy, syy, x_idxs.numpy(), y_idxs.numpy(), kx, ky, xmax, ymax)


def _take2(matrix, rows, cols):
    return tf.gather(tf.gather(matrix, rows, axis=0), cols, axis=1)


def _whitener(cov):
    """Cholesky factor of `cov`, or None where `cov` is not positive definite."""
    try:
        chol = tf.linalg.cholesky(cov)
    except tf.errors.InvalidArgumentError:
        return None
    if not bool(tf.reduce_all(tf.math.is_finite(chol))):
        return None
    return chol


def _symmetric_eig(cov):
    """Eigenvalues (descending) and eigenvectors of a symmetric PSD matrix.

    Through the SVD, which TensorFlow computes faster than `eigh` on CPU;
    for a positive semi-definite matrix the two decompositions coincide.
    """
    values, _, vectors = tf.linalg.svd(cov)
    return values, vectors


def _pinv_sqrt(cov):
    """svcca's `sqrtm(pinv(cov))`, from one decomposition of `cov`."""
    values, vectors = _symmetric_eig(cov)
    cutoff = 1e-15 * tf.reduce_max(tf.abs(values))
    inv_sqrt = tf.where(values > cutoff, 1.0 / tf.sqrt(tf.maximum(values, cutoff)), 0.0)
    return tf.matmul(vectors * inv_sqrt[None, :], vectors, transpose_b=True)


def _whiten_left(cov, matrix):
    """`W @ matrix` with `W` a whitening of `cov` (W cov W^T = I on its range)."""
    chol = _whitener(cov)
    if chol is None:
        return tf.matmul(_pinv_sqrt(cov), matrix), None
    return tf.linalg.triangular_solve(chol, matrix, lower=True), chol


def _whitened_cross(sxx, sxy, syy):
    """`Wx sxy Wy^T` for whitenings Wx, Wy of sxx and syy, and the factors."""
    left, chol_x = _whiten_left(sxx, sxy)
    both_t, chol_y = _whiten_left(syy, tf.transpose(left))
    return tf.transpose(both_t), chol_x, chol_y


def cca_from_moments(m: Moments, epsilon: float = 1e-10, compute_weights: bool = False) -> CCAResult:
    """CCA of two representations given their moments. See `cca`."""
    b = _normalized_blocks(m, epsilon)
    cross, chol_x, chol_y = _whitened_cross(b.sxx, b.sxy, b.syy)
    if not compute_weights:
        return _result(_singular_values(cross), b.x_idxs, b.y_idxs)
    coefficients, u, v = tf.linalg.svd(cross, full_matrices=False)
    x_weights = _canonical_weights(b.sxx, chol_x, u, b.xmax)
    y_weights = _canonical_weights(b.syy, chol_y, v, b.ymax)
    return _result(
        coefficients, b.x_idxs, b.y_idxs,
        x_weights=x_weights.numpy(), y_weights=y_weights.numpy(),
        x_mean=tf.gather(m.mean_x, b.kept_x).numpy(), y_mean=tf.gather(m.mean_y, b.kept_y).numpy(),
    )


# From this size on, singular values come from `eigvalsh` of the Gram matrix,
# which TensorFlow computes about twice as fast as `svd` on CPU. Their
# absolute error is then up to ~1e-8 for correlations near zero (~1e-16 / c
# above), instead of ~1e-15.
_GRAM_SINGULAR_VALUES_FROM = 512


def _singular_values(matrix):
    """Singular values of `matrix`, descending."""
    rows, cols = int(matrix.shape[0]), int(matrix.shape[1])
    if min(rows, cols) < _GRAM_SINGULAR_VALUES_FROM:
        return tf.linalg.svd(matrix, compute_uv=False)
    gram = (
        tf.matmul(matrix, matrix, transpose_b=True)
        if rows <= cols
        else tf.matmul(matrix, matrix, transpose_a=True)
    )
    values = tf.linalg.eigvalsh(gram)[::-1]
    return tf.sqrt(tf.maximum(values, 0.0))


def _canonical_weights(cov, chol, singular_vectors, scale):
    """Rows map centred activations to unit-variance canonical variates."""
    if chol is None:
        whitening = _pinv_sqrt(cov)
        weights = tf.matmul(singular_vectors, whitening, transpose_a=True)
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


def cca(x, y, epsilon: float = 1e-10, compute_weights: bool = False, dtype=tf.float64) -> CCAResult:
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


def _svcca_moments(m: Moments, keep: Union[int, float]) -> Moments:
    """Moments of the top singular directions of each representation."""
    reduced = []
    for cov in (m.cov_xx, m.cov_yy):
        values, vectors = _symmetric_eig(cov)
        reduced.append((values, vectors, _count_kept(values.numpy(), keep, int(cov.shape[0]))))
    (vx, ux, kx), (vy, uy, ky) = reduced
    ux, uy = ux[:, :kx], uy[:, :ky]
    zero_x = tf.zeros([kx], m.mean_x.dtype)
    zero_y = tf.zeros([ky], m.mean_y.dtype)
    return Moments(
        count=m.count,
        mean_x=zero_x,
        mean_y=zero_y,
        cov_xx=tf.matmul(ux, tf.matmul(m.cov_xx, ux), transpose_a=True),
        cov_xy=tf.matmul(ux, tf.matmul(m.cov_xy, uy), transpose_a=True),
        cov_yy=tf.matmul(uy, tf.matmul(m.cov_yy, uy), transpose_a=True),
    )


def _count_kept(values: np.ndarray, keep, neurons: int) -> int:
    if isinstance(keep, (bool, np.bool_)):
        raise ValueError(f"`keep` must be an int or a float. Received: keep={keep!r}")
    if not isinstance(keep, (int, float, np.number)):
        raise TypeError(
            "`keep` must be an int (directions to keep) or a float in (0, 1] (share of the "
            f"variance). Received: keep={keep!r}")
    if isinstance(keep, (int, np.integer)):
        if keep < 1:
            raise ValueError(f"`keep` must be >= 1. Received: keep={keep}")
        return min(int(keep), neurons)
    if not 0.0 < keep <= 1.0:
        raise ValueError(
            "A float `keep` is the fraction of variance to keep, in (0, 1]. "
            f"Received: keep={keep}"
        )
    positive = np.clip(values, 0.0, None)
    explained = np.cumsum(positive) / positive.sum()
    return int(min(np.searchsorted(explained, keep - 1e-12) + 1, neurons))


def svcca(x, y, keep: Union[int, float] = 20, epsilon: float = 1e-10) -> CCAResult:
    """SVCCA: CCA between the top singular directions of each representation.

    As in the svcca tutorials: each representation is mean-centred and
    reduced to its top `keep` singular directions (scaled by their singular
    values), then compared with CCA.

    Args:
        x: Activations (neurons_x, datapoints).
        y: Activations (neurons_y, datapoints).
        keep: Number of directions to keep (int), or the fraction of
            variance they must explain (float in (0, 1]): the fewest
            directions that reach it are kept.
        epsilon: CCA regularization, as in `cca`.
    """
    return svcca_from_moments(moments_lib.moments(x, y), keep, epsilon)


def svcca_from_moments(m: Moments, keep: Union[int, float] = 20, epsilon: float = 1e-10) -> CCAResult:
    """SVCCA given the moments of the two representations. See `svcca`."""
    return cca_from_moments(_svcca_moments(m, keep), epsilon)


def pwcca(x, y, epsilon: float = 1e-10) -> PWCCAResult:
    """Projection-weighted CCA, as svcca's `compute_pwcca`.

    The canonical correlations are weighted by how much of the
    representation with fewer kept neurons their directions account for.
    svcca's `compute_pwcca` fails (IndexError) or mixes up neurons when `x`
    keeps more neurons than `y`, because that branch reads `acts1` where it
    means `acts2`; here that branch weights with `y`'s directions and `y`'s
    activations, as intended.

    svcca's directions add each neuron's mean back to the direction of the
    same index, so for activations with non-zero means its result depends
    on the sign LAPACK happens to give each singular vector. We keep the
    formula and fix the signs (largest entry of each singular vector
    positive): the result equals svcca's whenever LAPACK returns those
    signs, and always for mean-centred activations.

    Args:
        x: Activations (neurons_x, datapoints).
        y: Activations (neurons_y, datapoints).
        epsilon: CCA regularization, as in `cca`.
    """
    return pwcca_from_moments(moments_lib.moments(x, y), epsilon)


def flip_signs(u: tf.Tensor) -> tf.Tensor:
    """Makes the largest-magnitude entry of each column positive.

    svcca adds each neuron's mean back to the direction of the same index,
    so its PWCCA weights change with the arbitrary sign of each singular
    vector (whatever LAPACK returns). This fixes the sign deterministically.
    """
    rows = tf.argmax(tf.abs(u), axis=0)
    pivots = tf.gather_nd(u, tf.stack([rows, tf.range(tf.shape(u, out_type=rows.dtype)[1])], axis=1))
    return u * tf.where(pivots < 0, -tf.ones_like(pivots), tf.ones_like(pivots))[None, :]


def pwcca_from_moments(m: Moments, epsilon: float = 1e-10) -> PWCCAResult:
    """PWCCA given the moments of the two representations. See `pwcca`."""
    b = _normalized_blocks(m, epsilon)
    if b.x_idxs.sum() <= b.y_idxs.sum():
        side, cov, other, cross, kept, mean = "x", b.sxx, b.syy, b.sxy, b.kept_x, m.mean_x
        raw_cov = m.cov_xx
    else:
        side, cov, other, cross, kept, mean = "y", b.syy, b.sxx, tf.transpose(b.sxy), b.kept_y, m.mean_y
        raw_cov = m.cov_yy
    # svcca's directions are the left singular vectors of
    # cov^-1/2 cross other^-1/2 with the symmetric inverse square root on
    # this side; any whitening of the other side leaves them unchanged.
    right, _ = _whiten_left(other, tf.transpose(cross))
    coefficients, u, _ = tf.linalg.svd(tf.matmul(_pinv_sqrt(cov), tf.transpose(right)), full_matrices=False)
    u = flip_signs(u)
    # svcca's directions D = u^T (A - mu) + mu (mu_i added to row i) over the
    # datapoints, P = QR(D^T). With n datapoints, D D^T = (n-1) u^T C u +
    # n mu mu^T = L L^T and D A^T = (n-1) u^T C + n mu mu^T, so
    # P^T A^T = L^-1 D A^T: no pass over the data.
    n = tf.constant(float(m.count), tf.float64)
    c = _take2(raw_cov, kept, kept)
    mu = tf.gather(mean, kept)
    mu_outer = n * mu[:, None] * mu[None, :]
    c_u = tf.matmul(c, u)
    gram = (n - 1.0) * tf.matmul(u, c_u, transpose_a=True) + mu_outer
    dirns_acts = (n - 1.0) * tf.transpose(c_u) + mu_outer
    chol = tf.linalg.cholesky(gram)
    projections = tf.linalg.triangular_solve(chol, dirns_acts, lower=True)
    weights = tf.reduce_sum(tf.abs(projections), axis=1)
    weights = weights / tf.reduce_sum(weights)
    coefficients = tf.abs(coefficients)
    return PWCCAResult(
        mean=float(tf.reduce_sum(weights * coefficients)),
        weights=weights.numpy(),
        coefficients=coefficients.numpy(),
        weighted_side=side,
    )
