import gzip
import os

import numpy as np
import pytest
import tensorflow_datasets as tfds

from al2_keras import data


def _write_idx(path, array, compress):
    type_code = {np.uint8: 0x08, np.int32: 0x0C}[array.dtype.type]
    header = bytes([0, 0, type_code, array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    body = array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if compress else open
    with opener(path, "wb") as f:
        f.write(header + body)


def _write_dataset(directory, compress=True, n_train=12, n_test=5):
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    for stem, array in arrays.items():
        _write_idx(os.path.join(directory, stem + (".gz" if compress else "")), array, compress)
    return arrays


@pytest.mark.parametrize("compress", [True, False])
def test_read_idx_round_trips_uint8_and_int32(tmp_path, compress):
    images = np.random.default_rng(0).integers(0, 256, (3, 4, 5), dtype=np.uint8)
    values = np.array([[1, -2], [70000, 3]], dtype=np.int32)
    _write_idx(str(tmp_path / "a"), images, compress)
    _write_idx(str(tmp_path / "b"), values, compress)
    suffix = ".gz" if compress else ""
    if compress:
        os.rename(tmp_path / "a", tmp_path / ("a" + suffix))
        os.rename(tmp_path / "b", tmp_path / ("b" + suffix))
    np.testing.assert_array_equal(data.read_idx(str(tmp_path / ("a" + suffix))), images)
    np.testing.assert_array_equal(data.read_idx(str(tmp_path / ("b" + suffix))), values)


def test_read_idx_rejects_truncated_and_foreign_files(tmp_path):
    array = np.zeros((2, 3), np.uint8)
    path = str(tmp_path / "t")
    _write_idx(path, array, compress=False)
    with open(path, "ab") as f:
        f.write(b"\x00")
    with pytest.raises(ValueError, match="truncated"):
        data.read_idx(path)
    (tmp_path / "png").write_bytes(b"\x89PNG....")
    with pytest.raises(ValueError, match="not an IDX file"):
        data.read_idx(str(tmp_path / "png"))


@pytest.mark.parametrize("compress", [True, False])
def test_load_from_named_directory(tmp_path, compress):
    arrays = _write_dataset(str(tmp_path), compress)
    loaded = data.load("fashion_mnist", data_dir=str(tmp_path))
    assert loaded.x_train.shape == (12, 28, 28, 1) and loaded.x_test.shape == (5, 28, 28, 1)
    np.testing.assert_array_equal(loaded.x_train[..., 0], arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(loaded.y_test, arrays["t10k-labels-idx1-ubyte"])
    assert loaded.num_classes == 10 and loaded.source == str(tmp_path)


def test_load_searches_system_directory(tmp_path, monkeypatch):
    os.makedirs(tmp_path / "fashion-mnist")
    _write_dataset(str(tmp_path / "fashion-mnist"))
    monkeypatch.setattr(data, "SYSTEM_DATA_ROOT", str(tmp_path))
    loaded = data.load("fashion_mnist")
    assert loaded.source == str(tmp_path / "fashion-mnist")


def test_missing_directory_and_files_say_where_and_how(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.load("mnist", data_dir=str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        data.load("mnist", data_dir=str(tmp_path))
    monkeypatch.setattr(data, "SYSTEM_DATA_ROOT", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        data.load("fashion_mnist", source="idx")


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="Unknown dataset"):
        data.load("imagenet")


def test_tfds_path_with_mock_data():
    with tfds.testing.mock_data(num_examples=20):
        loaded = data.load("mnist", source="tfds")
    assert loaded.source == "tfds"
    assert loaded.x_train.shape == (20, 28, 28, 1) and loaded.x_train.dtype == np.uint8
    assert loaded.y_train.shape == (20,) and loaded.num_classes == 10


def test_auto_falls_back_to_tfds_when_no_local_files(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "SYSTEM_DATA_ROOT", str(tmp_path))
    with tfds.testing.mock_data(num_examples=8):
        loaded = data.load("cifar10")
    assert loaded.source == "tfds" and loaded.x_test.shape[1:] == (32, 32, 3)


def test_scaling_reference_and_unit():
    pixels = np.array([0, 255], np.uint8)
    np.testing.assert_allclose(data.scale_images(pixels, "fashion_mnist", "unit"), [0.0, 1.0])
    np.testing.assert_allclose(data.scale_images(pixels, "fashion_mnist", "reference"), [-1.0, 1.0])
    np.testing.assert_allclose(
        data.scale_images(pixels, "mnist", "reference"),
        [-0.1307 / 0.3081, (1 - 0.1307) / 0.3081], rtol=1e-6)
    with pytest.raises(ValueError, match="scaling"):
        data.scale_images(pixels, "mnist", "standard")


def test_corruption_rate_and_always_a_different_class():
    labels = np.random.default_rng(5).integers(0, 10, 60000)
    noisy = data.corrupt_labels(labels, 0.75, 10, seed=1)
    assert abs(noisy.fraction_changed - 0.75) < 0.01  # 5 sigma is 0.009
    np.testing.assert_array_equal(noisy.changed, noisy.labels != labels)
    np.testing.assert_array_equal(noisy.clean_labels, labels)
    # Replacements are uniform over the nine other classes.
    offsets = (noisy.labels - labels)[noisy.changed] % 10
    counts = np.bincount(offsets, minlength=10)
    assert counts[0] == 0
    assert np.all(np.abs(counts[1:] / counts[1:].sum() - 1 / 9) < 0.01)


def test_corruption_is_seeded():
    labels = np.arange(1000) % 10
    a = data.corrupt_labels(labels, 0.5, 10, seed=3)
    b = data.corrupt_labels(labels, 0.5, 10, seed=3)
    c = data.corrupt_labels(labels, 0.5, 10, seed=4)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.array_equal(a.labels, c.labels)


@pytest.mark.parametrize("fraction, num_classes, labels", [
    (1.5, 10, [0]), (-0.1, 10, [0]), (0.5, 1, [0]), (0.5, 10, [10])])
def test_corruption_bad_input(fraction, num_classes, labels):
    with pytest.raises(ValueError):
        data.corrupt_labels(np.array(labels), fraction, num_classes)


def test_subset_indices_are_seeded_distinct_and_sorted():
    index = data.subset_indices(100, 30, seed=2)
    assert len(np.unique(index)) == 30 and np.all(np.diff(index) > 0)
    np.testing.assert_array_equal(index, data.subset_indices(100, 30, seed=2))
    with pytest.raises(ValueError, match="size"):
        data.subset_indices(10, 11)


def test_make_dataset_batches_every_sample_once():
    x = np.arange(10, dtype=np.float32)[:, None]
    batches = list(data.make_dataset(x, np.arange(10), batch_size=4, shuffle=True, seed=0))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    seen = np.concatenate([b[1].numpy() for b in batches])
    assert sorted(seen) == list(range(10))
    np.testing.assert_array_equal(np.concatenate([b[0].numpy()[:, 0] for b in batches]), seen)


def test_shrink_keeps_the_percentage():
    x, y = np.arange(200)[:, None], np.arange(200)
    small_x, small_y = data.shrink(x, y, 25, seed=1)
    assert len(small_x) == 50 and np.all(np.diff(small_y) > 0)
    np.testing.assert_array_equal(small_x[:, 0], small_y)
    with pytest.raises(ValueError, match="percent"):
        data.shrink(x, y, 0)


def test_add_rotations_appends_exact_quarter_turns():
    images = np.random.default_rng(0).random((30, 5, 5, 1))
    labels = np.arange(30)
    out, out_labels = data.add_rotations(images, labels, seed=2)
    assert out.shape == (60, 5, 5, 1)
    np.testing.assert_array_equal(out[:30], images)
    np.testing.assert_array_equal(out_labels, np.concatenate([labels, labels]))
    for original, rotated in zip(images, out[30:]):
        matches = [np.array_equal(np.rot90(original, k, axes=(0, 1)), rotated) for k in (1, 2, 3)]
        assert sum(matches) == 1
    with pytest.raises(ValueError, match="square"):
        data.add_rotations(np.zeros((2, 4, 5, 1)), np.zeros(2))


def test_mixup_is_a_convex_combination_of_the_batch():
    import tensorflow as tf

    images = np.eye(8, dtype=np.float32).reshape(8, 8, 1, 1)  # sample i is the unit vector e_i
    labels = np.arange(8) % 4
    batch = tf.data.Dataset.from_tensor_slices((images, labels)).batch(8)
    mixed, soft = next(iter(data.mixup(batch, alpha=0.4, num_classes=4, seed=3)))
    mixed = mixed.numpy().reshape(8, 8)
    soft = soft.numpy()
    np.testing.assert_allclose(mixed.sum(axis=1), 1.0, rtol=1e-6)  # convex weights
    np.testing.assert_allclose(soft.sum(axis=1), 1.0, rtol=1e-6)
    assert mixed.min() >= 0.0
    # Row i is lam * e_i + (1 - lam) * e_order[i]: where order[i] != i the diagonal is lam, the
    # same for the whole batch (one weight per batch); where order[i] == i it is 1.
    diagonal = mixed[np.arange(8), np.arange(8)]
    mixed_rows = np.count_nonzero(mixed > 1e-7, axis=1) == 2
    assert mixed_rows.any()
    np.testing.assert_allclose(diagonal[mixed_rows], diagonal[mixed_rows][0], rtol=1e-6)
    np.testing.assert_allclose(diagonal[~mixed_rows], 1.0, rtol=1e-6)
    np.testing.assert_allclose(soft[mixed_rows].max(axis=1) >= diagonal[mixed_rows][0] - 1e-6, True)
    with pytest.raises(ValueError, match="alpha"):
        data.mixup(batch, alpha=0.0, num_classes=4)


# Bad inputs: a clear error naming the file or parameter, before any work.

def test_gz_file_that_is_not_gzip_names_the_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    _write_idx(str(path), np.zeros((2, 3, 3), np.uint8), compress=False)  # raw bytes behind .gz
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte\.gz is not a complete gzip file"):
        data.read_idx(str(path))


def test_gz_file_cut_mid_stream_names_the_file(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    _write_idx(str(path), np.arange(5000, dtype=np.uint8) % 10, compress=True)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte\.gz is not a complete gzip file.*again"):
        data.read_idx(str(path))


def test_labels_file_holding_images_is_an_error(tmp_path):
    arrays = _write_dataset(str(tmp_path), compress=False)
    _write_idx(str(tmp_path / "train-labels-idx1-ubyte"), arrays["train-images-idx3-ubyte"], compress=False)
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte must hold labels"):
        data.load_idx_directory(str(tmp_path))


def test_corrupt_labels_refuses_non_integer_labels():
    with pytest.raises(TypeError, match="non-integer values"):
        data.corrupt_labels(np.array([0.5, 1.0, 2.0]), 0.5, 10)
    noisy = data.corrupt_labels(np.array([0.0, 1.0, 2.0]), 0.0, 10)  # whole numbers are fine
    np.testing.assert_array_equal(noisy.labels, [0, 1, 2])


def test_scale_images_refuses_already_scaled_floats():
    with pytest.raises(TypeError, match="already float32, probably scaled once"):
        data.scale_images(np.zeros((2, 4, 4, 1), np.float32), "mnist", "unit")


@pytest.mark.parametrize("batch_size", [0, -8])
def test_make_dataset_refuses_a_batch_size_below_one(batch_size):
    with pytest.raises(ValueError, match=f"batch_size={batch_size}"):
        data.make_dataset(np.zeros((4, 2), np.float32), np.zeros(4, np.int64), batch_size)


def test_epoch_stream_resumed_at_epoch_k_gives_the_uninterrupted_batches():
    images, labels = np.arange(30, dtype=np.float32)[:, None], np.arange(30)
    steps = data.steps_per_epoch(30, 8)
    whole = iter(data.make_dataset(images, labels, 8, shuffle=True, seed=5, first_epoch=0))
    epochs = [np.concatenate([next(whole)[1].numpy() for _ in range(steps)]) for _ in range(4)]
    resumed = iter(data.make_dataset(images, labels, 8, shuffle=True, seed=5, first_epoch=2))
    for epoch in (2, 3):
        np.testing.assert_array_equal(np.concatenate([next(resumed)[1].numpy() for _ in range(steps)]),
                                      epochs[epoch])
    assert all(sorted(order) == list(range(30)) for order in epochs)  # each epoch: every sample once
    assert not np.array_equal(epochs[0], epochs[1])
