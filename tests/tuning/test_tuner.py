import json

import keras_tuner
import pytest

from al2_keras import ProgressiveSchedule, tuning
from tests.tuning.search import RecordWeights, _search, _tiny_builder


@pytest.mark.slow
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
