"""Label noise: corrupted labels with their bookkeeping, seeded subsets."""

import dataclasses
from typing import Optional

import numpy as np


@dataclasses.dataclass
class NoisyLabels:
    """Corrupted training labels with their bookkeeping.

    Attributes:
        labels: The labels to train on (some corrupted).
        clean_labels: The original labels.
        changed: Boolean mask, True where a label was replaced.
    """

    labels: np.ndarray
    clean_labels: np.ndarray
    changed: np.ndarray

    @property
    def fraction_changed(self) -> float:
        return float(np.mean(self.changed)) if self.changed.size else 0.0


def corrupt_labels(
    labels: np.ndarray, fraction: float, num_classes: int, seed: int = 0
) -> NoisyLabels:
    """Replaces each label, with probability `fraction`, by another class.

    Each label is chosen independently with probability `fraction`; a chosen
    label is replaced by a class drawn uniformly among the `num_classes - 1`
    classes that differ from it, so every chosen label really changes.

    Args:
        labels: Integer labels in [0, num_classes).
        fraction: Probability of corrupting each label, in [0, 1].
        num_classes: Number of classes, >= 2.
        seed: Seed of the random generator; the same seed gives the same
            labels.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"`labels` must be 1-D, one class index per image (not one-hot). Received: labels of "
                         f"shape {labels.shape}; for one-hot labels pass `labels.argmax(axis=-1)`.")
    if labels.dtype.kind not in "iu":
        as_int = labels.astype(np.int64) if labels.dtype.kind == "f" else None
        if as_int is None or not np.array_equal(as_int, labels):
            raise TypeError(
                "`labels` must be integer class indices. Received: labels of dtype "
                f"{labels.dtype}" + (" with non-integer values" if as_int is not None else "") + ".")
        labels = as_int
    if isinstance(fraction, (bool, str)) or not isinstance(fraction, (int, float, np.number)):
        raise TypeError(f"`fraction` must be a number in [0, 1], e.g. 0.75. Received: fraction={fraction!r} "
                        f"of type {type(fraction).__name__}")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(
            f"`fraction` must be in [0, 1]. Received: fraction={fraction}"
        )
    if num_classes < 2:
        raise ValueError(
            f"`num_classes` must be >= 2. Received: num_classes={num_classes}"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"Labels must lie in [0, {num_classes}). Received labels in "
            f"[{labels.min()}, {labels.max()}]."
        )
    rng = np.random.default_rng(seed)
    changed = rng.random(labels.shape) < fraction
    offsets = rng.integers(1, num_classes, size=labels.shape)
    noisy = np.where(changed, (labels + offsets) % num_classes, labels)
    return NoisyLabels(
        labels=noisy.astype(labels.dtype), clean_labels=labels.copy(), changed=changed
    )


def subset_indices(total: int, size: Optional[int], seed: int = 0) -> np.ndarray:
    """Sorted indices of a random subset of `size` out of `total` (all if None)."""
    if size is None:
        return np.arange(total)
    if not 0 < size <= total:
        raise ValueError(
            f"`size` must be in [1, {total}]. Received: size={size}"
        )
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(total, size=size, replace=False))
