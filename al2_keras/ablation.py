"""Cumulative ablation: zero a growing share of the representation, test the head."""

import dataclasses
from typing import Sequence

import keras
import numpy as np

from al2_keras import models

MODES = ("element", "unit")


@dataclasses.dataclass
class AblationResult:
    """Accuracy of the head on ablated features.

    Attributes:
        fractions: Ablated shares of the representation, ascending.
        accuracy: Array (seeds, levels) of test accuracies.
        mode: "element" (a random subset of every sample's activations, as
            the reference) or "unit" (the same units for every sample, as in
            Morcos et al. 2018).
    """

    fractions: np.ndarray
    accuracy: np.ndarray
    mode: str

    @property
    def mean(self) -> np.ndarray:
        return self.accuracy.mean(axis=0)

    @property
    def std(self) -> np.ndarray:
        return self.accuracy.std(axis=0)


def ablation_masks(shape: tuple, fractions: Sequence[float], mode: str, rng: np.random.Generator) -> np.ndarray:
    """Boolean keep-masks (levels, samples, features), nested across levels.

    Level `f` zeroes exactly `round(f * features)` activations of each sample:
    those with the lowest random scores, so each level's zeroed set contains
    the previous one (cumulative). In "unit" mode the scores, hence the
    zeroed units, are the same for every sample.
    """
    if mode not in MODES:
        raise ValueError(f"`mode` must be one of {MODES}. Received: mode={mode!r}")
    samples, features = shape
    score_shape = (1, features) if mode == "unit" else (samples, features)
    ranks = np.argsort(np.argsort(rng.random(score_shape), axis=1), axis=1)
    counts = np.round(np.asarray(fractions) * features).astype(int)
    return ranks[None, :, :] >= counts[:, None, None]


def cumulative_ablation(
    model: keras.Model,
    images: np.ndarray,
    labels: np.ndarray,
    fractions: Sequence[float] = tuple(np.round(np.linspace(0.0, 1.0, 11), 2)),
    mode: str = "element",
    seeds: Sequence[int] = (0, 1, 2),
    features: str = models.FEATURES_NAME,
    batch_size: int = 2048,
) -> AblationResult:
    """Test accuracy of `model` as a growing share of its features is zeroed.

    The trunk runs once over `images`; every level and seed is then
    evaluated by the head in one stacked pass over the masked features.

    Args:
        model: A functional classifier with a trunk output layer `features`.
        images, labels: The evaluation set (clean labels).
        fractions: Ablated shares, each in [0, 1].
        mode: "element" or "unit" (see `ablation_masks`).
        seeds: One mask draw per seed.
        features: Name of the trunk output layer.
        batch_size: Batch size of the head's evaluation.
    """
    fractions = np.asarray(fractions, dtype=float)
    if fractions.size == 0 or fractions.min() < 0 or fractions.max() > 1:
        raise ValueError(f"`fractions` must lie in [0, 1]. Received: {fractions}")
    trunk, head = models.trunk_model(model, features), models.head_model(model, features)
    representation = trunk.predict(images, batch_size=batch_size, verbose=0)
    flat = representation.reshape(len(representation), -1)
    masks = np.concatenate([
        ablation_masks(flat.shape, fractions, mode, np.random.default_rng(seed)) for seed in seeds
    ])  # (seeds * levels, samples, features)
    stacked = (flat[None] * masks).reshape((-1, *representation.shape[1:]))
    predicted = np.argmax(head.predict(stacked, batch_size=batch_size, verbose=0), axis=-1)
    correct = predicted.reshape(len(seeds), len(fractions), -1) == np.asarray(labels)[None, None]
    return AblationResult(fractions=fractions, accuracy=correct.mean(axis=-1), mode=mode)
