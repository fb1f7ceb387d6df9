import os
import sys

import numpy as np
import pytest
import tensorflow as tf

import al2_keras
from al2_keras import similarity

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks"))
import svcca_numpy  # noqa: E402  (a NumPy transcription of svcca's recipe)


def qr_oracle(x, y):
    """Canonical correlations as singular values of Qx^T Qy (NumPy float64)."""
    qx, _ = np.linalg.qr((x - x.mean(axis=1, keepdims=True)).T)
    qy, _ = np.linalg.qr((y - y.mean(axis=1, keepdims=True)).T)
    return np.linalg.svd(qx.T @ qy, compute_uv=False)


def related(p=8, q=12, n=2000, seed=0, offset=0.0):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((4, n))
    x = np.maximum(rng.standard_normal((p, 4)) @ z + 0.5 * rng.standard_normal((p, n)), 0) + offset
    y = rng.standard_normal((q, 4)) @ z + rng.standard_normal((q, n))
    return x, y


def test_cca_matches_qr_oracle():
    x, y = related()
    result = al2_keras.cca(x, y, epsilon=0.0)
    np.testing.assert_allclose(result.coefficients, qr_oracle(x, y), atol=1e-10)
    assert result.mean == pytest.approx(result.coefficients.mean())
    assert np.all(np.diff(result.coefficients) <= 0)


def test_large_means_are_centred_before_multiplying(monkeypatch):
    # mean^2 / variance ~ 1e10: covariances from uncentred products would
    # lose ~6 digits, so moments() centres such data first.
    x, y = related(offset=1e5)
    expected = qr_oracle(x, y)
    np.testing.assert_allclose(al2_keras.cca(x, y, epsilon=0.0).coefficients, expected, atol=1e-9)
    covariance = sys.modules["al2_keras.similarity.covariance"]
    monkeypatch.setattr(covariance, "_MAX_MEAN_TO_VARIANCE", np.inf)
    uncentred = al2_keras.cca(x, y, epsilon=0.0).coefficients
    assert np.max(np.abs(uncentred - expected)) > 1e-8


def test_cca_matches_svcca_recipe_including_means_and_kept_neurons():
    x, y = related(offset=3.0)
    x[2] = 1.0  # a constant neuron: dropped, as svcca drops it
    expected, _, x_keep, y_keep = svcca_numpy.cca(x, y)
    result = al2_keras.cca(x, y)
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
    result = al2_keras.cca(x, mixing @ x)
    np.testing.assert_allclose(result.coefficients, 1.0, atol=1e-8)


def test_scaled_and_rotated_copies_give_one():
    x, _ = related(p=5)
    rotation, _ = np.linalg.qr(np.random.default_rng(4).standard_normal((5, 5)))
    assert al2_keras.cca(x, 7.5 * x).mean == pytest.approx(1.0, abs=1e-8)
    assert al2_keras.cca(x, rotation @ x).mean == pytest.approx(1.0, abs=1e-8)
    assert al2_keras.pwcca(x, rotation @ x).mean == pytest.approx(1.0, abs=1e-8)
    assert al2_keras.svcca(x, 2.0 * (rotation @ x), keep=3).mean == pytest.approx(1.0, abs=1e-8)


def test_independent_gaussians_give_small_correlations():
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((5, 20000)), rng.standard_normal((6, 20000))
    # Under independence canonical correlations are O(sqrt(p q / n)) ~ 0.04.
    assert al2_keras.cca(x, y).coefficients.max() < 0.06


def test_canonical_weights_give_unit_variance_variates_with_those_correlations():
    x, y = related()
    result = al2_keras.cca(x, y, compute_weights=True)
    vx = result.x_weights @ (x[result.x_idxs] - result.x_mean[:, None])
    vy = result.y_weights @ (y[result.y_idxs] - result.y_mean[:, None])
    np.testing.assert_allclose(np.var(vx, axis=1, ddof=1), 1.0, atol=1e-6)
    correlations = [np.corrcoef(vx[i], vy[i])[0, 1] for i in range(len(result.coefficients))]
    np.testing.assert_allclose(np.abs(correlations), result.coefficients, atol=1e-8)


