import gzip
import os

import numpy as np
import pytest
import tensorflow_datasets as tfds

from al2_keras.experiments import datasets


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
    np.testing.assert_array_equal(datasets.read_idx(str(tmp_path / ("a" + suffix))), images)
    np.testing.assert_array_equal(datasets.read_idx(str(tmp_path / ("b" + suffix))), values)


def test_read_idx_rejects_truncated_and_foreign_files(tmp_path):
    array = np.zeros((2, 3), np.uint8)
    path = str(tmp_path / "t")
    _write_idx(path, array, compress=False)
    with open(path, "ab") as f:
        f.write(b"\x00")
    with pytest.raises(ValueError, match="truncated"):
        datasets.read_idx(path)
    (tmp_path / "png").write_bytes(b"\x89PNG....")
    with pytest.raises(ValueError, match="not an IDX file"):
        datasets.read_idx(str(tmp_path / "png"))


@pytest.mark.parametrize("compress", [True, False])
def test_load_from_named_directory(tmp_path, compress):
    arrays = _write_dataset(str(tmp_path), compress)
    loaded = datasets.load("fashion_mnist", data_dir=str(tmp_path))
    assert loaded.x_train.shape == (12, 28, 28, 1) and loaded.x_test.shape == (5, 28, 28, 1)
    np.testing.assert_array_equal(loaded.x_train[..., 0], arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(loaded.y_test, arrays["t10k-labels-idx1-ubyte"])
    assert loaded.num_classes == 10 and loaded.source == str(tmp_path)


def test_load_searches_system_directory(tmp_path, monkeypatch):
    os.makedirs(tmp_path / "fashion-mnist")
    _write_dataset(str(tmp_path / "fashion-mnist"))
    monkeypatch.setattr(datasets.loading, "SYSTEM_DATA_ROOT", str(tmp_path))
    loaded = datasets.load("fashion_mnist")
    assert loaded.source == str(tmp_path / "fashion-mnist")


def test_missing_directory_and_files_say_where_and_how(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        datasets.load("mnist", data_dir=str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        datasets.load("mnist", data_dir=str(tmp_path))
    monkeypatch.setattr(datasets.loading, "SYSTEM_DATA_ROOT", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        datasets.load("fashion_mnist", source="idx")


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="Unknown dataset"):
        datasets.load("imagenet")


def test_tfds_path_with_mock_data():
    with tfds.testing.mock_data(num_examples=20):
        loaded = datasets.load("mnist", source="tfds")
    assert loaded.source == "tfds"
    assert loaded.x_train.shape == (20, 28, 28, 1) and loaded.x_train.dtype == np.uint8
    assert loaded.y_train.shape == (20,) and loaded.num_classes == 10


def test_auto_falls_back_to_tfds_when_no_local_files(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.loading, "SYSTEM_DATA_ROOT", str(tmp_path))
    with tfds.testing.mock_data(num_examples=8):
        loaded = datasets.load("cifar10")
    assert loaded.source == "tfds" and loaded.x_test.shape[1:] == (32, 32, 3)


def test_gz_file_that_is_not_gzip_names_the_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    _write_idx(str(path), np.zeros((2, 3, 3), np.uint8), compress=False)  # raw bytes behind .gz
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte\.gz is not a complete gzip file"):
        datasets.read_idx(str(path))


def test_gz_file_cut_mid_stream_names_the_file(tmp_path):
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    _write_idx(str(path), np.arange(5000, dtype=np.uint8) % 10, compress=True)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte\.gz is not a complete gzip file.*again"):
        datasets.read_idx(str(path))


def test_labels_file_holding_images_is_an_error(tmp_path):
    arrays = _write_dataset(str(tmp_path), compress=False)
    _write_idx(str(tmp_path / "train-labels-idx1-ubyte"), arrays["train-images-idx3-ubyte"], compress=False)
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte must hold labels"):
        datasets.load_idx_directory(str(tmp_path))


def test_image_data_refuses_images_without_a_channel_axis_and_labels_that_do_not_match():
    images, labels = np.zeros((5, 28, 28, 1), np.uint8), np.zeros(5, int)
    with pytest.raises(ValueError, match="`y_train` must hold one class index per image.*5 images and labels of "
                                         "shape \\(4,\\)"):
        datasets.ImageData("mnist", images, labels[:4], images, labels, 10, "test")
    with pytest.raises(ValueError, match="`x_test` must be images shaped \\(N, height, width, channels\\)"):
        datasets.ImageData("mnist", images, labels, images[..., 0], labels, 10, "test")
