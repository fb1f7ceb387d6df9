"""Representation comparison: CCA, SVCCA, PWCCA and linear CKA."""

from al2_keras.similarity.cca import (
    CCAResult,
    PWCCAResult,
    cca,
    cca_from_moments,
    pwcca,
    pwcca_from_moments,
    svcca,
    svcca_from_moments,
    svcca_mean,
)
from al2_keras.similarity.cka import cka_from_moments, linear_cka
from al2_keras.similarity.conv import conv_to_neurons
from al2_keras.similarity.covariance import CovarianceAccumulator, Moments, moments

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
