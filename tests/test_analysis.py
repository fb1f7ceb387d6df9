import keras
import numpy as np
import pytest

from al2_keras import analysis, small_net


def test_feature_snapshots_record_chosen_epochs():
    model = small_net(input_shape=(20, 20, 1))
    model.compile("sgd", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x, y = rng.random((16, 20, 20, 1)).astype("float32"), rng.integers(0, 10, 16)
    recorder = analysis.FeatureSnapshots("pool2", x[:5], epochs=[1, 3])
    model.fit(x, y, epochs=3, verbose=0, callbacks=[recorder])
    assert sorted(recorder.snapshots) == [1, 3]
    expected = keras.Model(model.inputs, model.get_layer("pool2").output).predict(x[:5], verbose=0)
    np.testing.assert_allclose(recorder.snapshots[3], expected, rtol=1e-5)


def test_as_neurons_shapes():
    assert analysis.as_neurons(np.zeros((3, 2, 2, 5))).shape == (5, 12)
    assert analysis.as_neurons(np.zeros((3, 7))).shape == (7, 3)
    with pytest.raises(ValueError, match="Features"):
        analysis.as_neurons(np.zeros(3))


def test_identical_runs_are_fully_similar_and_random_is_not():
    rng = np.random.default_rng(0)
    features = np.maximum(rng.standard_normal((100, 2, 2, 6)), 0)
    rows = analysis.similarity_across_runs([{5: features}, {5: 2.0 * features}], keep=4)
    same, random = rows
    assert same["pair"] == "seed 0 vs seed 1" and random["pair"] == "seed 0 vs random"
    for measure in ("cca", "svcca", "pwcca", "cka"):
        assert same[measure] == pytest.approx(1.0, abs=1e-6)
        assert random[measure] < 0.3
    with pytest.raises(ValueError, match="two runs"):
        analysis.similarity_across_runs([{1: features}])
