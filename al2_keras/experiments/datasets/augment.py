"""Training-set changes of the reference: shrinking, rotated copies, mixup."""

from typing import Optional

import numpy as np

from al2_keras.experiments.datasets.noise import subset_indices
from al2_keras.optional import require

tf = require("tensorflow", "al2_keras.experiments.datasets")

def shrink(images: np.ndarray, labels: np.ndarray, percent: float, seed: int = 0) -> tuple:
    """Keeps a random `percent`% of a training set (the reference's `percent_shrink_data`).

    Args:
        images, labels: The training set.
        percent: Share to keep, in (0, 100].
        seed: Seed of the random subset.

    Returns:
        `(images, labels)` of `round(len * percent / 100)` samples, in their
        original order.
    """
    if not 0 < percent <= 100:
        raise ValueError(f"`percent` must be in (0, 100]. Received: percent={percent}")
    size = max(1, round(len(images) * percent / 100))
    index = subset_indices(len(images), size, seed)
    return images[index], labels[index]


def add_rotations(images: np.ndarray, labels: np.ndarray, seed: int = 0) -> tuple:
    """Appends a copy of every image rotated by 90, 180 or 270 degrees (chosen at random).

    Args:
        images: Array (N, H, W, C) with H == W.
        labels: Array (N,), copied for the rotated images.
        seed: Seed of the rotation choices.

    Returns:
        `(images, labels)` of length 2N: the originals, then the rotations.
    """
    if images.ndim != 4 or images.shape[1] != images.shape[2]:
        raise ValueError(f"Rotations need square images (N, H, H, C). Received shape {images.shape}.")
    turns = np.random.default_rng(seed).integers(1, 4, size=len(images))
    rotated = np.empty_like(images)
    for k in (1, 2, 3):  # three vectorized groups, not a loop over samples
        chosen = turns == k
        rotated[chosen] = np.rot90(images[chosen], k=k, axes=(1, 2))
    return np.concatenate([images, rotated]), np.concatenate([labels, labels])


def mixup(dataset: tf.data.Dataset, alpha: float, num_classes: int, seed: Optional[int] = None,
          first_batch: int = 0) -> tf.data.Dataset:
    """Mixup (Zhang et al. 2018) on a batched dataset of (images, integer labels).

    Each batch is mixed with a shuffled copy of itself with one weight
    `lam ~ Beta(alpha, alpha)` per batch, as the reference does; the labels
    become `lam * onehot(y) + (1 - lam) * onehot(y_perm)`, so categorical
    cross-entropy on them equals the reference's mixed loss
    `lam * CE(y) + (1 - lam) * CE(y_perm)`. Compile with
    `"categorical_crossentropy"`. With a `seed`, batch i's draws depend only
    on `(seed, first_batch + i)`, so a stream resumed at batch k
    (`first_batch=k`) mixes exactly as an uninterrupted one.

    Args:
        dataset: Batched `(images, labels)` dataset.
        alpha: Beta parameter, > 0.
        num_classes: Number of classes.
        seed: Seed of the mixing; None for a non-deterministic one.
        first_batch: Index of the dataset's first batch in the whole run.
    """
    if not alpha > 0:
        raise ValueError(f"`alpha` must be > 0. Received: alpha={alpha}")
    if seed is None:
        seed = int(np.random.default_rng().integers(2**31))

    def mix(index, batch):
        images, labels = batch
        key = tf.stack([tf.constant(seed, tf.int64), index])
        first, second = tf.unstack(tf.random.stateless_gamma([2], seed=key, alpha=alpha))
        lam = first / (first + second)
        order = tf.argsort(tf.random.stateless_uniform([tf.shape(images)[0]], seed=key + 1))
        onehot = tf.one_hot(labels, num_classes)
        mixed = lam * tf.cast(images, tf.float32) + (1.0 - lam) * tf.gather(tf.cast(images, tf.float32), order)
        return mixed, lam * onehot + (1.0 - lam) * tf.gather(onehot, order)

    return tf.data.Dataset.zip(tf.data.Dataset.counter(first_batch), dataset).map(
        mix, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
