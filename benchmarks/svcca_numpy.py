"""A NumPy float64 CCA that follows Google svcca's `cca_core` step by step.

Written for this project as the speed and accuracy baseline (svcca itself is
not a dependency): covariance of the stacked activations with `np.cov`,
normalization by the largest covariance entry, pruning of low-variance
neurons, `pinv`, matrix square root by `eigh`, then SVD. `pwcca` follows
`compute_pwcca` (directions, QR over the datapoints, projection weights),
for the case svcca handles (x keeps no more neurons than y). `svcca` follows
the tutorials: SVD of the centred data, top-k directions, then CCA.
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


def pwcca(x, y, epsilon=1e-10, flip_signs=True):
    """Projection-weighted mean, as svcca's compute_pwcca (x side).

    With `flip_signs`, the largest entry of each singular vector is made
    positive (al2_keras's convention); without it, LAPACK's signs stand.
    """
    coefficients, u, x_keep, _ = cca(x, y, epsilon)
    if flip_signs:
        pivots = u[np.argmax(np.abs(u), axis=0), np.arange(u.shape[1])]
        u = u * np.where(pivots < 0, -1.0, 1.0)
    acts = x[x_keep]
    means = acts.mean(axis=1, keepdims=True)
    directions = u.T @ (acts - means) + means
    basis, _ = np.linalg.qr(directions.T)
    weights = np.abs(basis.T @ acts.T).sum(axis=1)
    weights = weights / weights.sum()
    return float(np.sum(weights * coefficients)), weights, coefficients


def svcca(x, y, keep=20, epsilon=1e-10):
    """SVCCA as in the svcca tutorials: top-k singular directions, then CCA."""
    reduced = []
    for acts in (x, y):
        centred = acts - acts.mean(axis=1, keepdims=True)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        reduced.append(s[:keep, None] * vt[:keep])
    return cca(reduced[0], reduced[1], epsilon)[0]
