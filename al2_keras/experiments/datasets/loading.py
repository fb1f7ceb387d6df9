"""Loading image classification data: local IDX files or TFDS."""

import dataclasses
import gzip
import os
import zlib
from typing import Optional

import numpy as np

from al2_keras.experiments.datasets.names import NUM_CLASSES, check_name
from al2_keras.optional import require

tf = require("tensorflow", "al2_keras.experiments.datasets")

SYSTEM_DATA_ROOT = "/usr/share/datasets"


# IDX file stems, as the MNIST and Fashion-MNIST distributions name them.
_IDX_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
_IDX_DTYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


@dataclasses.dataclass
class ImageData:
    """Train and test images (N, H, W, C) with integer labels.

    Attributes:
        name: Dataset name, e.g. "fashion_mnist".
        x_train, y_train, x_test, y_test: NumPy arrays.
        num_classes: Number of classes.
        source: Where the data came from (a directory or "tfds").
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    source: str

    def __post_init__(self):
        for split in ("train", "test"):
            images, labels = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if np.ndim(images) != 4:
                raise ValueError(f"`x_{split}` must be images shaped (N, height, width, channels). Received: shape "
                                 f"{np.shape(images)}; add a channel axis to grayscale images (`x[..., None]`).")
            if np.ndim(labels) != 1 or len(labels) != len(images):
                raise ValueError(f"`y_{split}` must hold one class index per image of `x_{split}`. Received: "
                                 f"{len(images)} images and labels of shape {np.shape(labels)}.")


def read_idx(path: str) -> np.ndarray:
    """Reads one IDX file (raw or gzip-compressed) into a NumPy array.

    Args:
        path: Path of the file; a name ending in ".gz" is decompressed.

    Returns:
        The array, with the shape and element type the file declares.
    """
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            data = f.read()
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise ValueError(
            f"{path} is not a complete gzip file ({error}): it is cut or was not compressed. "
            "Download it again (or drop the .gz suffix if it is a raw IDX file)."
        ) from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(
            f"{path} is not an IDX file: it does not start with two zero "
            "bytes. Pass the directory of the original MNIST-format files."
        )
    type_code, ndim = data[2], data[3]
    if type_code not in _IDX_DTYPES:
        raise ValueError(
            f"{path} has an unknown IDX element type 0x{type_code:02x}."
        )
    header = 4 + 4 * ndim
    shape = tuple(
        int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)
    )
    dtype = np.dtype(_IDX_DTYPES[type_code])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(data) - header != expected:
        raise ValueError(
            f"{path} is truncated or corrupt: its header declares shape "
            f"{shape} ({expected} bytes of data) but it holds "
            f"{len(data) - header} bytes. Download the file again."
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))


def _find_idx_file(directory: str, stem: str) -> Optional[str]:
    for candidate in (stem, stem + ".gz", stem.replace("-idx", ".idx"),
                      stem.replace("-idx", ".idx") + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.isfile(path):
            return path
    return None


def has_idx_files(directory: str) -> bool:
    """Whether `directory` holds the four MNIST-format IDX files."""
    return all(_find_idx_file(directory, s) for s in _IDX_FILES.values())


def load_idx_directory(directory: str, name: str = "fashion_mnist") -> ImageData:
    """Loads MNIST-format IDX files (raw or .gz) from `directory`.

    Args:
        directory: Holds `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
            `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each
            possibly with a `.gz` suffix.
        name: Dataset name to record.

    Returns:
        An `ImageData` with uint8 images of shape (N, H, W, 1).
    """
    check_name(name)
    arrays = {}
    for key, stem in _IDX_FILES.items():
        path = _find_idx_file(directory, stem)
        if path is None:
            raise FileNotFoundError(
                f"No IDX file {stem}[.gz] in {directory!r}. The directory "
                "must hold the four MNIST-format files "
                f"({', '.join(_IDX_FILES.values())}, raw or .gz)."
            )
        arrays[key] = read_idx(path)
        expected_ndim = 3 if key.startswith("x_") else 1
        if arrays[key].ndim != expected_ndim:
            raise ValueError(
                f"{path} holds an array of shape {arrays[key].shape}, but {stem} must hold "
                f"{'images (N, H, W)' if expected_ndim == 3 else 'labels (N,)'}. Check which "
                "file is which in the directory."
            )
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if images.ndim != 3 or len(images) != len(labels):
            raise ValueError(
                f"IDX {split} files in {directory!r} do not match: images "
                f"{images.shape}, labels {labels.shape}."
            )
    return ImageData(
        name=name,
        x_train=arrays["x_train"][..., None],
        y_train=arrays["y_train"].astype(np.int64),
        x_test=arrays["x_test"][..., None],
        y_test=arrays["y_test"].astype(np.int64),
        num_classes=NUM_CLASSES[name],
        source=directory,
    )


def _to_arrays(dataset: tf.data.Dataset, chunk: int = 10000) -> tuple:
    """Stacks a dataset of (image, label) pairs into two NumPy arrays."""
    parts = list(dataset.batch(chunk).as_numpy_iterator())
    return tuple(np.concatenate([part[i] for part in parts]) for i in range(2))


def load_tfds(name: str, data_dir: Optional[str] = None) -> ImageData:
    """Loads a dataset with `tensorflow_datasets` (downloads it if needed).

    Args:
        name: One of "mnist", "fashion_mnist", "cifar10", "cifar100".
        data_dir: TFDS data directory; TFDS's default if None.
    """
    tfds = require("tensorflow_datasets", "al2_keras.experiments.datasets.load_tfds")

    check_name(name)
    train, test = (
        _to_arrays(split)
        for split in tfds.load(
            name, split=["train", "test"], as_supervised=True, data_dir=data_dir
        )
    )
    return ImageData(
        name=name,
        x_train=train[0],
        y_train=train[1].astype(np.int64),
        x_test=test[0],
        y_test=test[1].astype(np.int64),
        num_classes=NUM_CLASSES[name],
        source="tfds",
    )


def default_directories(name: str) -> list:
    """System directories searched for IDX files of dataset `name`."""
    names = dict.fromkeys([name, name.replace("_", "-")])
    return [os.path.join(SYSTEM_DATA_ROOT, n) for n in names]


def load(name: str, data_dir: Optional[str] = None, source: str = "auto") -> ImageData:
    """Loads a dataset from local IDX files or TFDS.

    Args:
        name: One of "mnist", "fashion_mnist", "cifar10", "cifar100".
        data_dir: Directory with the IDX files. If None, the system
            directories (`/usr/share/datasets/<name>`, Debian's packages) are
            searched, then TFDS is used.
        source: "auto", "idx" (local files only) or "tfds" (TFDS only).

    Returns:
        An `ImageData` with uint8 images (N, H, W, C) and int64 labels.
    """
    check_name(name)
    if source not in ("auto", "idx", "tfds"):
        raise ValueError(
            "`source` must be 'auto', 'idx' or 'tfds'. "
            f"Received: source={source!r}"
        )
    if source == "tfds":
        return load_tfds(name)
    if data_dir is not None:
        if not os.path.isdir(data_dir):
            raise FileNotFoundError(
                f"Data directory {data_dir!r} does not exist. Pass the "
                "directory that holds the IDX files of "
                f"{name} (train-images-idx3-ubyte.gz, ...)."
            )
        return load_idx_directory(data_dir, name)
    searched = default_directories(name)
    for directory in searched:
        if os.path.isdir(directory) and has_idx_files(directory):
            return load_idx_directory(directory, name)
    hint = (
        " On Debian/Ubuntu, `apt-get install dataset-fashion-mnist` puts it "
        f"in {SYSTEM_DATA_ROOT}/fashion-mnist."
        if name == "fashion_mnist"
        else ""
    )
    if source == "idx":
        raise FileNotFoundError(
            f"No IDX files of {name} in {searched}. Pass `data_dir` (the "
            "directory with the four IDX files), or use source='tfds'."
            + hint
        )
    try:
        return load_tfds(name)
    except Exception as error:  # TFDS raises many kinds when offline.
        raise FileNotFoundError(
            f"Could not load {name}: no IDX files in {searched}, and "
            f"tensorflow_datasets failed ({type(error).__name__}: {error}). "
            "Connect to the internet for TFDS, or pass `data_dir` (the "
            "directory with the four IDX files)." + hint
        ) from error
