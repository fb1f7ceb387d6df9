"""Representation comparison: CCA, SVCCA, PWCCA and linear CKA.

One measure per module (`cca`, `svcca`, `pwcca`, `cka`); `covariances` computes
the means and covariances they all start from, `accumulator` streams them.
"""

from al2_keras.similarity.accumulator import CovarianceAccumulator
from al2_keras.similarity.cca import CCAResult, cca, cca_from_moments, svcca_mean
from al2_keras.similarity.cka import cka_from_moments, linear_cka
from al2_keras.similarity.conv import conv_to_neurons
from al2_keras.similarity.covariances import Moments, moments
from al2_keras.similarity.pwcca import PWCCAResult, pwcca, pwcca_from_moments
from al2_keras.similarity.svcca import svcca, svcca_from_moments

__all__ = [
    "CCAResult",
    "CovarianceAccumulator",
    "Moments",
    "PWCCAResult",
    "cca",
    "cca_from_moments",
    "cka_from_moments",
    "conv_to_neurons",
    "linear_cka",
    "moments",
    "pwcca",
    "pwcca_from_moments",
    "svcca",
    "svcca_from_moments",
    "svcca_mean",
]
