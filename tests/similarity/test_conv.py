
import numpy as np
import pytest

import al2_keras


def test_conv_to_neurons():
    acts = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    neurons = al2_keras.conv_to_neurons(acts)
    assert neurons.shape == (5, 24)
    np.testing.assert_array_equal(neurons[:, 0], acts[0, 0, 0])
    pooled = al2_keras.conv_to_neurons(acts, spatial_mean=True)
    np.testing.assert_allclose(pooled, acts.mean(axis=(1, 2)).T)
    with pytest.raises(ValueError, match="4-D"):
        al2_keras.conv_to_neurons(np.ones((2, 3)))
