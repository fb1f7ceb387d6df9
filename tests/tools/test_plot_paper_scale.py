"""tools/plot_paper_scale.py: a paused run's journals are drawn against the paper's cells."""

import json
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools"))
import plot_paper_scale  # noqa: E402


def test_a_paused_runs_journal_is_plotted_and_an_empty_folder_is_refused(tmp_path, capsys):
    state = tmp_path / "bare_al2" / "state"
    state.mkdir(parents=True)
    records = [{"epoch": e, "val_accuracy": 0.9, "cross_entropy": 2.2, "activation_loss": 0.01} for e in (1, 2)]
    (state / "bare_al2.epochs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    output = tmp_path / "paper.png"
    assert plot_paper_scale.main([str(tmp_path / "bare_al2"), "--output", str(output)]) == 0
    assert output.stat().st_size > 0 and "bare_al2 (2 epochs)" in capsys.readouterr().out
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit):
        plot_paper_scale.main([str(tmp_path / "empty"), "--output", str(tmp_path / "none.png")])
    assert "no results.json or epoch journal" in capsys.readouterr().err
