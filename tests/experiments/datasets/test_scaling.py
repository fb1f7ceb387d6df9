
import numpy as np
import pytest

from al2_keras.experiments import datasets


def test_scaling_reference_and_unit():
    pixels = np.array([0, 255], np.uint8)
    np.testing.assert_allclose(datasets.scale_images(pixels, "fashion_mnist", "unit"), [0.0, 1.0])
    np.testing.assert_allclose(datasets.scale_images(pixels, "fashion_mnist", "reference"), [-1.0, 1.0])
    np.testing.assert_allclose(
        datasets.scale_images(pixels, "mnist", "reference"),
        [-0.1307 / 0.3081, (1 - 0.1307) / 0.3081], rtol=1e-6)
    with pytest.raises(ValueError, match="scaling"):
        datasets.scale_images(pixels, "mnist", "standard")


def test_scale_images_refuses_already_scaled_floats():
    with pytest.raises(TypeError, match="already float32, probably scaled once"):
        datasets.scale_images(np.zeros((2, 4, 4, 1), np.float32), "mnist", "unit")
