"""A NumPy float64 CCA that follows Google svcca's `cca_core` step by step.

Written for this project as the speed and accuracy baseline (svcca itself is
not a dependency): covariance of the stacked activations with `np.cov`,
normalization by the largest covariance entry, pruning of low-variance
neurons, `pinv`, matrix square root by `eigh`, then SVD. `pwcca` is
`compute_pwcca` unmodified in behaviour (LAPACK's signs, the mean add-back,
upstream's second branch as written): the oracle of `al2_keras.pwcca`'s
`svcca_compatible=True` mode. `svcca` follows the tutorials: SVD of the
centred data, top-k directions, then CCA.
"""

import numpy as np


def _inverse_sqrt(matrix):
    values, vectors = np.linalg.eigh(np.linalg.pinv(matrix))
    return (vectors * np.sqrt(values)) @ vectors.T


def cca(x, y, epsilon=1e-10):
    """Returns (coefficients, u, x_keep, y_keep) as svcca's get_cca_similarity."""
    p = x.shape[0]
    covariance = np.cov(x, y)
    sxx, sxy, syy = covariance[:p, :p], covariance[:p, p:], covariance[p:, p:]
    xmax, ymax = np.max(np.abs(sxx)), np.max(np.abs(syy))
    sxx, syy, sxy = sxx / xmax, syy / ymax, sxy / np.sqrt(xmax * ymax)
    x_keep = np.abs(np.diag(sxx)) >= epsilon
    y_keep = np.abs(np.diag(syy)) >= epsilon
    sxx = sxx[x_keep][:, x_keep] + epsilon * np.eye(x_keep.sum())
    syy = syy[y_keep][:, y_keep] + epsilon * np.eye(y_keep.sum())
    sxy = sxy[x_keep][:, y_keep]
    whitened = _inverse_sqrt(sxx) @ sxy @ _inverse_sqrt(syy)
    u, s, _ = np.linalg.svd(whitened)
    return np.abs(s), u, x_keep, y_keep


def pwcca(x, y, epsilon=1e-10):
    """svcca's `compute_pwcca`, unmodified in behaviour: (mean, weights, coefficients).

    As upstream: LAPACK's singular-vector signs stand, each neuron's mean is
    added back onto the direction of the same index, and the branch for `x`
    keeping more neurons than `y` reads `x` where it means `y` (it raises an
    IndexError unless the counts happen to fit).
    """
    coefficients, u, x_keep, y_keep = cca(x, y, epsilon)
    means1, means2 = x.mean(axis=1, keepdims=True), y.mean(axis=1, keepdims=True)
    if x_keep.sum() <= y_keep.sum():
        directions = u.T @ (x[x_keep] - means1[x_keep]) + means1[x_keep]
        acts, keep = x, x_keep
    else:  # upstream's coef_y is the v of the SVD: recompute it as cca_core does
        _, v = _right_vectors(x, y, epsilon)
        directions = v @ (x[y_keep] - means2[y_keep]) + means2[y_keep]
        acts, keep = y, y_keep
    basis, _ = np.linalg.qr(directions.T)
    weights = np.abs(basis.T @ acts[keep].T).sum(axis=1)
    weights = weights / weights.sum()
    return float(np.sum(weights * coefficients)), weights, coefficients


def _right_vectors(x, y, epsilon):
    """The `s` and `v` of cca_core's SVD (for compute_pwcca's second branch)."""
    p = x.shape[0]
    covariance = np.cov(x, y)
    sxx, sxy, syy = covariance[:p, :p], covariance[:p, p:], covariance[p:, p:]
    xmax, ymax = np.max(np.abs(sxx)), np.max(np.abs(syy))
    sxx, syy, sxy = sxx / xmax, syy / ymax, sxy / np.sqrt(xmax * ymax)
    x_keep, y_keep = np.abs(np.diag(sxx)) >= epsilon, np.abs(np.diag(syy)) >= epsilon
    sxx = sxx[x_keep][:, x_keep] + epsilon * np.eye(x_keep.sum())
    syy = syy[y_keep][:, y_keep] + epsilon * np.eye(y_keep.sum())
    _, s, v = np.linalg.svd(_inverse_sqrt(sxx) @ sxy[x_keep][:, y_keep] @ _inverse_sqrt(syy))
    return s, v


def svcca(x, y, keep=20, epsilon=1e-10):
    """SVCCA as in the svcca tutorials: top-k singular directions, then CCA."""
    reduced = []
    for acts in (x, y):
        centred = acts - acts.mean(axis=1, keepdims=True)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        reduced.append(s[:keep, None] * vt[:keep])
    return cca(reduced[0], reduced[1], epsilon)[0]
