"""Linear algebra shared by the CCA measures: whitening, inverse square roots, singular values."""

from al2_keras.optional import require

tf = require("tensorflow", "al2_keras.similarity")

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
