"""Writes a copy of an MNIST IDX directory with its intensities rescaled to the canonical training mean.

A check of one likely cause of the paper-scale differences: MNIST (PNG copy) has dimmer strokes
(training mean 31.5 against the canonical 33.3) while both are normalized with the canonical mean
and standard deviation. The copy multiplies every pixel by canonical / copy mean (clipped to 255),
so the same run on it shows what the intensities change. Prints the statistics before and after.

Run: python benchmarks/design_probes/rescaled_mnist.py ../shared/data/mnist /tmp/mnist_rescaled
     then: python examples/label_randomization.py --preset paper --data-dir /tmp/mnist_rescaled ...
"""

import gzip
import os
import sys

import numpy as np

from al2_keras.experiments import datasets

CANONICAL_TRAINING_MEAN = 0.1307 * 255  # the normalization constant the reference uses (code/train.py)


def write_idx(path: str, array: np.ndarray) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def main(source: str, target: str) -> None:
    if os.path.exists(target):
        sys.exit(f"error: {target} exists; name a new directory (nothing is overwritten).")
    images = datasets.load_idx_directory(source, name="mnist")
    factor = CANONICAL_TRAINING_MEAN / images.x_train.mean()
    os.makedirs(target)
    for stem, array in (("train-images-idx3-ubyte", images.x_train), ("t10k-images-idx3-ubyte", images.x_test)):
        rescaled = np.clip(np.rint(array.astype(np.float64) * factor), 0, 255).astype(np.uint8)
        write_idx(os.path.join(target, stem + ".gz"), rescaled[..., 0])
        print(f"{stem}: mean {array.mean():.2f} -> {rescaled.mean():.2f}, std {array.std():.2f} -> "
              f"{rescaled.std():.2f} (factor {factor:.4f})")
    for stem, labels in (("train-labels-idx1-ubyte", images.y_train), ("t10k-labels-idx1-ubyte", images.y_test)):
        write_idx(os.path.join(target, stem + ".gz"), np.asarray(labels))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
