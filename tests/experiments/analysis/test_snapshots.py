import keras
import numpy as np

from al2_keras import small_net
from al2_keras.experiments import analysis


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
