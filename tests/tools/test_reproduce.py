"""tools/reproduce.py: a results file's variants retrained from its own protocol give its numbers."""

import json
import pathlib
import sys

import pytest

from al2_keras.experiments import training
from tests.experiments.datasets.test_loading import _write_dataset

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools"))
import reproduce  # noqa: E402


@pytest.fixture
def finished_run(tmp_path):
    (tmp_path / "data").mkdir()
    _write_dataset(str(tmp_path / "data"), n_train=40, n_test=20)
    protocol = training.quick_protocol(dataset="mnist", data_dir=str(tmp_path / "data"), train_size=32, epochs=2)
    variants = {training.variant_name("bare", al2): training.Variant(protocol, "bare", al2) for al2 in (False, True)}
    training.run_variants(variants, [0], str(tmp_path / "run"), seed_directories=False, verbose=0)
    return tmp_path / "run" / "results.json"


def test_a_run_retrained_from_its_file_gives_its_numbers_and_a_changed_number_fails(finished_run, capsys):
    assert reproduce.main([str(finished_run), "--variants", "bare_al2"]) == 0
    out = capsys.readouterr().out
    assert "| bare_al2 | val_accuracy | 0 |" in out and "over 1 variants; largest difference 0" in out
    saved = json.loads(finished_run.read_text())
    saved["results"]["bare_al2"]["history"]["val_accuracy"][1] += 0.25
    finished_run.write_text(json.dumps(saved))
    assert reproduce.main([str(finished_run), "--variants", "bare_al2"]) == 1
    assert "largest difference 0.25" in capsys.readouterr().out


def test_what_cannot_be_retrained_is_one_error_line(finished_run, capsys):
    assert reproduce.main([str(finished_run), "--variants", "bn_al2"]) == 2
    assert "has no variant ['bn_al2']" in capsys.readouterr().err
    saved = json.loads(finished_run.read_text())
    saved["results"]["bare_al2"]["baseline"] = "bare_al2"  # a comparison arm records its name
    finished_run.write_text(json.dumps(saved))
    assert reproduce.main([str(finished_run), "--variants", "bare_al2"]) == 2
    assert "does not record which baseline it trained" in capsys.readouterr().err
