import keras
import keras_tuner
import pytest

from al2_keras import tuning
from tests.tuning.search import SPACE, RecordWeights, _data, _search, _tiny_builder


@pytest.mark.slow
@pytest.mark.parametrize("name", ["random", "bayesian"])
def test_each_trial_runs_its_own_sampled_schedule(name, tmp_path):
    tuner = _search(name, tmp_path)
    rows = tuning.trial_rows(tuner)
    assert len(rows) == 3
    assert len({(r["start"], r["growth"]) for r in rows}) == 3
    trials = sorted(tuner.oracle.trials.values(), key=lambda t: t.trial_id)
    assert len(trials) == len(RecordWeights.records) == 3
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


@pytest.mark.slow
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


def test_no_al2_candidate_trains_with_zero_weight():
    space = tuning.ScheduleSearchSpace()
    hp = keras_tuner.HyperParameters()
    space.declare(hp)
    assert tuning.NO_AL2 in hp._hps["al2_mode"][0].values
    hp.values["al2_mode"] = tuning.NO_AL2
    assert space.schedule(hp) is None  # "no AL2": weight 0, no scheduler
    hypermodel = tuning.AL2HyperModel(_tiny_builder, space)
    model = hypermodel.build(hp)
    assert float(model.get_layer("al2").weight.numpy()) == pytest.approx(0.01)  # as built
    x, y = _data()
    last = hypermodel.fit(hp, model, x, y, epochs=2, verbose=0)
    assert float(model.get_layer("al2").weight.numpy()) == 0.0
    assert "al2_weight" not in last and last["epochs_trained"] == 2


class RecordObjective(keras.callbacks.Callback):
    """Each trial's per-epoch val_accuracy (class-level: the tuner deep-copies callbacks)."""

    records = []

    def on_train_begin(self, logs=None):
        RecordObjective.records.append([])

    def on_epoch_end(self, epoch, logs=None):
        RecordObjective.records[-1].append(logs["val_accuracy"])


@pytest.mark.slow
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
