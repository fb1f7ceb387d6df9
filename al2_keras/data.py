"""Image classification data: TFDS or local IDX files, scaling, label noise."""

import dataclasses
import gzip
import os
import zlib
from typing import Optional, Sequence

import numpy as np

from al2_keras.optional import require

tf = require("tensorflow", "al2_keras.data")

SYSTEM_DATA_ROOT = "/usr/share/datasets"

# Reference normalization (x / 255 - mean) / std of the AL2 reference code.
_REFERENCE_STATS = {
    "mnist": (0.1307, 0.3081),
    "fashion_mnist": (0.5, 0.5),
    "cifar10": (0.5, 0.5),
    "cifar100": (0.5, 0.5),
}
NUM_CLASSES = {"mnist": 10, "fashion_mnist": 10, "cifar10": 10, "cifar100": 100}
SCALINGS = ("reference", "unit")

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


def _check_name(name: str) -> str:
    if name not in NUM_CLASSES:
        raise ValueError(
            f"Unknown dataset. Received: name={name!r}; expected one of "
            f"{sorted(NUM_CLASSES)}."
        )
    return name


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
    _check_name(name)
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
    tfds = require("tensorflow_datasets", "al2_keras.data.load_tfds")

    _check_name(name)
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
    _check_name(name)
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


def scale_images(images: np.ndarray, name: str, scaling: str = "reference") -> np.ndarray:
    """Scales uint8 images to float32.

    Args:
        images: uint8 array of pixels in [0, 255].
        name: Dataset name (chooses the reference statistics).
        scaling: "reference" for the AL2 reference code's
            `(x / 255 - mean) / std` (MNIST: 0.1307, 0.3081; Fashion-MNIST and
            CIFAR: 0.5, 0.5), or "unit" for `x / 255` in [0, 1].
    """
    _check_name(name)
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
    if labels.dtype.kind not in "iu":
        as_int = labels.astype(np.int64) if labels.dtype.kind == "f" else None
        if as_int is None or not np.array_equal(as_int, labels):
            raise TypeError(
                "`labels` must be integer class indices. Received: labels of dtype "
                f"{labels.dtype}" + (" with non-integer values" if as_int is not None else "") + ".")
        labels = as_int
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


