
import numpy as np
import pytest
import tensorflow as tf

import al2_keras
import al2_keras.similarity
from tests.similarity.data import related


@pytest.mark.parametrize("batches", [[2000], [700, 700, 600], [1, 999, 1000], [128] * 15 + [80]])
def test_streaming_equals_in_memory(batches):
    x, y = related(offset=50.0)
    acc = al2_keras.similarity.CovarianceAccumulator()
    start = 0
    for size in batches:
        acc.update(x[:, start:start + size], y[:, start:start + size])
        start += size
    assert acc.count == 2000
    np.testing.assert_allclose(acc.cca().coefficients, al2_keras.similarity.cca(x, y).coefficients, atol=1e-10)
    assert acc.svcca(keep=3).mean == pytest.approx(al2_keras.similarity.svcca(x, y, keep=3).mean, abs=1e-10)
    assert acc.pwcca().mean == pytest.approx(al2_keras.similarity.pwcca(x, y).mean, abs=1e-10)
    assert acc.cka() == pytest.approx(al2_keras.similarity.linear_cka(x, y), abs=1e-10)


def test_merged_accumulators_equal_one_accumulator():
    x, y = related()
    first, second = al2_keras.similarity.CovarianceAccumulator(), al2_keras.similarity.CovarianceAccumulator()
    first.update(x[:, :900] + 0, y[:, :900])
    second.update(x[:, 900:], y[:, 900:])
    first.merge(second)
    np.testing.assert_allclose(first.cca().coefficients, al2_keras.similarity.cca(x, y).coefficients, atol=1e-10)


def test_streaming_bad_input():
    acc = al2_keras.similarity.CovarianceAccumulator()
    with pytest.raises(ValueError, match="empty"):
        acc.cca()
    acc.update(np.random.default_rng(0).random((3, 10)), np.random.default_rng(1).random((2, 10)))
    with pytest.raises(ValueError, match="same neurons"):
        acc.update(np.ones((4, 10)), np.ones((2, 10)))


def test_streaming_under_mirrored_strategy_equals_single_device(two_cpu_strategy):
    strategy = two_cpu_strategy
    x, y = related(offset=5.0)
    acc = al2_keras.similarity.CovarianceAccumulator()
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
    np.testing.assert_allclose(acc.cca().coefficients, al2_keras.similarity.cca(x, y).coefficients, atol=1e-10)
    assert acc.pwcca().mean == pytest.approx(al2_keras.similarity.pwcca(x, y).mean, abs=1e-10)


def _pair(neurons=5, datapoints=50, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(neurons, datapoints)), rng.normal(size=(neurons + 1, datapoints))


def test_merging_accumulators_of_different_neuron_counts_is_an_error():
    first, second = al2_keras.similarity.CovarianceAccumulator(), al2_keras.similarity.CovarianceAccumulator()
    first.update(*_pair(neurons=5))
    second.update(*_pair(neurons=6))
    with pytest.raises(ValueError, match="different representations"):
        first.merge(second)
