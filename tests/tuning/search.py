"""A tiny model, data and search shared by the tuning tests."""

import keras
import numpy as np

from al2_keras import AL2, tuning


def _tiny_builder(hp):
    inputs = keras.Input((6,))
    features = keras.layers.Dense(4, activation="relu")(inputs)
    features = AL2(name="al2")(features)
    outputs = keras.layers.Dense(3, activation="softmax")(features)
    model = keras.Model(inputs, outputs)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _data(n=48):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 6)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64") + (x[:, 1] > 1)


class RecordWeights(keras.callbacks.Callback):
    """Shared across the deep copies the tuner makes: a class-level log."""

    records = []

    def on_train_begin(self, logs=None):
        self._weights = []

    def on_epoch_end(self, epoch, logs=None):
        self._weights.append((epoch, logs["al2_weight"]))

    def on_train_end(self, logs=None):
        RecordWeights.records.append(self._weights)


SPACE = tuning.ScheduleSearchSpace(
    start=tuning.Range(0.01, 1.0, log=True), threshold=5.0,
    growth=tuning.Range(1.0, 2.0), late_growth=1.0, include_no_al2=False)


def _search(name, tmp_path, max_trials=3, overwrite=True, epochs=2, space=SPACE):
    RecordWeights.records = []
    tuner = tuning.make_tuner(
        name, tuning.AL2HyperModel(_tiny_builder, space), max_trials=max_trials,
        max_epochs=4, directory=str(tmp_path), project_name=name, overwrite=overwrite)
    x, y = _data()
    tuner.search(x, y, validation_data=_data(24), epochs=epochs, verbose=0,
                 callbacks=[RecordWeights()])
    return tuner
