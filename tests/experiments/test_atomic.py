import json
import os

import pytest

from al2_keras.experiments import atomic


def test_write_text_replaces_the_whole_file(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("old")
    atomic.write_json(str(path), {"epoch": 3})
    assert json.loads(path.read_text()) == {"epoch": 3}
    assert os.listdir(tmp_path) == ["state.json"]  # no temporary left behind


def test_failed_write_keeps_the_old_content_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "results.json"
    path.write_text('{"finished": true}')

    def killed(*args):
        raise KeyboardInterrupt  # stands for a kill between writing and renaming

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_text(str(path), '{"finished": fal')
    assert path.read_text() == '{"finished": true}'
    assert os.listdir(tmp_path) == ["results.json"]


def test_read_json_names_a_damaged_file_and_the_fix(tmp_path):
    path = tmp_path / "bare_al2.json"
    path.write_text('{"baseline": "ba')
    with pytest.raises(ValueError, match=r"bare_al2\.json is damaged .*Delete it"):
        atomic.read_json(str(path), "finished-variant file")


def test_append_line_after_a_cut_line_keeps_the_new_line_whole(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text('{"epoch": 0}\n{"epoch": 1, "lo')  # a kill cut the second record
    atomic.append_line(str(path), '{"epoch": 1, "loss": 0.5}')
    lines = path.read_text().splitlines()
    assert lines == ['{"epoch": 0}', '{"epoch": 1, "lo', '{"epoch": 1, "loss": 0.5}']
