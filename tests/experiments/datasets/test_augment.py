
import numpy as np
import pytest

from al2_keras.experiments import datasets


def test_shrink_keeps_the_percentage():
    x, y = np.arange(200)[:, None], np.arange(200)
    small_x, small_y = datasets.shrink(x, y, 25, seed=1)
    assert len(small_x) == 50 and np.all(np.diff(small_y) > 0)
    np.testing.assert_array_equal(small_x[:, 0], small_y)
    with pytest.raises(ValueError, match="percent"):
        datasets.shrink(x, y, 0)


def test_add_rotations_appends_exact_quarter_turns():
    images = np.random.default_rng(0).random((30, 5, 5, 1))
    labels = np.arange(30)
    out, out_labels = datasets.add_rotations(images, labels, seed=2)
    assert out.shape == (60, 5, 5, 1)
    np.testing.assert_array_equal(out[:30], images)
    np.testing.assert_array_equal(out_labels, np.concatenate([labels, labels]))
    for original, rotated in zip(images, out[30:]):
        matches = [np.array_equal(np.rot90(original, k, axes=(0, 1)), rotated) for k in (1, 2, 3)]
        assert sum(matches) == 1
    with pytest.raises(ValueError, match="square"):
        datasets.add_rotations(np.zeros((2, 4, 5, 1)), np.zeros(2))


def test_mixup_is_a_convex_combination_of_the_batch():
    import tensorflow as tf

    images = np.eye(8, dtype=np.float32).reshape(8, 8, 1, 1)  # sample i is the unit vector e_i
    labels = np.arange(8) % 4
    batch = tf.data.Dataset.from_tensor_slices((images, labels)).batch(8)
    mixed, soft = next(iter(datasets.mixup(batch, alpha=0.4, num_classes=4, seed=3)))
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
        datasets.mixup(batch, alpha=0.0, num_classes=4)
