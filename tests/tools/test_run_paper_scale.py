"""tools/run_paper_scale.py: lanes of variants, each resumed from its journal or skipped once it has the epoch."""

import json
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools"))
import run_paper_scale  # noqa: E402


def _journal(runs, variant, epochs):
    state = runs / variant / "state"
    state.mkdir(parents=True)
    records = [{"epoch": e, "val_accuracy": 0.9, "cross_entropy": 2.2, "activation_loss": 0.01} for e in range(epochs)]
    (state / f"{variant}.epochs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def test_lanes_skip_a_variant_that_has_the_epoch_and_resume_one_that_has_begun(tmp_path, capsys):
    runs = tmp_path / "runs"
    _journal(runs, "bare_no_al2", 300)
    _journal(runs, "bare_al2", 120)
    argv = ["--data-dir", str(tmp_path), "--until-epoch", "300", "--runs-dir", str(runs),
            "--variants", "bare_no_al2,bare_al2,bn_no_al2,bn_al2"]
    lanes = run_paper_scale.plan(run_paper_scale.parse(argv))
    assert [[job[:2] for job in lane] for lane in lanes] == [[("bn_no_al2", 0)], [("bare_al2", 120), ("bn_al2", 0)]]
    resumed, fresh = lanes[1][0][2], lanes[1][1][2]
    assert resumed[-1] == "--resume" and "--resume" not in fresh
    assert fresh[fresh.index("--until-epoch") + 1] == "300" and fresh[fresh.index("--baselines") + 1] == "bn"
    assert run_paper_scale.main(argv + ["--dry-run"]) == 0
    assert "lane 1: bare_al2 (120 epochs trained)" in capsys.readouterr().out


@pytest.mark.parametrize("extra, message", [
    (["--until-epoch", "701"], "--until-epoch must be between 1 and 700"),
    (["--until-epoch", "300", "--variants", "bare,bn_al2"], "unknown variants ['bare']"),
    (["--until-epoch", "300", "--lanes", "0"], "--lanes must be at least 1"),
])
def test_bad_arguments_are_refused_before_any_work(tmp_path, capsys, extra, message):
    with pytest.raises(SystemExit):
        run_paper_scale.parse(["--data-dir", str(tmp_path), *extra])
    assert message in capsys.readouterr().err


def test_a_missing_data_folder_is_named(tmp_path, capsys):
    with pytest.raises(SystemExit):
        run_paper_scale.parse(["--data-dir", str(tmp_path / "mnist"), "--until-epoch", "300"])
    assert "is not a folder; name the one with MNIST's four IDX files" in capsys.readouterr().err


def test_a_lane_logs_each_run_and_stops_at_the_first_failure(tmp_path):
    failures = []
    jobs = [("bare_al2", 0, [sys.executable, "-c", "print('trained'); raise SystemExit(3)"]),
            ("bn_al2", 0, [sys.executable, "-c", "print('never')"])]
    run_paper_scale.run_lane(1, jobs, str(tmp_path), failures)
    assert failures == ["bare_al2"]
    assert (tmp_path / "bare_al2.log").read_text() == "trained\n" and not (tmp_path / "bn_al2.log").exists()
