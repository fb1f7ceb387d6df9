"""Input scaling: the one place that turns uint8 pixels into model inputs."""

from typing import Optional

import numpy as np

from al2_keras.experiments.datasets.names import check_name
from al2_keras.optional import require

# Reference normalization (x / 255 - mean) / std of the AL2 reference code.
_REFERENCE_STATS = {
    "mnist": (0.1307, 0.3081),
    "fashion_mnist": (0.5, 0.5),
    "cifar10": (0.5, 0.5),
    "cifar100": (0.5, 0.5),
}
SCALINGS = ("reference", "unit")
# The reference's scaling is the default everywhere; a preset that deviates
# (the quick protocol's "unit") says so.
DEFAULT_SCALING = "reference"


def scale_images(images: np.ndarray, name: str, scaling: str = DEFAULT_SCALING) -> np.ndarray:
    """Scales uint8 images to float32.

    Args:
        images: uint8 array of pixels in [0, 255].
        name: Dataset name (chooses the reference statistics).
        scaling: "reference" for the AL2 reference code's
            `(x / 255 - mean) / std` (MNIST: 0.1307, 0.3081; Fashion-MNIST and
            CIFAR: 0.5, 0.5), or "unit" for `x / 255` in [0, 1].
    """
    check_name(name)
    if scaling not in SCALINGS:
        raise ValueError(
            f"`scaling` must be one of {SCALINGS}. Received: scaling={scaling!r}"
        )
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(
            "`scale_images` takes uint8 pixels in [0, 255] (as loaded); these are already "
            f"{images.dtype}, probably scaled once. Received: images.dtype={images.dtype}"
        )
    x = images.astype(np.float32) / np.float32(255.0)
    if scaling == "reference":
        mean, std = _REFERENCE_STATS[name]
        x = (x - np.float32(mean)) / np.float32(std)
    return x


def resize_images(images: np.ndarray, size: Optional[int]) -> np.ndarray:
    """Resizes images (N, H, W, C) to `size` x `size` (bilinear); None leaves them.

    Float images stay float32; uint8 images are resized before scaling, as
    torchvision's `Resize` acts on PIL images in the reference.
    """
    if size is None or tuple(images.shape[1:3]) == (size, size):
        return images
    if size < 1:
        raise ValueError(f"`size` must be >= 1. Received: size={size}")
    if len(images) == 0:
        return np.zeros((0, size, size, *images.shape[3:]), images.dtype)
    tf = require("tensorflow", "al2_keras.experiments.datasets.resize_images")
    resized = tf.image.resize(images, (size, size), method="bilinear").numpy()
    if images.dtype == np.uint8:
        return np.clip(np.round(resized), 0, 255).astype(np.uint8)
    return resized.astype(np.float32)
