import pytest

from al2_keras.experiments import training


def test_read_journal_skips_a_line_cut_by_a_kill_when_the_epoch_was_redone(tmp_path):
    path = tmp_path / "bare_al2.epochs.jsonl"
    path.write_text('{"epoch": 0, "loss": 1.0}\n{"epoch": 1, "lo\n{"epoch": 1, "loss": 0.5}\n')
    with pytest.warns(UserWarning, match="damaged lines"):
        history = training.read_journal(str(path))
    assert history == {"loss": [1.0, 0.5]}


def test_read_journal_with_a_lost_epoch_names_the_file_and_the_fix(tmp_path):
    path = tmp_path / "bare_al2.epochs.jsonl"
    path.write_text('{"epoch": 0, "loss": 1.0}\n{"epoch": 1, "lo\n{"epoch": 2, "loss": 0.5}\n')
    with pytest.raises(ValueError, match=r"bare_al2\.epochs\.jsonl lacks epochs.*damaged lines \[2\].*Delete"):
        training.read_journal(str(path))


def test_nan_loss_at_an_epoch_end_is_an_error_naming_the_cause():
    with pytest.raises(FloatingPointError, match="loss is nan at epoch 1.*Lower the learning rate"):
        training.FiniteLoss().on_epoch_end(0, {"loss": float("nan")})
    training.FiniteLoss().on_epoch_end(0, {"loss": 2.3})  # a finite loss passes


def test_training_set_accuracy_measures_the_chosen_epochs_and_logs_nan_between():
    import math

    import numpy as np

    from al2_keras.experiments.training.callbacks import TRAINING_SET_KEYS, TrainingSetAccuracy
    from tests.experiments.training.test_runner import _images

    protocol = training.quick_protocol(train_size=32, epochs=3)
    prepared = training.prepare_data(protocol, _images())
    _, history = training.train_variant(protocol, prepared, al2=True,
                                        callbacks=[TrainingSetAccuracy(prepared, epochs={2})])
    for key in TRAINING_SET_KEYS:
        assert math.isnan(history[key][0]) and math.isnan(history[key][2]) and 0 <= history[key][1] <= 1
    assert np.isfinite(history["val_accuracy"]).all()


def test_run_variant_measures_the_training_set_every_k_epochs_and_at_the_last():
    import math

    from tests.experiments.training.test_runner import _images

    protocol = training.quick_protocol(train_size=32, epochs=5)
    prepared = training.prepare_data(protocol, _images())
    run = training.run_variant(protocol, prepared, "bare_al2", "bare", True, training_set_every=2)
    assert [not math.isnan(value) for value in run["history"]["memorized"]] == [False, True, False, True, True]
    with pytest.raises(ValueError, match="`training_set_every` must be an integer >= 1"):
        training.run_variant(protocol, prepared, "bare_al2", "bare", True, training_set_every=0)