def test_large_side_uses_gram_eigenvalues_and_still_matches(monkeypatch):
    cca_module = sys.modules["al2_keras.similarity.cca"]
    monkeypatch.setattr(cca_module, "_GRAM_SINGULAR_VALUES_FROM", 2)
    x, y = related()
    np.testing.assert_allclose(al2_keras.cca(x, y).coefficients, svcca_numpy.cca(x, y)[0], atol=1e-9)


def test_svcca_matches_tutorial_recipe_and_variance_fraction():
    x, y = related(p=10, q=12)
    np.testing.assert_allclose(
        al2_keras.svcca(x, y, keep=4).coefficients, svcca_numpy.svcca(x, y, keep=4), atol=1e-10
    )
    assert len(al2_keras.svcca(x, y, keep=0.999999).coefficients) == 10
    few = al2_keras.svcca(x, y, keep=0.5).coefficients
    assert 1 <= len(few) < 10


@pytest.mark.parametrize("keep", [0, -1, 1.5, 0.0, True])
def test_svcca_bad_keep(keep):
    x, y = related()
    with pytest.raises(ValueError, match="keep"):
        al2_keras.svcca(x, y, keep=keep)


def test_pwcca_matches_svcca_recipe():
    x, y = related(offset=2.0)
    mean, weights, coefficients = svcca_numpy.pwcca(x, y)
    result = al2_keras.pwcca(x, y)
    assert result.weighted_side == "x"
    assert result.mean == pytest.approx(mean, abs=1e-10)
    np.testing.assert_allclose(result.weights, weights, atol=1e-10)
    assert result.weights.sum() == pytest.approx(1.0)


def test_pwcca_equals_svcca_with_lapack_signs_for_centred_activations():
    x, y = related()
    x = x - x.mean(axis=1, keepdims=True)
    expected = svcca_numpy.pwcca(x, y, flip_signs=False)[0]
    assert al2_keras.pwcca(x, y).mean == pytest.approx(expected, abs=1e-10)


def test_pwcca_weights_from_the_smaller_side_when_x_is_larger():
    small, large = related(p=6, q=14)
    result = al2_keras.pwcca(large, small)  # svcca's compute_pwcca raises here
    assert result.weighted_side == "y"
    assert result.mean == pytest.approx(svcca_numpy.pwcca(small, large)[0], abs=1e-10)


def gram_cka(x, y, unbiased):
    """CKA from n x n Gram matrices (Kornblith et al.), written out directly."""
    n = x.shape[1]
    k, l_ = x.T @ x, y.T @ y
    if not unbiased:
        h = np.eye(n) - 1.0 / n
        hsic = lambda a, b: np.trace(a @ h @ b @ h)  # noqa: E731
    else:
        def hsic(a, b):
            a, b = a.copy(), b.copy()
            np.fill_diagonal(a, 0)
            np.fill_diagonal(b, 0)
            ones = np.ones(n)
            return (np.trace(a @ b) + ones @ a @ ones * (ones @ b @ ones) / ((n - 1) * (n - 2))
                    - 2.0 / (n - 2) * ones @ a @ b @ ones) / (n * (n - 3))
    return hsic(k, l_) / np.sqrt(hsic(k, k) * hsic(l_, l_))


@pytest.mark.parametrize("unbiased", [False, True])
def test_linear_cka_matches_gram_formula(unbiased):
    x, y = related(n=150)
    assert al2_keras.linear_cka(x, y, unbiased=unbiased) == pytest.approx(
        gram_cka(x, y, unbiased), rel=1e-9)


