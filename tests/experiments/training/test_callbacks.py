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
