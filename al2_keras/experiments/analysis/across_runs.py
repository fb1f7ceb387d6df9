"""Similarity of representations across runs, with a chance-level control."""

import itertools
from typing import Dict, Sequence

import keras
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


def check_comparable(model: keras.Model, layer_name: str, images: int, keep: int) -> int:
    """Checks, before any training, that snapshots of `layer_name` can be compared; returns its neurons.

    A snapshot of `images` probe images is (neurons, datapoints) as
    `as_neurons` makes it: a convolution's channels over every image and
    position, a dense layer's units over the images. CCA needs more
    datapoints than neurons, and SVCCA keeps at most as many directions as
    there are neurons.

    Raises:
        ValueError: naming the layer, the counts and what to change.
    """
    names = [layer.name for layer in model.layers]
    if layer_name not in names:
        raise ValueError(f"Model '{model.name}' has no layer '{layer_name}' to record.")
    shape = model.get_layer(layer_name).output.shape[1:]
    if len(shape) not in (1, 3):
        raise ValueError(f"Layer '{layer_name}' gives features of shape {tuple(shape)}; the comparison takes "
                         "(H, W, C) or (D,) per image.")
    neurons, positions = int(shape[-1]), int(np.prod(shape[:-1], dtype=int))
    datapoints = images * positions
    if datapoints <= neurons:
        raise ValueError(
            f"{images} probe images give {datapoints} datapoints ({positions} per image) for the {neurons} neurons "
            f"of '{layer_name}'; CCA needs more datapoints than neurons: use at least "
            f"{neurons // positions + 1} images.")
    if keep > neurons:
        raise ValueError(f"SVCCA cannot keep {keep} directions of the {neurons} neurons of '{layer_name}': keep "
                         f"{neurons} or fewer.")
    return neurons


def compare_representations(x: np.ndarray, y: np.ndarray, keep: int = 10, epsilon: float = 1e-10) -> Dict[str, float]:
    """Mean CCA, SVCCA (top `keep` directions), PWCCA and linear CKA of two (neurons, datapoints) arrays.

    All four are computed from one pass over the data (one set of moments),
    with svcca's `epsilon` (the reference's 1e-10).
    """
    moments = similarity.moments(x, y)
    return {
        "cca": similarity.cca_from_moments(moments, epsilon).mean,
        "svcca": similarity.svcca_from_moments(moments, keep=min(keep, x.shape[0], y.shape[0]), epsilon=epsilon).mean,
        "pwcca": similarity.pwcca_from_moments(moments, epsilon).mean,
        "cka": similarity.cka_from_moments(moments),
    }


MEASURES = ("cca", "svcca", "pwcca", "cka")


def similarity_across_runs(
    runs: Sequence[Dict[int, np.ndarray]], keep: int = 10, seed: int = 0, epsilon: float = 1e-10
) -> list:
    """Similarity between every pair of runs' snapshots, epoch by epoch, with a noise control.

    As the reference's analysis (`code/evaluate.py`): every pair of the
    instances within a condition is compared (6 pairs for 4 instances),
    and the first instance is also compared with uniform noise of the same
    shape (the chance level of each measure).

    Args:
        runs: Two or more dicts epoch -> features (N, H, W, C) or (N, D) of
            instances that differ in their initial weights.
        keep: SVCCA directions kept (the reference's K=10).
        seed: Seed of the noise control.
        epsilon: svcca's regularization.

    Returns:
        A list of rows {"epoch", "pair", "cca", "svcca", "pwcca", "cka"};
        pairs are named "i vs j" (0-based instances) and "0 vs noise".
    """
    if len(runs) < 2:
        raise ValueError(f"Need at least two runs to compare. Received {len(runs)}.")
    rng = np.random.default_rng(seed)
    rows = []
    for epoch in sorted(set.intersection(*(set(run) for run in runs))):
        neurons = [as_neurons(run[epoch]) for run in runs]
        for i, j in itertools.combinations(range(len(runs)), 2):
            rows.append({"epoch": epoch, "pair": f"{i} vs {j}",
                         **compare_representations(neurons[i], neurons[j], keep, epsilon)})
        noise = rng.uniform(size=neurons[0].shape)
        rows.append({"epoch": epoch, "pair": "0 vs noise",
                     **compare_representations(neurons[0], noise, keep, epsilon)})
    return rows


def pair_statistics(rows: Sequence[Dict]) -> list:
    """Per epoch: each measure's mean, standard deviation (ddof 0), min, max over the pairs, and the noise control."""
    out = []
    for epoch in sorted({row["epoch"] for row in rows}):
        pairs = [row for row in rows if row["epoch"] == epoch and row["pair"] != "0 vs noise"]
        control = [row for row in rows if row["epoch"] == epoch and row["pair"] == "0 vs noise"]
        summary = {"epoch": epoch, "pairs": len(pairs)}
        for measure in MEASURES:
            values = np.array([row[measure] for row in pairs])
            summary.update({f"{measure}_mean": float(values.mean()), f"{measure}_std": float(values.std()),
                            f"{measure}_min": float(values.min()), f"{measure}_max": float(values.max())})
            if control:
                summary[f"{measure}_noise"] = float(control[0][measure])
        out.append(summary)
    return out
