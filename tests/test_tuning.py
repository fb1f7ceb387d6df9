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


@pytest.mark.parametrize("name", ["random", "bayesian"])
def test_each_trial_runs_its_own_sampled_schedule(name, tmp_path):
    tuner = _search(name, tmp_path)
    rows = tuning.trial_rows(tuner)
    assert len(rows) == 3
    assert len({(r["start"], r["growth"]) for r in rows}) == 3
    trials = sorted(tuner.oracle.trials.values(), key=lambda t: t.trial_id)
    for trial, weights in zip(trials, RecordWeights.records):
        schedule = SPACE.schedule(trial.hyperparameters)
        assert [w for _, w in weights] == pytest.approx([schedule(e) for e, _ in weights])


def test_first_trial_uses_sampled_not_default_values(tmp_path):
    tuner = _search("random", tmp_path, max_trials=1)
    trial = list(tuner.oracle.trials.values())[0]
    values = trial.hyperparameters.values
    assert {"al2_mode", "al2_start", "al2_growth", "al2_threshold", "al2_late_growth"} <= set(values)
    first_weight = RecordWeights.records[0][0][1]
    assert first_weight == pytest.approx(values["al2_start"])


def test_hyperband_resumed_trial_continues_schedule_at_initial_epoch(tmp_path):
    tuner = _search("hyperband", tmp_path, epochs=None)
    resumed = [t for t in tuner.oracle.trials.values()
               if t.hyperparameters.values.get("tuner/initial_epoch", 0) > 0]
    assert resumed, "Hyperband resumed no trial"
    starts = [weights[0][0] for weights in RecordWeights.records]
    assert max(starts) > 0  # some fit began at a later epoch
    for weights in RecordWeights.records:
        epoch, weight = weights[0]
        if epoch > 0:
            # The weight of the first resumed epoch is the schedule's at that epoch, not at 0.
            matching = [t for t in resumed if t.hyperparameters.values["tuner/initial_epoch"] == epoch]
            expected = {SPACE.schedule(t.hyperparameters)(epoch) for t in matching}
            assert any(weight == pytest.approx(e) for e in expected)


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


def test_no_al2_candidate_trains_with_zero_weight():
    space = tuning.ScheduleSearchSpace()
    hp = keras_tuner.HyperParameters()
    space.declare(hp)
    assert tuning.NO_AL2 in hp._hps["al2_mode"][0].values
    hp.values["al2_mode"] = tuning.NO_AL2
    assert space.schedule(hp)(10) == 0.0


@pytest.mark.parametrize("make_space, message", [
    (lambda: tuning.ScheduleSearchSpace(start=tuning.Range(0.1, 0.01)), "min_value > max_value"),
    (lambda: tuning.ScheduleSearchSpace(growth=0.9), "growth"),
    (lambda: tuning.ScheduleSearchSpace(growth=tuning.Range(0.5, 2.0)), "growth"),
    (lambda: tuning.ScheduleSearchSpace(start=tuning.Range(0.0, 1.0, log=True)), "log"),
    (lambda: tuning.ScheduleSearchSpace(start=0.01, growth=1.1, late_growth=1.01,
                                        include_no_al2=False), "empty"),
])
def test_bad_search_space_fails_before_any_trial(make_space, message):
    with pytest.raises(ValueError, match=message):
        make_space()


def test_unknown_tuner_name(tmp_path):
    with pytest.raises(ValueError, match="Unknown tuner"):
        tuning.make_tuner("grid", tuning.AL2HyperModel(_tiny_builder), directory=str(tmp_path))


def test_noisy_split_keeps_validation_clean_and_disjoint():
    from al2_keras import data

    rng = np.random.default_rng(0)
    images = data.ImageData("mnist", rng.integers(0, 256, (200, 28, 28, 1), dtype=np.uint8),
                            np.arange(200) % 10, np.zeros((2, 28, 28, 1), np.uint8), np.zeros(2, int),
                            10, "synthetic")
    # Make every image identifiable by its first pixel value.
    images.x_train[:, 0, 0, 0] = np.arange(200) % 256
    split = tuning.noisy_split(images, corrupt=0.8, validation_size=50, seed=1)
    ids_val = np.round(split.x_val[:, 0, 0, 0] * 255).astype(int)
    ids_train = np.round(split.x_train[:, 0, 0, 0] * 255).astype(int)
    assert not set(ids_val) & set(ids_train)
    np.testing.assert_array_equal(split.y_val, ids_val % 10)  # clean labels
    assert 0.6 < split.changed.mean() <= 1.0 and len(split.x_train) == 150
    noisy = tuning.noisy_split(images, corrupt=0.8, validation_size=50, noisy_validation=True, seed=1)
    assert np.mean(noisy.y_val != ids_val % 10) > 0.5
    with pytest.raises(ValueError, match="validation_size"):
        tuning.noisy_split(images, validation_size=200)


class RecordObjective(keras.callbacks.Callback):
    """Each trial's per-epoch val_accuracy (class-level: the tuner deep-copies callbacks)."""

    records = []

    def on_train_begin(self, logs=None):
        RecordObjective.records.append([])

    def on_epoch_end(self, epoch, logs=None):
        RecordObjective.records[-1].append(logs["val_accuracy"])


def test_trials_score_their_final_epoch_by_default(tmp_path):
    RecordObjective.records = []
    tuner = tuning.make_tuner("random", tuning.AL2HyperModel(_tiny_builder, SPACE), max_trials=4,
                              directory=str(tmp_path), project_name="last", overwrite=True)
    x, y = _data()
    tuner.search(x, y, validation_data=_data(24), epochs=4, verbose=0, callbacks=[RecordObjective()])
    trials = sorted(tuner.oracle.trials.values(), key=lambda t: t.trial_id)
    assert len(trials) == len(RecordObjective.records) == 4
    for trial, curve in zip(trials, RecordObjective.records):
        assert trial.score == pytest.approx(curve[-1])
    # The check can tell the final epoch from the best: some trial ends below its peak.
    assert any(curve[-1] < max(curve) for curve in RecordObjective.records), RecordObjective.records
    with pytest.raises(ValueError, match="score"):
        tuning.AL2HyperModel(_tiny_builder, score="mean")


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


@pytest.mark.parametrize("bounds", [(float("nan"), 1.0), (0.1, float("nan")), ("a", 1.0)])
def test_range_refuses_nan_and_non_numeric_bounds(bounds):
    with pytest.raises(ValueError, match="finite numbers"):
        tuning.Range(*bounds)


def test_search_space_refuses_a_nan_fixed_value():
    with pytest.raises(ValueError, match="threshold=nan"):
        tuning.ScheduleSearchSpace(threshold=float("nan"))


@pytest.mark.parametrize("max_trials", [0, -1, None])
def test_make_tuner_refuses_max_trials_below_one(max_trials, tmp_path):
    with pytest.raises(ValueError, match="max_trials"):
        tuning.make_tuner("random", tuning.AL2HyperModel(), max_trials=max_trials, directory=str(tmp_path))
