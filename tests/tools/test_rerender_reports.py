"""tools/rerender_reports.py: every committed seeds.md, holding view and run table.md equals what its JSON gives."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools"))
import rerender_reports  # noqa: E402


def test_every_committed_view_equals_what_the_current_code_renders_from_its_numbers(capsys):
    assert rerender_reports.main(["--check"]) == 0, capsys.readouterr().out


def test_a_holding_table_without_a_comparison_variant_is_read_as_such():
    folder = rerender_reports.ROOT / "saved_models" / "reference" / "keras_init" / "long_training"
    assert rerender_reports._reference(folder / "baselines" / "holding.csv") is None
    assert rerender_reports._reference(folder / "holding.csv") == "gce_no_al2"


def test_an_edited_view_is_stale_and_rewritten(tmp_path, monkeypatch):
    views = rerender_reports.views()
    source = next(p for p in views if p.suffix == ".csv")
    copy = tmp_path / "holding.csv"
    copy.write_text(views[source].replace("True", "False", 1), newline="")
    monkeypatch.setattr(rerender_reports, "views", lambda: {copy: views[source]})
    monkeypatch.setattr(rerender_reports, "ROOT", tmp_path)
    assert rerender_reports.main(["--check"]) == 1
    assert rerender_reports.main([]) == 0 and rerender_reports.main(["--check"]) == 0
    assert rerender_reports._read(copy) == views[source]  # CSV line endings kept
