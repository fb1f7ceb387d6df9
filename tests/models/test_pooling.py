import numpy as np


def test_adaptive_average_pooling_matches_bins():
    from al2_keras.models import AdaptiveAveragePooling2D

    x = np.arange(2 * 5 * 7 * 3, dtype="float32").reshape(2, 5, 7, 3)
    out = np.asarray(AdaptiveAveragePooling2D((2, 3))(x))
    # PyTorch bins: rows [0,3) and [2,5); cols [0,3), [2,5), [4,7).
    np.testing.assert_allclose(out[:, 1, 2], x[:, 2:5, 4:7].mean(axis=(1, 2)), rtol=1e-6)
    small = np.asarray(AdaptiveAveragePooling2D((6, 6))(np.ones((1, 1, 1, 2), "float32") * 3))
    np.testing.assert_allclose(small, 3.0)
