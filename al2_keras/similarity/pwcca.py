"""Projection-weighted CCA (Morcos et al., 2018), and svcca's `compute_pwcca`.

Two definitions, one formula:

- Default, Morcos et al. (2018): the canonical correlations are weighted by
  how much of the centred representation (the side with fewer kept neurons)
  their canonical directions account for. It does not depend on the signs of
  the singular vectors, equals svcca's `compute_pwcca` on mean-centred
  activations, and is the same in memory and streamed.
- `svcca_compatible=True`: svcca's `compute_pwcca` on the activations as
  given. It adds each neuron's mean back onto the canonical direction of the
  same index before the QR, so its value depends on the sign that LAPACK
  gives each singular vector; this mode computes those vectors as svcca
  does (NumPy's LAPACK SVD of svcca's whitened cross-covariance) to
  reproduce its published numbers.

Both are computed from the moments: with n datapoints, directions
D = u^T (A - mu) + b mu (b = 0 by default, 1 in svcca's mode), and
D D^T = (n-1) u^T C u + b n mu mu^T = L L^T, D A^T = (n-1) u^T C + b n mu mu^T,
so the projections P^T A^T of svcca's QR are L^-1 D A^T (by default A is
centred: its mean term is 0 too), with no pass over the data.
"""

import dataclasses
from typing import Any

import numpy as np

from al2_keras.optional import require
from al2_keras.similarity import covariances as moments_lib
from al2_keras.similarity.cca import normalized_blocks
from al2_keras.similarity.covariances import Moments
from al2_keras.similarity.linalg import matmul, pinv_sqrt, svd, take2, to_numpy, whiten_left

tf = require("tensorflow", "al2_keras.similarity")


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


def pwcca(x: Any, y: Any, epsilon: float = 1e-10, svcca_compatible: bool = False) -> PWCCAResult:
    """Projection-weighted CCA of two representations (neurons, datapoints).

    The canonical correlations are weighted by how much of the representation
    with fewer kept neurons their directions account for (svcca's
    `compute_pwcca` fails, IndexError, or mixes up neurons when `x` keeps more
    neurons than `y`, as that branch reads `acts1` where it means `acts2`;
    here that branch weights with `y`'s directions and activations).

    Args:
        x: Activations (neurons_x, datapoints).
        y: Activations (neurons_y, datapoints).
        epsilon: CCA regularization, as in `cca`.
        svcca_compatible: False (default): Morcos et al.'s definition,
            weights from the centred activations; sign-invariant, equal to
            svcca's `compute_pwcca` on centred inputs. True: svcca's
            `compute_pwcca` on the inputs as given, mean add-back included,
            with the singular-vector signs NumPy's LAPACK returns (upstream's
            value depends on them); for comparing with published numbers.
    """
    return pwcca_from_moments(moments_lib.moments(x, y), epsilon, svcca_compatible)


def _svcca_left_vectors(cov, cross, other):
    """svcca's `u` and `s`: NumPy SVD of pinv-sqrt(cov) cross pinv-sqrt(other), as `compute_ccas`."""

    cov, cross, other = (np.asarray(t) for t in (cov, cross, other))
    # svcca's positivedef_matrix_sqrt(pinv(matrix)) is pinv_sqrt's matrix
    # (one eigh instead of pinv's SVD and an eigh; equal to rounding, which
    # leaves LAPACK's signs of the SVD below as upstream gets them).
    whitened = to_numpy(pinv_sqrt(cov)) @ cross @ to_numpy(pinv_sqrt(other))
    u, s, _ = np.linalg.svd(whitened)
    return tf.constant(u[:, : len(s)]), tf.constant(np.abs(s))


def pwcca_from_moments(m: Moments, epsilon: float = 1e-10, svcca_compatible: bool = False) -> PWCCAResult:
    """PWCCA given the moments of the two representations. See `pwcca`."""
    b = normalized_blocks(m, epsilon)
    if b.x_idxs.sum() <= b.y_idxs.sum():
        side, cov, other, cross, kept, mean, raw_cov = "x", b.sxx, b.syy, b.sxy, b.kept_x, m.mean_x, m.cov_xx
    else:
        side, cov, other, cross = "y", b.syy, b.sxx, tf.transpose(b.sxy)
        kept, mean, raw_cov = b.kept_y, m.mean_y, m.cov_yy
    if svcca_compatible:
        u, coefficients = _svcca_left_vectors(cov, cross, other)
    else:
        # The left singular vectors of cov^-1/2 cross other^-1/2 (symmetric
        # inverse square root on this side); any whitening of the other side
        # leaves them unchanged. Their signs do not matter here.
        right, _ = whiten_left(other, tf.transpose(cross))
        coefficients, u, _ = svd(matmul(pinv_sqrt(cov), right, transpose_b=True))
    n = tf.constant(float(m.count), tf.float64)
    c_u = matmul(take2(raw_cov, kept, kept), u)
    gram = (n - 1.0) * matmul(u, c_u, transpose_a=True)
    dirns_acts = (n - 1.0) * tf.transpose(c_u)
    if svcca_compatible:
        mu = tf.gather(mean, kept)
        mu_outer = n * mu[:, None] * mu[None, :]
        gram, dirns_acts = gram + mu_outer, dirns_acts + mu_outer
    projections = tf.linalg.triangular_solve(tf.linalg.cholesky(gram), dirns_acts, lower=True)
    weights = tf.reduce_sum(tf.abs(projections), axis=1)
    weights = weights / tf.reduce_sum(weights)
    coefficients = tf.abs(coefficients)
    return PWCCAResult(
        mean=float(tf.reduce_sum(weights * coefficients)),
        weights=weights.numpy(),
        coefficients=coefficients.numpy(),
        weighted_side=side,
    )
