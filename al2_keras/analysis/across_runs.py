"""Similarity of representations across runs, with a chance-level control."""

from typing import Dict, Sequence

import numpy as np

from al2_keras import similarity


def as_neurons(features: np.ndarray) -> np.ndarray:
    """(N, H, W, C) conv features to (C, N*H*W); (N, D) to (D, N)."""
    if features.ndim == 4:
        return np.asarray(similarity.conv_to_neurons(features))
    if features.ndim == 2:
        return features.T
    raise ValueError(
        f"Features must be (N, H, W, C) or (N, D). Received shape {features.shape}."
    )


def compare_representations(x: np.ndarray, y: np.ndarray, keep: int = 20) -> Dict[str, float]:
    """CCA mean, SVCCA mean, PWCCA and linear CKA of two (neurons, datapoints) arrays.

    All four are computed from one pass over the data (one set of moments).
    """
    moments = similarity.moments(x, y)
    return {
        "cca": similarity.cca_from_moments(moments).mean,
        "svcca": similarity.svcca_from_moments(moments, keep=min(keep, x.shape[0], y.shape[0])).mean,
        "pwcca": similarity.pwcca_from_moments(moments).mean,
        "cka": similarity.cka_from_moments(moments),
    }


def similarity_across_runs(
    runs: Sequence[Dict[int, np.ndarray]], keep: int = 20, seed: int = 0
) -> list:
    """Similarity between the first two runs' snapshots, epoch by epoch.

    Also compares the first run with a random representation of the same
    shape (Gaussian, same mean and standard deviation per neuron): the
    chance level of each measure.

    Args:
        runs: Two or more dicts epoch -> features of independently
            initialized runs.
        keep: SVCCA directions to keep.
        seed: Seed of the random baseline.

    Returns:
        A list of rows {"epoch", "pair", "cca", "svcca", "pwcca", "cka"}.
    """
    if len(runs) < 2:
        raise ValueError(f"Need at least two runs to compare. Received {len(runs)}.")
    rng = np.random.default_rng(seed)
    rows = []
    for epoch in sorted(set(runs[0]) & set(runs[1])):
        a, b = as_neurons(runs[0][epoch]), as_neurons(runs[1][epoch])
        rows.append({"epoch": epoch, "pair": "seed 0 vs seed 1", **compare_representations(a, b, keep)})
        noise = a.mean(axis=1, keepdims=True) + a.std(axis=1, keepdims=True) * rng.standard_normal(a.shape)
        rows.append({"epoch": epoch, "pair": "seed 0 vs random", **compare_representations(a, noise, keep)})
    return rows
