"""Datasets: loading (IDX, TFDS), label noise, augmentation, scaling, the tf.data pipeline.

One container for a prepared dataset (`PreparedData`), made in one place
(`prepare`), with one input-scaling default (`DEFAULT_SCALING`, the
reference's normalization).
"""

from al2_keras.datasets.augment import add_rotations, mixup, shrink
from al2_keras.datasets.loading import (
    NUM_CLASSES,
    SYSTEM_DATA_ROOT,
    ImageData,
    check_name,
    default_directories,
    has_idx_files,
    load,
    load_idx_directory,
    load_tfds,
    read_idx,
)
from al2_keras.datasets.noise import NoisyLabels, corrupt_labels, subset_indices
from al2_keras.datasets.pipeline import make_dataset, steps_per_epoch
from al2_keras.datasets.prepared import PreparedData, prepare
from al2_keras.datasets.scaling import DEFAULT_SCALING, SCALINGS, resize_images, scale_images

__all__ = [
    "DEFAULT_SCALING", "ImageData", "NUM_CLASSES", "NoisyLabels", "PreparedData", "SCALINGS",
    "SYSTEM_DATA_ROOT", "add_rotations", "check_name", "corrupt_labels", "default_directories",
    "has_idx_files", "load", "load_idx_directory", "load_tfds", "make_dataset", "mixup", "prepare",
    "read_idx", "resize_images", "scale_images", "shrink", "steps_per_epoch", "subset_indices",
]
