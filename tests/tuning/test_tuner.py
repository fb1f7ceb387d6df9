import json

import keras
import keras_tuner
import numpy as np
import pytest

from al2_keras import AL2, ProgressiveSchedule, tuning


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


def test_interrupted_search_resumes_without_repeating_trials(tmp_path):
    _search("random", tmp_path, max_trials=2)
    assert len(RecordWeights.records) == 2
    tuner = _search("random", tmp_path, max_trials=3, overwrite=False)
    assert len(RecordWeights.records) == 1  # only the new trial ran
    assert len(tuning.trial_rows(tuner)) == 3


def test_best_schedule_json_round_trip(tmp_path):
    tuner = _search("random", tmp_path, max_trials=2)
    schedule = tuning.best_schedule(tuner)
    text = json.dumps(schedule.get_config())
    restored = ProgressiveSchedule.from_config(json.loads(text))
    assert [restored(e) for e in range(5)] == [schedule(e) for e in range(5)]


def test_unknown_tuner_name(tmp_path):
    with pytest.raises(ValueError, match="Unknown tuner"):
        tuning.make_tuner("grid", tuning.AL2HyperModel(_tiny_builder), directory=str(tmp_path))


@pytest.mark.parametrize("objective, direction", [
    ("val_accuracy", "max"), ("val_auc", "max"), ("val_precision", "max"), ("val_loss", "min"),
    ("val_cross_entropy", "min"), ("val_mean_absolute_error", "min")])
def test_objective_direction_comes_from_the_metric(objective, direction):
    assert tuning.objective_of(objective).direction == direction


def test_unknown_objective_direction_must_be_given():
    with pytest.raises(ValueError, match="keras_tuner.Objective\\('val_custom_score'"):
        tuning.objective_of("val_custom_score")
    given = keras_tuner.Objective("val_custom_score", "max")
    assert tuning.objective_of(given) is given


@pytest.mark.parametrize("max_trials", [0, -1, None])
def test_make_tuner_refuses_max_trials_below_one(max_trials, tmp_path):
    with pytest.raises(ValueError, match="max_trials"):
        tuning.make_tuner("random", tuning.AL2HyperModel(), max_trials=max_trials, directory=str(tmp_path))
