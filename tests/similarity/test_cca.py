import sys

import numpy as np
import pytest
import svcca_numpy  # benchmarks/, on the path from conftest: svcca's recipe in NumPy
import tensorflow as tf

import al2_keras
import al2_keras.similarity
from al2_keras import similarity
from tests.similarity.data import qr_oracle, related


def test_cca_matches_qr_oracle():
    x, y = related()
    result = al2_keras.similarity.cca(x, y, epsilon=0.0)
    np.testing.assert_allclose(result.coefficients, qr_oracle(x, y), atol=1e-10)
    assert result.mean == pytest.approx(result.coefficients.mean())
    assert np.all(np.diff(result.coefficients) <= 0)


def test_cca_matches_svcca_recipe_including_means_and_kept_neurons():
    x, y = related(offset=3.0)
    x[2] = 1.0  # a constant neuron: dropped, as svcca drops it
    expected, _, x_keep, y_keep = svcca_numpy.cca(x, y)
    result = al2_keras.similarity.cca(x, y)
    np.testing.assert_allclose(result.coefficients, expected, atol=1e-10)
    np.testing.assert_array_equal(result.x_idxs, x_keep)
    np.testing.assert_array_equal(result.y_idxs, y_keep)
    assert not result.x_idxs[2]


def test_svcca_mean_follows_sum_threshold():
    c = np.array([0.9, 0.5, 0.05, 0.01])
    # cumulative share before index i: 0, .616, .959, .993 -> first >= .98 is i=3
    assert similarity.svcca_mean(c) == pytest.approx(np.mean(c[:3]))


def test_invertible_linear_map_gives_all_ones():
    x, _ = related(p=6)
    mixing = np.random.default_rng(3).standard_normal((6, 6)) + 3 * np.eye(6)
    result = al2_keras.similarity.cca(x, mixing @ x)
    np.testing.assert_allclose(result.coefficients, 1.0, atol=1e-8)


def test_scaled_and_rotated_copies_give_one():
    x, _ = related(p=5)
    rotation, _ = np.linalg.qr(np.random.default_rng(4).standard_normal((5, 5)))
    assert al2_keras.similarity.cca(x, 7.5 * x).mean == pytest.approx(1.0, abs=1e-8)
    assert al2_keras.similarity.cca(x, rotation @ x).mean == pytest.approx(1.0, abs=1e-8)
    assert al2_keras.similarity.pwcca(x, rotation @ x).mean == pytest.approx(1.0, abs=1e-8)
    assert al2_keras.similarity.svcca(x, 2.0 * (rotation @ x), keep=3).mean == pytest.approx(1.0, abs=1e-8)


def test_independent_gaussians_give_small_correlations():
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((5, 20000)), rng.standard_normal((6, 20000))
    # Under independence canonical correlations are O(sqrt(p q / n)) ~ 0.04.
    assert al2_keras.similarity.cca(x, y).coefficients.max() < 0.06


def test_canonical_weights_give_unit_variance_variates_with_those_correlations():
    x, y = related()
    result = al2_keras.similarity.cca(x, y, compute_weights=True)
    vx = result.x_weights @ (x[result.x_idxs] - result.x_mean[:, None])
    vy = result.y_weights @ (y[result.y_idxs] - result.y_mean[:, None])
    np.testing.assert_allclose(np.var(vx, axis=1, ddof=1), 1.0, atol=1e-6)
    correlations = [np.corrcoef(vx[i], vy[i])[0, 1] for i in range(len(result.coefficients))]
    np.testing.assert_allclose(np.abs(correlations), result.coefficients, atol=1e-8)


def test_large_side_uses_gram_eigenvalues_and_still_matches(monkeypatch):
    monkeypatch.setattr(sys.modules["al2_keras.similarity.linalg"], "_GRAM_SINGULAR_VALUES_FROM", 2)
    x, y = related()
    np.testing.assert_allclose(al2_keras.similarity.cca(x, y).coefficients, svcca_numpy.cca(x, y)[0], atol=1e-9)


def test_float32_stays_within_unit_interval_on_near_low_rank_activations():
    rng = np.random.default_rng(2)
    base = rng.standard_normal((3, 5000))
    x = rng.standard_normal((40, 3)) @ base + 1e-4 * rng.standard_normal((40, 5000))
    y = rng.standard_normal((30, 3)) @ base + 1e-4 * rng.standard_normal((30, 5000))
    result = al2_keras.similarity.cca(x.astype(np.float32), y.astype(np.float32), dtype="float32")
    assert result.coefficients.max() <= 1.0 and result.coefficients.min() >= 0.0
    x2, y2 = related()
    np.testing.assert_allclose(
        al2_keras.similarity.cca(x2, y2, dtype="float32").coefficients[:4], qr_oracle(x2, y2)[:4], atol=1e-4)


def _pair(neurons=5, datapoints=50, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(neurons, datapoints)), rng.normal(size=(neurons + 1, datapoints))


@pytest.mark.parametrize("measure", [al2_keras.similarity.cca, al2_keras.similarity.svcca, al2_keras.similarity.pwcca])
def test_negative_epsilon_is_an_error(measure):
    x, y = _pair()
    with pytest.raises(ValueError, match="epsilon=-0.1"):
        measure(x, y, epsilon=-0.1)


def test_non_numeric_epsilon_is_a_type_error():
    with pytest.raises(TypeError, match="epsilon='small'"):
        al2_keras.similarity.cca(*_pair(), epsilon="small")


def test_float32_cca_with_fewer_datapoints_than_neurons_is_refused_like_float64():
    x, y = _pair(neurons=20, datapoints=10)
    with pytest.raises(ValueError, match="more datapoints than neurons"):
        al2_keras.similarity.cca(x, y, dtype="float32")


def test_float32_cca_with_nan_names_nan():
    x, y = _pair()
    x[0, 3] = np.nan
    with pytest.raises(ValueError, match="`x` contains NaN"):
        al2_keras.similarity.cca(x, y, dtype="float32")


def test_correlations_above_one_beyond_rounding_are_an_error():
    import importlib

    cca_module = importlib.import_module("al2_keras.similarity.cca")

    with pytest.raises(ValueError, match="outside \\[0, 1\\]"):
        cca_module._result(tf.constant([1.2, 0.5], tf.float64), np.ones(2, bool), np.ones(2, bool))
