"""Linear algebra shared by the CCA measures: whitening, inverse square roots, singular values.

The route depends on the device. On a GPU everything stays on the device in
TensorFlow. On a CPU the Gram products over the datapoints (`covariances`)
and the dense decompositions (`eigh`, `svd`, `eigvalsh`) go through NumPy's
LAPACK/OpenBLAS: measured on a 2-core CPU at 2,048 x 2,048 in float64,
TensorFlow's `eigh` took 8.0 s against NumPy's 1.07 s, `svd` 3.2 s (values
only) and 5.4 s (with vectors) against 1.45 s, and its matmul X X^T (X 2,048
x 20,000) 2.0 s against 0.94 s. Cholesky factors and triangular solves stay
in TensorFlow (0.19 s and 0.23 s there; NumPy has no triangular solve).
"""

import functools
from typing import Any

import numpy as np

from al2_keras.optional import require

tf = require("tensorflow", "al2_keras.similarity")


@functools.lru_cache(maxsize=None)
def on_cpu() -> bool:
    """Whether TensorFlow sees no GPU, so NumPy's LAPACK does the heavy float64 work."""
    return not tf.config.list_logical_devices("GPU")


def to_numpy(tensor: Any) -> np.ndarray:
    return tensor.numpy() if hasattr(tensor, "numpy") else np.asarray(tensor)


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False):
    """`a @ b` (either transposed); NumPy's BLAS on a CPU, where TensorFlow's float64 GEMM is ~2x slower."""
    if on_cpu():
        a, b = to_numpy(a), to_numpy(b)
        return tf.constant((a.T if transpose_a else a) @ (b.T if transpose_b else b))
    return tf.matmul(a, b, transpose_a=transpose_a, transpose_b=transpose_b)


def svd(matrix: Any):
    """`(s, u, v)` of the thin SVD, `matrix = u diag(s) v^T`."""
    if on_cpu():
        u, s, vt = np.linalg.svd(to_numpy(matrix), full_matrices=False)
        return tf.constant(s), tf.constant(u), tf.constant(vt.T)
    return tf.linalg.svd(matrix, full_matrices=False)

def take2(matrix: Any, rows: Any, cols: Any):
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


def symmetric_eig(cov: Any):
    """Eigenvalues (descending) and eigenvectors of a symmetric PSD matrix.

    NumPy's `eigh` on a CPU; on a GPU TensorFlow's SVD (faster there than its
    `eigh`): for a positive semi-definite matrix the two coincide.
    """
    if on_cpu():
        values, vectors = np.linalg.eigh(to_numpy(cov))
        return tf.constant(values[::-1].copy()), tf.constant(vectors[:, ::-1].copy())
    values, _, vectors = tf.linalg.svd(cov)
    return values, vectors


def pinv_sqrt(cov: Any):
    """svcca's `sqrtm(pinv(cov))`, from one decomposition of `cov`."""
    values, vectors = symmetric_eig(cov)
    cutoff = 1e-15 * tf.reduce_max(tf.abs(values))
    inv_sqrt = tf.where(values > cutoff, 1.0 / tf.sqrt(tf.maximum(values, cutoff)), 0.0)
    return matmul(vectors * inv_sqrt[None, :], vectors, transpose_b=True)


def whiten_left(cov: Any, matrix: Any):
    """`W @ matrix` with `W` a whitening of `cov` (W cov W^T = I on its range)."""
    chol = _whitener(cov)
    if chol is None:
        return matmul(pinv_sqrt(cov), matrix), None
    return tf.linalg.triangular_solve(chol, matrix, lower=True), chol


def whitened_cross(sxx: Any, sxy: Any, syy: Any):
    """`Wx sxy Wy^T` for whitenings Wx, Wy of sxx and syy, and the factors."""
    left, chol_x = whiten_left(sxx, sxy)
    both_t, chol_y = whiten_left(syy, tf.transpose(left))
    return tf.transpose(both_t), chol_x, chol_y


# From this size on, singular values come from `eigvalsh` of the Gram matrix,
# about twice as fast as `svd`. Their absolute error is then up to ~1e-8 for
# correlations near zero (~1e-16 / c above), instead of ~1e-15.
_GRAM_SINGULAR_VALUES_FROM = 512


def singular_values(matrix: Any):
    """Singular values of `matrix`, descending."""
    rows, cols = int(matrix.shape[0]), int(matrix.shape[1])
    if on_cpu():
        m = to_numpy(matrix)
        if min(rows, cols) < _GRAM_SINGULAR_VALUES_FROM:
            return tf.constant(np.linalg.svd(m, compute_uv=False))
        gram = m @ m.T if rows <= cols else m.T @ m
        return tf.constant(np.sqrt(np.maximum(np.linalg.eigvalsh(gram)[::-1], 0.0)))
    if min(rows, cols) < _GRAM_SINGULAR_VALUES_FROM:
        return tf.linalg.svd(matrix, compute_uv=False)
    gram = (
        tf.matmul(matrix, matrix, transpose_b=True)
        if rows <= cols
        else tf.matmul(matrix, matrix, transpose_a=True)
    )
    values = tf.linalg.eigvalsh(gram)[::-1]
    return tf.sqrt(tf.maximum(values, 0.0))
