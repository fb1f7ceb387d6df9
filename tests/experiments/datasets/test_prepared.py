import numpy as np
import pytest

from al2_keras.experiments import datasets


def _images(count=200):
    rng = np.random.default_rng(0)
    images = datasets.ImageData("mnist", rng.integers(0, 256, (count, 28, 28, 1), dtype=np.uint8),
                                np.arange(count) % 10, np.zeros((2, 28, 28, 1), np.uint8), np.zeros(2, int),
                                10, "synthetic")
    # Make every image identifiable by its first pixel value.
    images.x_train[:, 0, 0, 0] = np.arange(count) % 256
    return images


def test_validation_split_is_clean_disjoint_and_carved_before_the_noise():
    images = _images()
    split = datasets.prepare(images, corrupt=0.8, validation_size=50, scaling="unit", seed=1)
    ids_val = np.round(split.x_val[:, 0, 0, 0] * 255).astype(int)
    ids_train = np.round(split.x_train[:, 0, 0, 0] * 255).astype(int)
    assert not set(ids_val) & set(ids_train)
    np.testing.assert_array_equal(split.y_val, ids_val % 10)  # clean labels
    assert 0.6 < split.noisy.changed.mean() <= 1.0 and len(split.x_train) == 150
    noisy = datasets.prepare(images, corrupt=0.8, validation_size=50, noisy_validation=True, scaling="unit", seed=1)
    assert np.mean(noisy.y_val != ids_val % 10) > 0.5
    with pytest.raises(ValueError, match="validation_size"):
        datasets.prepare(images, validation_size=200)


def test_scoring_on_validation_puts_the_split_in_the_test_sets_place():
    images = _images()
    for noisy, name in ((False, "validation"), (True, "noisy validation")):
        split = datasets.prepare(images, corrupt=0.8, validation_size=50, noisy_validation=noisy, scaling="unit")
        scored = datasets.score_on_validation(split)
        np.testing.assert_array_equal(scored.x_test, split.x_val)
        np.testing.assert_array_equal(scored.y_test, split.y_val)
        np.testing.assert_array_equal(scored.x_train, split.x_train)  # training data untouched
        assert (split.scored_on, scored.scored_on, scored.noisy_validation) == ("test", name, noisy)
        assert datasets.scoring_description(split) == datasets.TEST_SET
        words = "corrupted like the training labels" if noisy else "clean labels"
        assert datasets.scoring_description(scored) == f"a validation split of 50 training images ({words}), " \
                                                       "never the test set"
    with pytest.raises(ValueError, match="no validation split.*validation_size"):
        datasets.score_on_validation(datasets.prepare(images))


def test_without_validation_the_subset_is_drawn_from_all_images():
    images = _images()
    prepared = datasets.prepare(images, corrupt=0.0, train_size=40, scaling="unit", seed=3)
    ids = np.round(prepared.x_train[:, 0, 0, 0] * 255).astype(int)
    np.testing.assert_array_equal(ids, datasets.subset_indices(200, 40, seed=3))
    assert prepared.x_val.shape == (0, 28, 28, 1) and len(prepared.y_val) == 0


def test_default_scaling_is_the_reference_one():
    prepared = datasets.prepare(_images(), corrupt=0.0)
    assert datasets.DEFAULT_SCALING == "reference"
    np.testing.assert_allclose(prepared.x_test, (0.0 - 0.1307) / 0.3081, rtol=1e-6)


def test_images_are_resized_before_scaling():
    prepared = datasets.prepare(_images(20), corrupt=0.0, image_size=63, scaling="unit")
    assert prepared.x_train.shape == (20, 63, 63, 1) and prepared.x_test.shape == (2, 63, 63, 1)
    assert prepared.x_train.dtype == np.float32 and 0.0 <= prepared.x_train.min() <= prepared.x_train.max() <= 1.0


def test_a_train_size_beyond_the_training_images_is_named_with_the_count():
    with pytest.raises(ValueError, match="`train_size` must be at most the 150 training images of mnist "
                                         "\\(200 less 50 for validation\\). Received: train_size=151"):
        datasets.prepare(_images(), corrupt=0.5, train_size=151, validation_size=50)
    assert len(datasets.prepare(_images(), corrupt=0.5, train_size=150, validation_size=50).x_train) == 150
