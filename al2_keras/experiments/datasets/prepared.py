"""The one container of a prepared dataset, and the one way to prepare it."""

import dataclasses
from typing import Optional

import numpy as np

from al2_keras.experiments.datasets import augment, noise
from al2_keras.experiments.datasets.loading import ImageData
from al2_keras.experiments.datasets.scaling import DEFAULT_SCALING, resize_images, scale_images

# What the runs score on, in words, unless the data says otherwise (`scoring_description`).
TEST_SET = "the test set (clean labels)"


@dataclasses.dataclass
class PreparedData:
    """Model-ready arrays of one experiment, with the label-noise bookkeeping.

    Attributes:
        x_train: Scaled training images.
        noisy: Their labels (`noisy.labels`, partly corrupted), the clean
            labels and the mask of corrupted ones.
        x_val, y_val: A validation split carved from the training set
            before any label was corrupted (clean labels unless prepared
            with `noisy_validation=True`); empty when none was asked for.
        noisy_validation: Whether `y_val` was corrupted like the training labels.
        x_test, y_test: Scaled test images and their (clean) labels.
        num_classes: Number of classes.
        source: Where the data came from.
        name: Dataset name.
        scored_on: What `x_test`/`y_test` hold: "test" (the test set, clean
            labels) or, after `score_on_validation`, "validation" or
            "noisy validation" (the validation split).
    """

    x_train: np.ndarray
    noisy: noise.NoisyLabels
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    source: str
    name: str = ""
    noisy_validation: bool = False
    scored_on: str = "test"


def prepare(
    images: ImageData,
    corrupt: float = 0.75,
    train_size: Optional[int] = None,
    seed: int = 0,
    scaling: str = DEFAULT_SCALING,
    validation_size: int = 0,
    noisy_validation: bool = False,
    shrink_percent: Optional[float] = None,
    rotations: bool = False,
    image_size: Optional[int] = None,
) -> PreparedData:
    """Splits, subsets, corrupts, scales (and optionally augments) `images`.

    In this order: a validation split of `validation_size` images is set
    aside (seeded permutation), a seeded subset of `train_size` of the rest
    is kept (sorted indices), then optionally shrunk (the reference's
    `percent_shrink_data`), its labels are corrupted, the images resized to
    `image_size` and scaled, and rotated copies appended with their image's
    label. With `validation_size=0` the subset is drawn from all training
    images, as in the label-randomization protocol.

    Args:
        images: Loaded data (`datasets.load`).
        corrupt: Fraction of training labels replaced by another class.
        train_size: Training images to keep; None for all.
        seed: Seed of the split, the subset, the label noise and rotations.
        scaling: "reference" (default, the reference's normalization) or "unit".
        validation_size: Images carved from the training set for selection.
        noisy_validation: Corrupt the validation labels too (a search on
            them rewards fitting the noise, which AL2 prevents).
        shrink_percent: Keep only this percentage of the training subset.
        rotations: Append a copy of every training image rotated by 90, 180
            or 270 degrees.
        image_size: Resize images to this square size (e.g. 63 for AlexNet
            on 28x28 data); None keeps them.
    """
    total = len(images.x_train)
    if not 0 <= validation_size < total:
        raise ValueError(f"`validation_size` must be in [0, {total - 1}]. Received: {validation_size}")
    if validation_size:
        order = np.random.default_rng(seed).permutation(total)
        val_index, rest = order[:validation_size], order[validation_size:]
    else:
        val_index, rest = np.arange(0), np.arange(total)
    if train_size is not None and train_size > len(rest):
        raise ValueError(f"`train_size` must be at most the {len(rest)} training images of {images.name} "
                         f"({total} less {validation_size} for validation). Received: train_size={train_size}; "
                         "pass a smaller one, or None for all.")
    train_index = rest[noise.subset_indices(len(rest), train_size, seed)]
    x_train, y_train = images.x_train[train_index], images.y_train[train_index]
    if shrink_percent is not None:
        x_train, y_train = augment.shrink(x_train, y_train, shrink_percent, seed)
    noisy = noise.corrupt_labels(y_train, corrupt, images.num_classes, seed)
    y_val = images.y_train[val_index]
    if noisy_validation and validation_size:
        y_val = noise.corrupt_labels(y_val, corrupt, images.num_classes, seed + 1).labels

    def model_ready(x):
        return scale_images(resize_images(x, image_size), images.name, scaling)

    x_train = model_ready(x_train)
    if rotations:
        # The rotated copies keep their image's noisy label and bookkeeping.
        x_train, labels = augment.add_rotations(x_train, noisy.labels, seed)
        noisy = noise.NoisyLabels(labels=labels, clean_labels=np.tile(noisy.clean_labels, 2),
                                  changed=np.tile(noisy.changed, 2))
    return PreparedData(
        x_train=x_train, noisy=noisy, x_val=model_ready(images.x_train[val_index]), y_val=y_val,
        x_test=model_ready(images.x_test), y_test=images.y_test, num_classes=images.num_classes,
        source=images.source, name=images.name, noisy_validation=bool(noisy_validation and validation_size))


def scoring_description(prepared: PreparedData) -> str:
    """Words for what `x_test`/`y_test` hold, for reports ("the test set (clean labels)", ...)."""
    if prepared.scored_on == "test":
        return TEST_SET
    labels = "corrupted like the training labels" if prepared.noisy_validation else "clean labels"
    return f"a validation split of {len(prepared.x_test)} training images ({labels}), never the test set"


def score_on_validation(prepared: PreparedData) -> PreparedData:
    """The same data with the validation split in the test set's place.

    Everything that scores on `x_test`/`y_test` (the runner's per-epoch
    accuracy, peaks, reports) then scores on the validation split: a design
    chosen this way never saw the test set.

    Args:
        prepared: Data prepared with a validation split (`validation_size > 0`).

    Returns:
        A copy whose `x_test`/`y_test` are `x_val`/`y_val` and whose
        `scored_on` says so.
    """
    if not len(prepared.x_val):
        raise ValueError("The data has no validation split to score on: prepare it with `validation_size` > 0 "
                         "(e.g. 5000).")
    return dataclasses.replace(prepared, x_test=prepared.x_val, y_test=prepared.y_val,
                               scored_on="noisy validation" if prepared.noisy_validation else "validation")
