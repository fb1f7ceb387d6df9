"""Datasets: loading (IDX, TFDS), label noise, augmentation, scaling, the tf.data pipeline.

One container for a prepared dataset (`PreparedData`), made in one place
(`prepare`), with one input-scaling default (`DEFAULT_SCALING`, the
reference's normalization). The names and the scaling need only NumPy; the
rest (tf.data, TFDS) needs TensorFlow and loads on first use.
"""

from al2_keras.experiments.datasets.names import NUM_CLASSES, check_name
from al2_keras.experiments.datasets.scaling import DEFAULT_SCALING, SCALINGS, resize_images, scale_images
from al2_keras.optional import lazy_attributes

_LAZY = {
    "augment": ("add_rotations", "mixup", "shrink"),
    "loading": ("SYSTEM_DATA_ROOT", "ImageData", "default_directories", "has_idx_files", "load",
                "load_idx_directory", "load_tfds", "read_idx"),
    "noise": ("NoisyLabels", "corrupt_labels", "subset_indices"),
    "pipeline": ("make_dataset", "steps_per_epoch"),
    "prepared": ("TEST_SET", "PreparedData", "prepare", "score_on_validation", "scoring_description"),
}


__getattr__ = lazy_attributes(__name__, _LAZY)

__all__ = ["DEFAULT_SCALING", "NUM_CLASSES", "SCALINGS", "check_name", "resize_images", "scale_images",
           *[name for names in _LAZY.values() for name in names]]
