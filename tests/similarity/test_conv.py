
import numpy as np
import pytest

import al2_keras
import al2_keras.similarity


def test_conv_to_neurons():
    acts = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    neurons = al2_keras.similarity.conv_to_neurons(acts)
    assert neurons.shape == (5, 24)
    # Datapoints run image by image, then row by row, then column by column: no other order passes.
    np.testing.assert_array_equal(neurons, acts.reshape(24, 5).T)
    for column, (image, row, col) in ((1, (0, 0, 1)), (4, (0, 1, 0)), (12, (1, 0, 0)), (23, (1, 2, 3))):
        np.testing.assert_array_equal(neurons[:, column], acts[image, row, col])
    pooled = al2_keras.similarity.conv_to_neurons(acts, spatial_mean=True)
    np.testing.assert_allclose(pooled, acts.mean(axis=(1, 2)).T)
    with pytest.raises(ValueError, match="4-D"):
        al2_keras.similarity.conv_to_neurons(np.ones((2, 3)))
