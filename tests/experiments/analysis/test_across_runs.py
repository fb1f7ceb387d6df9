import numpy as np
import pytest

from al2_keras.experiments import analysis


def test_as_neurons_shapes():
    assert analysis.as_neurons(np.zeros((3, 2, 2, 5))).shape == (5, 12)
    assert analysis.as_neurons(np.zeros((3, 7))).shape == (7, 3)
    with pytest.raises(ValueError, match="Features"):
        analysis.as_neurons(np.zeros(3))


def test_every_pair_is_compared_and_noise_is_the_chance_level():
    rng = np.random.default_rng(0)
    features = np.maximum(rng.standard_normal((100, 2, 2, 6)), 0)
    runs = [{5: features}, {5: 2.0 * features}, {5: features + 1.0}]
    rows = analysis.similarity_across_runs(runs, keep=4)
    assert [row["pair"] for row in rows] == ["0 vs 1", "0 vs 2", "1 vs 2", "0 vs noise"]
    for measure in ("cca", "svcca", "pwcca", "cka"):
        for row in rows[:3]:
            assert row[measure] == pytest.approx(1.0, abs=1e-6)
        assert rows[3][measure] < 0.3
    stats = analysis.pair_statistics(rows)
    assert stats[0]["pairs"] == 3 and stats[0]["cca_mean"] == pytest.approx(1.0, abs=1e-6)
    assert stats[0]["cca_noise"] == rows[3]["cca"]
    with pytest.raises(ValueError, match="two runs"):
        analysis.similarity_across_runs([{1: features}])


def test_check_comparable_counts_neurons_and_datapoints_and_names_what_to_change():
    import keras

    inputs = keras.Input((8, 8, 1))
    conv = keras.layers.Conv2D(6, 3, padding="same", name="conv")(inputs)  # 6 neurons, 64 positions an image
    dense = keras.layers.Dense(20, name="dense")(keras.layers.Flatten()(conv))  # 20 neurons, 1 per image
    model = keras.Model(inputs, dense)
    assert analysis.check_comparable(model, "conv", images=1, keep=6) == 6
    assert analysis.check_comparable(model, "dense", images=21, keep=10) == 20
    with pytest.raises(ValueError, match="20 probe images give 20 datapoints .1 per image. for the 20 neurons"):
        analysis.check_comparable(model, "dense", images=20, keep=10)
    with pytest.raises(ValueError, match="cannot keep 7 directions of the 6 neurons of 'conv': keep 6 or fewer"):
        analysis.check_comparable(model, "conv", images=4, keep=7)
    with pytest.raises(ValueError, match="has no layer 'pool2'"):
        analysis.check_comparable(model, "pool2", images=4, keep=2)
