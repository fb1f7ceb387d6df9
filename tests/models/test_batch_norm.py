"""TorchBatchNormalization: PyTorch's running variance, Keras's layer otherwise."""

import keras
import numpy as np
import pytest

from al2_keras.models import TorchBatchNormalization

to_numpy = keras.ops.convert_to_numpy


def _trained_once(unbiased, inputs):
    layer = TorchBatchNormalization(unbiased=unbiased, momentum=0.9, epsilon=1e-5)
    outputs = layer(inputs, training=True)
    return layer, to_numpy(outputs)


def test_moving_variance_takes_the_unbiased_batch_variance():
    inputs = np.random.default_rng(0).normal(2.0, 3.0, size=(4, 5, 5, 3)).astype("float32")
    layer, _ = _trained_once(True, inputs)
    unbiased = inputs.reshape(-1, 3).var(axis=0, ddof=1)
    np.testing.assert_allclose(to_numpy(layer.moving_variance), 0.9 * 1.0 + 0.1 * unbiased, rtol=1e-5)
    np.testing.assert_allclose(to_numpy(layer.moving_mean), 0.1 * inputs.reshape(-1, 3).mean(axis=0),
                               rtol=1e-5, atol=1e-6)


def test_training_output_and_biased_mode_equal_keras_batch_normalization():
    inputs = np.random.default_rng(1).normal(size=(8, 4, 4, 2)).astype("float32")
    unbiased_layer, unbiased_outputs = _trained_once(True, inputs)
    biased_layer, biased_outputs = _trained_once(False, inputs)
    keras_layer = keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)
    keras_outputs = to_numpy(keras_layer(inputs, training=True))
    np.testing.assert_allclose(unbiased_outputs, keras_outputs, atol=1e-5)
    np.testing.assert_allclose(biased_outputs, keras_outputs, atol=1e-6)
    np.testing.assert_allclose(to_numpy(biased_layer.moving_variance), to_numpy(keras_layer.moving_variance))
    ratio = (to_numpy(unbiased_layer.moving_variance) - 0.9) / (to_numpy(keras_layer.moving_variance) - 0.9)
    np.testing.assert_allclose(ratio, 128 / 127, rtol=1e-5)  # n / (n - 1), n = 8 * 4 * 4 values per channel


@pytest.mark.parametrize("unbiased", [True, False])
def test_config_round_trips(unbiased):
    layer = TorchBatchNormalization(unbiased=unbiased, momentum=0.9)
    restored = TorchBatchNormalization.from_config(layer.get_config())
    assert restored.unbiased is unbiased and restored.momentum == 0.9
    model = keras.Sequential([keras.Input((3,)), layer])
    reloaded = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(model))
    assert isinstance(reloaded.layers[0], TorchBatchNormalization)
    assert reloaded.layers[0].unbiased is unbiased