def test_linear_cka_is_one_for_rotated_scaled_copy_and_needs_four_points():
    x, _ = related(p=5, n=300)
    rotation, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((5, 5)))
    assert al2_keras.linear_cka(x, 3.0 * rotation @ x) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="more than 3"):
        al2_keras.linear_cka(np.ones((1, 3)) * [[1, 2, 4]], np.ones((1, 3)) * [[0, 1, 5]], unbiased=True)


@pytest.mark.parametrize("batches", [[2000], [700, 700, 600], [1, 999, 1000], [128] * 15 + [80]])
def test_streaming_equals_in_memory(batches):
    x, y = related(offset=50.0)
    acc = al2_keras.CovarianceAccumulator()
    start = 0
    for size in batches:
        acc.update(x[:, start:start + size], y[:, start:start + size])
        start += size
    assert acc.count == 2000
    np.testing.assert_allclose(acc.cca().coefficients, al2_keras.cca(x, y).coefficients, atol=1e-10)
    assert acc.svcca(keep=3).mean == pytest.approx(al2_keras.svcca(x, y, keep=3).mean, abs=1e-10)
    assert acc.pwcca().mean == pytest.approx(al2_keras.pwcca(x, y).mean, abs=1e-10)
    assert acc.cka() == pytest.approx(al2_keras.linear_cka(x, y), abs=1e-10)


def test_merged_accumulators_equal_one_accumulator():
    x, y = related()
    first, second = al2_keras.CovarianceAccumulator(), al2_keras.CovarianceAccumulator()
    first.update(x[:, :900] + 0, y[:, :900])
    second.update(x[:, 900:], y[:, 900:])
    first.merge(second)
    np.testing.assert_allclose(first.cca().coefficients, al2_keras.cca(x, y).coefficients, atol=1e-10)


def test_float32_stays_within_unit_interval_on_near_low_rank_activations():
    rng = np.random.default_rng(2)
    base = rng.standard_normal((3, 5000))
    x = rng.standard_normal((40, 3)) @ base + 1e-4 * rng.standard_normal((40, 5000))
    y = rng.standard_normal((30, 3)) @ base + 1e-4 * rng.standard_normal((30, 5000))
    result = al2_keras.cca(x.astype(np.float32), y.astype(np.float32), dtype="float32")
    assert result.coefficients.max() <= 1.0 and result.coefficients.min() >= 0.0
    x2, y2 = related()
    np.testing.assert_allclose(
        al2_keras.cca(x2, y2, dtype="float32").coefficients[:4], qr_oracle(x2, y2)[:4], atol=1e-4)


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
        al2_keras.cca(x, y)


def test_streaming_bad_input():
    acc = al2_keras.CovarianceAccumulator()
    with pytest.raises(ValueError, match="empty"):
        acc.cca()
    acc.update(np.random.default_rng(0).random((3, 10)), np.random.default_rng(1).random((2, 10)))
    with pytest.raises(ValueError, match="same neurons"):
        acc.update(np.ones((4, 10)), np.ones((2, 10)))


def test_conv_to_neurons():
    acts = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    neurons = al2_keras.conv_to_neurons(acts)
    assert neurons.shape == (5, 24)
    np.testing.assert_array_equal(neurons[:, 0], acts[0, 0, 0])
    pooled = al2_keras.conv_to_neurons(acts, spatial_mean=True)
    np.testing.assert_allclose(pooled, acts.mean(axis=(1, 2)).T)
    with pytest.raises(ValueError, match="4-D"):
        al2_keras.conv_to_neurons(np.ones((2, 3)))


def test_inputs_may_be_tensors():
    x, y = related()
    expected = al2_keras.cca(x, y).coefficients
    np.testing.assert_allclose(al2_keras.cca(tf.constant(x), tf.constant(y)).coefficients, expected)


