"""SVCCA: CCA between the top singular directions of each representation (the svcca tutorials)."""

from typing import Any, Union

import numpy as np

from al2_keras.optional import require
from al2_keras.similarity import covariances as moments_lib
from al2_keras.similarity.cca import CCAResult, cca_from_moments
from al2_keras.similarity.covariances import Moments
from al2_keras.similarity.linalg import matmul, symmetric_eig

tf = require("tensorflow", "al2_keras.similarity")

def _svcca_moments(m: Moments, keep: Union[int, float]) -> Moments:
    """Moments of the top singular directions of each representation."""
    reduced = []
    for cov in (m.cov_xx, m.cov_yy):
        values, vectors = symmetric_eig(cov)
        reduced.append((values, vectors, _count_kept(values.numpy(), keep, int(cov.shape[0]))))
    (vx, ux, kx), (vy, uy, ky) = reduced
    ux, uy = ux[:, :kx], uy[:, :ky]
    zero_x = tf.zeros([kx], m.mean_x.dtype)
    zero_y = tf.zeros([ky], m.mean_y.dtype)
    return Moments(
        count=m.count,
        mean_x=zero_x,
        mean_y=zero_y,
        cov_xx=matmul(ux, matmul(m.cov_xx, ux), transpose_a=True),
        cov_xy=matmul(ux, matmul(m.cov_xy, uy), transpose_a=True),
        cov_yy=matmul(uy, matmul(m.cov_yy, uy), transpose_a=True),
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


def svcca(x: Any, y: Any, keep: Union[int, float] = 20, epsilon: float = 1e-10) -> CCAResult:
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
