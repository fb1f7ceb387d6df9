
import numpy as np
import pytest
import tensorflow as tf

import al2_keras
import al2_keras.similarity
from al2_keras.similarity import covariances
from tests.similarity.data import qr_oracle, related


def test_large_means_are_centred_before_multiplying(monkeypatch):
    # mean^2 / variance ~ 1e10: covariances from uncentred products would
    # lose ~6 digits, so moments() centres such data first.
    x, y = related(offset=1e5)
    expected = qr_oracle(x, y)
    np.testing.assert_allclose(al2_keras.similarity.cca(x, y, epsilon=0.0).coefficients, expected, atol=1e-9)
    monkeypatch.setattr(covariances, "_MAX_MEAN_TO_VARIANCE", np.inf)
    uncentred = al2_keras.similarity.cca(x, y, epsilon=0.0).coefficients
    assert np.max(np.abs(uncentred - expected)) > 1e-8


@pytest.mark.parametrize("x, y, message", [
    (np.full((3, 50), np.nan), np.ones((3, 50)), "NaN"),
    (np.where(np.eye(3, 50) > 0, np.inf, 1.0), np.ones((3, 50)), "NaN or infinite"),
    (np.ones((3, 50)), np.ones((3, 40)), "same number of datapoints"),
    (np.ones((60, 50)), np.ones((3, 50)), "more datapoints than neurons"),
    (np.ones((0, 50)), np.ones((3, 50)), "empty"),
    (np.ones((3, 50, 2)), np.ones((3, 50)), "2-D"),
    (np.ones((3, 50)), np.random.default_rng(0).random((3, 50)), "constant"),
])
def test_bad_input_is_a_clear_value_error(x, y, message):
    with pytest.raises(ValueError, match=message):
        al2_keras.similarity.cca(x, y)


def test_inputs_may_be_tensors():
    x, y = related()
    expected = al2_keras.similarity.cca(x, y).coefficients
    np.testing.assert_allclose(al2_keras.similarity.cca(tf.constant(x), tf.constant(y)).coefficients, expected)


def test_read_only_unaligned_and_integer_inputs_give_the_same_result():
    x, y = related()
    expected = al2_keras.similarity.cca(x, y).coefficients
    frozen = x.copy()
    frozen.flags.writeable = False
    np.testing.assert_allclose(al2_keras.similarity.cca(frozen, y).coefficients, expected)
    shifted = np.empty(x.size + 1)[1:].reshape(x.shape)  # 8-byte aligned only
    shifted[...] = x
    np.testing.assert_allclose(al2_keras.similarity.cca(shifted, y).coefficients, expected)
    np.testing.assert_allclose(al2_keras.similarity.cca(x[:, ::1].T.T, y).coefficients, expected)
    counts = np.round(x * 10).astype(np.int32)
    np.testing.assert_allclose(
        al2_keras.similarity.cca(counts, y).coefficients,
        al2_keras.similarity.cca(counts.astype(float), y).coefficients)