def test_read_only_unaligned_and_integer_inputs_give_the_same_result():
    x, y = related()
    expected = al2_keras.cca(x, y).coefficients
    frozen = x.copy()
    frozen.flags.writeable = False
    np.testing.assert_allclose(al2_keras.cca(frozen, y).coefficients, expected)
    shifted = np.empty(x.size + 1)[1:].reshape(x.shape)  # 8-byte aligned only
    shifted[...] = x
    np.testing.assert_allclose(al2_keras.cca(shifted, y).coefficients, expected)
    np.testing.assert_allclose(al2_keras.cca(x[:, ::1].T.T, y).coefficients, expected)
    counts = np.round(x * 10).astype(np.int32)
    np.testing.assert_allclose(
        al2_keras.cca(counts, y).coefficients, al2_keras.cca(counts.astype(float), y).coefficients)


def test_streaming_under_mirrored_strategy_equals_single_device(two_cpu_strategy):
    strategy = two_cpu_strategy
    x, y = related(offset=5.0)
    acc = al2_keras.CovarianceAccumulator()
    for start in range(0, 2000, 500):  # 250 datapoints per replica per step
        def part(ctx, data, start=start):
            begin = start + 250 * ctx.replica_id_in_sync_group
            return tf.constant(data[:, begin:begin + 250])
        acc.update_distributed(
            strategy,
            strategy.experimental_distribute_values_from_function(lambda ctx: part(ctx, x)),
            strategy.experimental_distribute_values_from_function(lambda ctx: part(ctx, y)),
        )
    assert acc.count == 2000
    np.testing.assert_allclose(acc.cca().coefficients, al2_keras.cca(x, y).coefficients, atol=1e-10)
    assert acc.pwcca().mean == pytest.approx(al2_keras.pwcca(x, y).mean, abs=1e-10)


# Bad inputs: a clear error naming the parameter, before any work.

def _pair(neurons=5, datapoints=50, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(neurons, datapoints)), rng.normal(size=(neurons + 1, datapoints))


@pytest.mark.parametrize("measure", [al2_keras.cca, al2_keras.svcca, al2_keras.pwcca])
def test_negative_epsilon_is_an_error(measure):
    x, y = _pair()
    with pytest.raises(ValueError, match="epsilon=-0.1"):
        measure(x, y, epsilon=-0.1)


def test_non_numeric_epsilon_is_a_type_error():
    with pytest.raises(TypeError, match="epsilon='small'"):
        al2_keras.cca(*_pair(), epsilon="small")


def test_float32_cca_with_fewer_datapoints_than_neurons_is_refused_like_float64():
    x, y = _pair(neurons=20, datapoints=10)
    with pytest.raises(ValueError, match="more datapoints than neurons"):
        al2_keras.cca(x, y, dtype="float32")


def test_float32_cca_with_nan_names_nan():
    x, y = _pair()
    x[0, 3] = np.nan
    with pytest.raises(ValueError, match="`x` contains NaN"):
        al2_keras.cca(x, y, dtype="float32")


def test_merging_accumulators_of_different_neuron_counts_is_an_error():
    first, second = al2_keras.CovarianceAccumulator(), al2_keras.CovarianceAccumulator()
    first.update(*_pair(neurons=5))
    second.update(*_pair(neurons=6))
    with pytest.raises(ValueError, match="different representations"):
        first.merge(second)


def test_linear_cka_with_fewer_datapoints_than_neurons_is_defined():
    x, y = _pair(neurons=30, datapoints=10)
    value = al2_keras.linear_cka(x, y)
    assert 0.0 <= value <= 1.0
    assert al2_keras.linear_cka(x, x) == pytest.approx(1.0)


@pytest.mark.parametrize("keep", ["20", None, [5]])
def test_non_numeric_keep_is_a_type_error(keep):
    with pytest.raises(TypeError, match="keep="):
        al2_keras.svcca(*_pair(), keep=keep)


def test_correlations_above_one_beyond_rounding_are_an_error():
    import importlib

    cca_module = importlib.import_module("al2_keras.similarity.cca")

    with pytest.raises(ValueError, match="outside \\[0, 1\\]"):
        cca_module._result(tf.constant([1.2, 0.5], tf.float64), np.ones(2, bool), np.ones(2, bool))