def make_dataset(
    images: np.ndarray,
    labels: Sequence[int],
    batch_size: int = 64,
    shuffle: bool = False,
    seed: Optional[int] = None,
    strategy: Optional[tf.distribute.Strategy] = None,
    first_epoch: Optional[int] = None,
):
    """A batched, prefetched `tf.data.Dataset` of (image, label) pairs.

    Args:
        images: Array (N, ...).
        labels: Array (N,).
        batch_size: Batch size; under a strategy, the global batch.
        shuffle: Whether to reshuffle all samples each epoch.
        seed: Shuffle seed.
        first_epoch: With `shuffle` and a `seed`, return instead an endless
            stream of epochs `first_epoch, first_epoch + 1, ...`, each a
            permutation of the samples in `steps_per_epoch(len(images),
            batch_size)` batches (pass that to `fit(steps_per_epoch=...)`).
            Epoch e's order depends only on the seed and e, so a run resumed
            at epoch k from a stream built with `first_epoch=k` sees exactly
            the batches of an uninterrupted run (a plain reshuffling dataset
            restarts its sequence in a new process).
        strategy: If a multi-worker strategy, the dataset is distributed
            with `distribute_datasets_from_function` so that every worker
            draws the same seeded order and each step's global batch is the
            one a single process would train on, split among the replicas.
            (TensorFlow's auto-sharding would shard before shuffling, a
            valid but different order.) Other strategies: a plain dataset,
            which `fit` splits per replica.
    """
    if len(images) != len(labels):
        raise ValueError(
            f"`images` and `labels` differ in length: {len(images)} != "
            f"{len(labels)}."
        )
    labels = np.asarray(labels)
    if np.issubdtype(np.asarray(images).dtype, np.floating):
        bad = int(np.size(images) - np.count_nonzero(np.isfinite(images)))
        if bad:
            raise ValueError(
                f"`images` hold {bad} NaN or infinite value(s); training on them gives silently "
                "wrong numbers (ReLU and pooling hide them). Remove or repair those images.")
    if batch_size < 1:
        raise ValueError(f"`batch_size` must be an integer >= 1. Received: batch_size={batch_size!r}")
    endless = shuffle and first_epoch is not None
    if endless and (seed is None or first_epoch < 0):
        raise ValueError("An epoch stream needs a `seed` and `first_epoch` >= 0. "
                         f"Received: seed={seed!r}, first_epoch={first_epoch!r}")

    def global_batches():
        if endless:
            return _epoch_stream(images, labels, batch_size, seed, first_epoch)
        dataset = tf.data.Dataset.from_tensor_slices((images, labels))
        if shuffle:
            dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
        return dataset.batch(batch_size)

    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return global_batches().prefetch(tf.data.AUTOTUNE)

    def dataset_fn(context: tf.distribute.InputContext) -> tf.data.Dataset:
        local_replicas = context.num_replicas_in_sync // context.num_input_pipelines
        first_replica = context.input_pipeline_id * local_replicas

        def replica_slices(x, y):
            # This worker's replicas take consecutive, near-equal slices
            # of the global batch (the last batch may be short).
            size = tf.shape(x)[0]
            per_replica = -(-size // context.num_replicas_in_sync)

            def take(replica):
                start = tf.minimum((first_replica + tf.cast(replica, tf.int32)) * per_replica, size)
                stop = tf.minimum(start + per_replica, size)
                return x[start:stop], y[start:stop]

            return tf.data.Dataset.range(local_replicas).map(take)

        batches = global_batches().flat_map(replica_slices)
        if not endless:
            # Known cardinality: fit then treats it like the plain dataset.
            steps = steps_per_epoch(len(images), batch_size)
            batches = batches.apply(tf.data.experimental.assert_cardinality(steps * local_replicas))
        return batches.prefetch(tf.data.AUTOTUNE)

    return strategy.distribute_datasets_from_function(dataset_fn)


def steps_per_epoch(num_samples: int, batch_size: int) -> int:
    """Batches in one epoch of `num_samples` (the last one may be short)."""
    return -(-num_samples // batch_size)


def _epoch_stream(images, labels, batch_size, seed, first_epoch) -> tf.data.Dataset:
    """Endless batches, epoch after epoch, starting at `first_epoch`.

    Epoch k takes the (2k)-th order of a seeded, reshuffling `tf.data`
    shuffle: the order `fit` (Keras 3.15) trains epoch k on when given the
    plain shuffled dataset, which opens a new iterator at the end of each
    epoch and another at the start of the next. Uninterrupted runs thus
    train on the same batches as before this stream existed (and reproduce
    earlier results); the orders are drawn on sample indices, and a stream
    resumed at epoch k skips k epochs of indices instead of replaying epoch
    0's order.
    """
    count = len(images)
    steps = steps_per_epoch(count, batch_size)

    def orders(_):
        # Built anew for every iterator of the stream, so the shuffle's
        # sequence restarts with it: an iterator opened and dropped before
        # training (Keras does so under a tf.distribute strategy, to build
        # the model) does not advance it.
        return (tf.data.Dataset.range(count)
                .shuffle(count, seed=seed, reshuffle_each_iteration=True)
                .batch(batch_size)
                .repeat()
                .enumerate()
                .filter(lambda batch, _: (batch // steps) % 2 == 0)
                .map(lambda _, index: index)
                .skip(first_epoch * steps))

    order = tf.data.Dataset.from_tensors(0).flat_map(orders)
    images, labels = tf.constant(images), tf.constant(labels)
    return order.map(lambda index: (tf.gather(images, index), tf.gather(labels, index)),
                     num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


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
