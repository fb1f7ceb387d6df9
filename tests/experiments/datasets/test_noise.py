
import numpy as np
import pytest

from al2_keras.experiments import datasets


def test_corruption_rate_and_always_a_different_class():
    labels = np.random.default_rng(5).integers(0, 10, 60000)
    noisy = datasets.corrupt_labels(labels, 0.75, 10, seed=1)
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
    a = datasets.corrupt_labels(labels, 0.5, 10, seed=3)
    b = datasets.corrupt_labels(labels, 0.5, 10, seed=3)
    c = datasets.corrupt_labels(labels, 0.5, 10, seed=4)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.array_equal(a.labels, c.labels)


@pytest.mark.parametrize("fraction, num_classes, labels, named", [
    (1.5, 10, [0], "fraction"), (-0.1, 10, [0], "fraction"), (0.5, 1, [0], "num_classes"),
    (0.5, 10, [10], r"\[0, 10\)")])
def test_corruption_bad_input(fraction, num_classes, labels, named):
    with pytest.raises(ValueError, match=named):
        datasets.corrupt_labels(np.array(labels), fraction, num_classes)


def test_subset_indices_are_seeded_distinct_and_sorted():
    index = datasets.subset_indices(100, 30, seed=2)
    assert len(np.unique(index)) == 30 and np.all(np.diff(index) > 0)
    np.testing.assert_array_equal(index, datasets.subset_indices(100, 30, seed=2))
    with pytest.raises(ValueError, match="size"):
        datasets.subset_indices(10, 11)


def test_corrupt_labels_refuses_non_integer_labels():
    with pytest.raises(TypeError, match="non-integer values"):
        datasets.corrupt_labels(np.array([0.5, 1.0, 2.0]), 0.5, 10)
    noisy = datasets.corrupt_labels(np.array([0.0, 1.0, 2.0]), 0.0, 10)  # whole numbers are fine
    np.testing.assert_array_equal(noisy.labels, [0, 1, 2])


def test_corrupt_labels_refuses_one_hot_labels_naming_the_fix():
    with pytest.raises(ValueError, match="must be 1-D.*shape \\(3, 10\\).*argmax"):
        datasets.corrupt_labels(np.eye(10, dtype=int)[:3], 0.5, 10)


@pytest.mark.parametrize("fraction", ["0.5", None, True])
def test_a_fraction_that_is_no_number_is_named(fraction):
    with pytest.raises(TypeError, match="`fraction` must be a number in \\[0, 1\\]"):
        datasets.corrupt_labels(np.arange(10) % 3, fraction=fraction, num_classes=3)
