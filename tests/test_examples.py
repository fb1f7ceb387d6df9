import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.experiments.datasets.test_loading import _write_dataset

# The full suite only (CI); `pytest -m "not slow"` skips the example scripts, each in its own process.
pytestmark = pytest.mark.slow

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(script, *args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, os.path.join(ROOT, script), *args], cwd=cwd, capture_output=True, text=True, timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )


def test_quickstart_help():
    result = _run("examples/quickstart.py", "--help")
    assert result.returncode == 0 and "--data-dir" in result.stdout


def test_quickstart_runs_on_idx_directory_and_writes_json(tmp_path):
    _write_dataset(str(tmp_path), n_train=40, n_test=20)
    output = tmp_path / "out.json"
    result = _run("examples/quickstart.py", "--data-dir", str(tmp_path), "--epochs", "2",
                  "--train-size", "32", "--output", str(output))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "| with AL2 |" in result.stdout and "| without AL2 |" in result.stdout
    results = json.loads(output.read_text())
    assert np.allclose(results["with AL2"]["history"]["al2_weight"], [0.01, 0.01 * 1.1**10])
    # An existing output file is never overwritten.
    again = _run("examples/quickstart.py", "--data-dir", str(tmp_path), "--epochs", "1",
                 "--train-size", "32", "--output", str(output))
    assert again.returncode != 0 and "exists" in again.stderr


def test_quickstart_missing_data_dir_is_a_clear_error(tmp_path):
    result = _run("examples/quickstart.py", "--data-dir", str(tmp_path / "none"), "--epochs", "1")
    assert result.returncode != 0 and "does not exist" in result.stderr


def test_svcca_analysis_help_and_existing_output_is_refused(tmp_path):
    result = _run("examples/svcca_analysis.py", "--help")
    assert result.returncode == 0 and "--probe-images" in result.stdout
    refused = _run("examples/svcca_analysis.py", "--output", str(tmp_path))
    assert refused.returncode != 0 and "exists" in refused.stderr


def test_svcca_analysis_runs_on_idx_directory(tmp_path):
    _write_dataset(str(tmp_path), n_train=40, n_test=30)
    out = tmp_path / "out"
    result = _run("examples/svcca_analysis.py", "--data-dir", str(tmp_path), "--epochs", "2",
                  "--snapshots", "1,2", "--instances", "3", "--train-size", "32", "--output", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    lines = (out / "similarity.csv").read_text().splitlines()
    assert lines[0] == "variant,epoch,pair,cca,svcca,pwcca,cka"
    # 2 variants x 2 epochs x (3 pairs + the noise control), on every test image.
    assert len(lines) == 1 + 2 * 2 * 4 and sum(",0 vs noise," in line for line in lines) == 4
    assert "30 test images" in (out / "summary.md").read_text()
    assert (out / "similarity.png").stat().st_size > 0


@pytest.mark.parametrize("flags, expected", [
    (["--keep", "60"], "SVCCA cannot keep 60 directions of the 50 neurons of 'pool2'"),
    (["--probe-images", "3"], "3 probe images give 48 datapoints (16 per image) for the 50 neurons"),
])
def test_svcca_analysis_refuses_an_impossible_comparison_before_training(flags, expected, tmp_path):
    os.makedirs(tmp_path / "data")
    _write_dataset(str(tmp_path / "data"), n_train=40, n_test=30)
    result = _run("examples/svcca_analysis.py", "--data-dir", str(tmp_path / "data"), "--epochs", "1",
                  "--snapshots", "1", "--instances", "2", "--train-size", "32", "--output", str(tmp_path / "out"),
                  *flags)
    assert result.returncode == 2 and expected in result.stderr
    assert "Training" not in result.stdout and not (tmp_path / "out").exists()


def test_tune_penalty_help():
    result = _run("examples/tune_penalty.py", "--help")
    assert result.returncode == 0 and "--tuner" in result.stdout and "--quick" in result.stdout


def test_tune_penalty_scores_its_final_comparison_on_the_held_out_test_set(tmp_path):
    os.makedirs(tmp_path / "data")
    _write_dataset(str(tmp_path / "data"), n_train=120, n_test=40)
    result = _run("examples/tune_penalty.py", "--data-dir", str(tmp_path / "data"), "--train-size", "64",
                  "--validation-size", "32", "--max-trials", "1", "--epochs", "2",
                  "--directory", str(tmp_path / "tuning"), cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    comparison = (tmp_path / "tuning" / "al2_schedule" / "comparison.md").read_text()
    assert "Scored on the test set, which no trial saw" in comparison
    rows = [line for line in comparison.splitlines() if line.startswith("| ") and "schedule" not in line]
    assert [row.split(" | ")[0] for row in rows] == ["| best found", "| paper default", "| no AL2"]
    assert (tmp_path / "saved_models" / "tuned_al2_schedule.keras").exists()


def test_label_randomization_writes_every_output_and_refuses_to_overwrite(tmp_path):
    _write_dataset(str(tmp_path), n_train=40, n_test=20)
    args = ["examples/label_randomization.py", "--data-dir", str(tmp_path), "--dataset", "mnist",
            "--epochs", "2", "--train-size", "32", "--baselines", "bare,dropout", "--run", "tiny",
            "--runs-dir", str(tmp_path / "runs"), "--models-dir", str(tmp_path / "models")]
    result = _run(*args)
    assert result.returncode == 0, result.stderr[-2000:]
    out = tmp_path / "runs" / "tiny"
    results = json.loads((out / "results.json").read_text())["results"]
    assert sorted(results) == ["bare_al2", "bare_no_al2", "dropout_al2", "dropout_no_al2"]
    history = results["bare_al2"]["history"]
    for key in ("val_accuracy", "cross_entropy", "activation_loss", "al2_weight",
                "train_accuracy_noisy", "train_accuracy_clean", "memorized"):
        assert len(history[key]) == 2, key
    table = (out / "table.md").read_text()
    assert "| bare | TA |" in table and "| dropout | Lr |" in table
    assert (out / "curves.png").stat().st_size > 0 and (out / "summary.md").exists()
    assert (out / "epochs.csv").read_text().count("\n") == 1 + 4 * 2
    assert (tmp_path / "models" / "tiny" / "bare_al2" / "epoch_2.keras").exists()
    again = _run(*args)
    assert again.returncode != 0 and "exists" in again.stderr


def test_label_randomization_over_seeds_writes_each_seed_and_the_spread(tmp_path):
    _write_dataset(str(tmp_path), n_train=40, n_test=20)
    args = ["examples/label_randomization.py", "--data-dir", str(tmp_path), "--dataset", "mnist",
            "--epochs", "2", "--train-size", "32", "--baselines", "bare", "--run", "tiny",
            "--runs-dir", str(tmp_path / "runs"), "--models-dir", str(tmp_path / "models"),
            "--seeds", "0,1"]
    result = _run(*args)
    assert result.returncode == 0, result.stderr[-2000:]
    out = tmp_path / "runs" / "tiny"
    for seed in (0, 1):
        assert json.loads((out / f"seed_{seed}" / "results.json").read_text())["protocol"]["seed"] == seed
        assert (tmp_path / "models" / "tiny" / f"seed_{seed}" / "bare_al2" / "epoch_2.keras").exists()
    statistics = json.loads((out / "seeds.json").read_text())
    assert statistics["seeds"] == [0, 1] and set(statistics["effects"]) == {"bare"}
    assert len(statistics["variants"]["bare_al2"]["final_test_accuracy"]["values"]) == 2
    rows = (out / "seeds.csv").read_text()
    assert rows.count("\n") == 1 + 2 * 2 and "| bare |" in (out / "seeds.md").read_text()
    assert (out / "seeds.png").stat().st_size > 0
    # Finished seeds are loaded, not retrained, when the run is resumed.
    resumed = _run(*args, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert resumed.stdout.count("finished earlier") == 2 and (out / "seeds.csv").read_text() == rows
    bad = _run(*args[:-1], "0,x")
    assert bad.returncode != 0 and "comma-separated integers" in bad.stderr


def test_stable_schedule_example_runs_the_three_variants_and_writes_its_tables(tmp_path):
    _write_dataset(str(tmp_path), n_train=40, n_test=20)
    args = ["examples/stable_schedule.py", "--data-dir", str(tmp_path), "--dataset", "mnist", "--epochs", "1",
            "--train-size", "32", "--seeds", "0", "--run", "tiny", "--runs-dir", str(tmp_path / "runs")]
    result = _run(*args)
    assert result.returncode == 0, result.stderr[-2000:]
    out = tmp_path / "runs" / "tiny"
    saved = json.loads((out / "seed_0" / "results.json").read_text())
    assert sorted(saved["results"]) == ["bare_al2_paper", "bare_al2_stable", "dropout_no_al2"]
    assert saved["protocol"]["bare_al2_stable"]["head_max_norm"] == "initial"
    assert saved["protocol"]["bare_al2_paper"]["head_max_norm"] is None
    assert (saved["protocol"]["bare_al2_stable"]["schedule"], saved["protocol"]["bare_al2_stable"]["time_scale"]) == (
        "stable", 10)
    holding = (out / "holding.csv").read_text().splitlines()
    assert len(holding) == 1 + 2 and "bare_al2_stable" in (out / "holding.md").read_text()
    assert (out / "weights.png").stat().st_size > 0 and (out / "seeds.png").stat().st_size > 0
    assert not (out / "seed_0" / "state").exists()
    again = _run(*args)
    assert again.returncode != 0 and "exists" in again.stderr


def _method_run(directory, accuracy_with):
    from al2_keras.experiments import results

    def history(accuracy):
        return {"loss": [1.0, 1.0], "val_accuracy": [0.1, accuracy], "cross_entropy": [2.0, 1.9],
                "activation_loss": [0.1, 0.1]}

    by_seed = {}
    for seed in (0, 1):
        by_seed[seed] = {"bare_no_al2": {"baseline": "bare", "al2": False, "history": history(0.3)},
                         "bare_al2": {"baseline": "bare", "al2": True, "history": history(accuracy_with)}}
        results.write_run(os.path.join(directory, f"seed_{seed}"), {"seed": seed}, by_seed[seed])
    results.write_seed_statistics(directory, results.seed_statistics(by_seed))


def test_compare_methods_tables_finished_runs(tmp_path):
    _method_run(str(tmp_path / "ce"), 0.7)
    _method_run(str(tmp_path / "gce"), 0.2)
    out = tmp_path / "out"
    result = _run("examples/compare_methods.py", "--method", f"cross_entropy={tmp_path / 'ce'}",
                  "--method", f"gce={tmp_path / 'gce'}", "--output", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    table = (out / "methods.md").read_text()
    assert "| cross_entropy | 30.00 ± 0.00 | 20.00 ± 0.00 | 70.00 ± 0.00 |" in table
    assert "| gce | 30.00 ± 0.00 | 20.00 ± 0.00 | 20.00 ± 0.00 | 15.00 ± 0.00 | -10.0 / -10.0 |" in table
    assert (out / "methods.csv").read_text().count("\n") == 1 + 2 * 2 and (out / "methods.png").exists()


def test_ablation_example_on_saved_models(tmp_path):
    import al2_keras

    _write_dataset(str(tmp_path), n_train=20, n_test=25)
    paths = []
    for al2 in (False, True):
        model = al2_keras.small_net(al2=al2)
        paths.append(str(tmp_path / f"m{int(al2)}.keras"))
        model.save(paths[-1])
    out = tmp_path / "out"
    result = _run("examples/ablation.py", "--models", *paths, "--data-dir", str(tmp_path),
                  "--train-size", "16", "--seeds", "2", "--mode", "unit", "--output", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    assert (out / "ablation.csv").read_text().count("\n") == 1 + 2 * 11
    assert (out / "ablation.png").stat().st_size > 0
    # The paper's training samples by default; --split test for the test set.
    assert "16 train images" in (out / "ablation.md").read_text()
    test_out = tmp_path / "test_out"
    result = _run("examples/ablation.py", "--models", *paths, "--data-dir", str(tmp_path), "--split", "test",
                  "--seeds", "1", "--output", str(test_out))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "25 test images" in (test_out / "ablation.md").read_text()
    missing = _run("examples/ablation.py", "--models", str(tmp_path / "none.keras"))
    assert missing.returncode != 0 and "label_randomization.py" in missing.stderr


# Bad command-line values: one error line naming the flag, exit status 2, before any work.
_BAD_FLAGS = [
    ("label_randomization.py", ["--lr", "0"], "--lr"),
    ("label_randomization.py", ["--lr", "-0.1"], "--lr"),
    ("label_randomization.py", ["--epochs", "0"], "--epochs"),
    ("label_randomization.py", ["--epochs", "-3"], "--epochs"),
    ("label_randomization.py", ["--save-epochs", "10,50"], "--save-epochs: epochs [50] are beyond the run's 40"),
    ("label_randomization.py", ["--table-epochs", "41"], "--table-epochs: epochs [41] are beyond"),
    ("label_randomization.py", ["--save-epochs", "0"], "--save-epochs"),
    ("label_randomization.py", ["--seed", "-1"], "--seed"),
    ("label_randomization.py", ["--seeds", ""], "--seeds"),
    ("label_randomization.py", ["--seeds", "0,0"], "--seeds: a value is repeated"),
    ("label_randomization.py", ["--momentum", "1.5"], "--momentum"),
    ("label_randomization.py", ["--corrupt", "2"], "--corrupt"),
    ("label_randomization.py", ["--batch-size", "0"], "--batch-size"),
    ("label_randomization.py", ["--baselines", "bare,foo"], "--baselines: unknown ['foo']"),
    ("label_randomization.py", ["--time-compression", "0"], "--time-compression"),
    ("label_randomization.py", ["--mixup", "-1"], "--mixup"),
    ("label_randomization.py", ["--shrink", "0"], "--shrink"),
    ("label_randomization.py", ["--lr", "nan"], "--lr"),
    ("tune_penalty.py", ["--max-trials", "0"], "--max-trials"),
    ("tune_penalty.py", ["--epochs", "0"], "--epochs"),
    ("svcca_analysis.py", ["--keep", "0"], "--keep"),
    ("svcca_analysis.py", ["--snapshots", "0,5"], "--snapshots"),
    ("ablation.py", ["--seeds", "0"], "--seeds"),
    ("ablation.py", ["--models", os.path.join(ROOT, "README.md")], "README.md is not a model this script can ablate"),
    ("label_randomization.py", ["--model", "alexnet", "--image-size", "40"], "alexnet needs images of at least 63x63"),
    ("quickstart.py", ["--epochs", "0"], "--epochs"),
    ("quickstart.py", ["--corrupt", "1.5"], "--corrupt"),
    ("quickstart.py", ["--seed", "-2"], "--seed"),
    ("stable_schedule.py", ["--schedule", "stable"], "--schedule and --schedule-options are not options here"),
    ("stable_schedule.py", ["--head-max-norm", "0"], "--head-max-norm"),
    ("stable_schedule.py", ["--seeds", "1,x"], "--seeds"),
    ("label_randomization.py", ["--schedule", "steady"], "--schedule"),
    ("label_randomization.py", ["--schedule-options", "weight=1"], "'paper' schedule has no option ['weight']"),
    ("label_randomization.py", ["--schedule-options", "start=big"], "`start` must be a number"),
    ("compare_methods.py", ["--method", "gce"], "expected NAME=RUN_DIR"),
    ("compare_methods.py", ["--method", "sce=no_such_run"], "seeds.json does not exist"),
    ("tune_penalty.py", ["--schedule", "stable"], "--schedule and --schedule-options are not options here"),
]


@pytest.mark.parametrize("script, flags, expected", _BAD_FLAGS, ids=[f"{s}{' '.join(f)}" for s, f, _ in _BAD_FLAGS])
def test_bad_flag_is_one_error_line_naming_it_with_status_2(script, flags, expected, monkeypatch, capsys, tmp_path):
    import runpy

    monkeypatch.chdir(tmp_path)  # nothing may be written; a run would write here
    monkeypatch.setattr(sys, "argv", [script, *flags])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(os.path.join(ROOT, "examples", script), run_name="__main__")
    assert exit_info.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error:" in line]
    assert len(errors) == 1 and expected in errors[0], errors
    assert os.listdir(tmp_path) == []


def test_label_randomization_takes_the_model_from_the_registry(tmp_path):
    os.makedirs(tmp_path / "data")
    _write_dataset(str(tmp_path / "data"), n_train=40, n_test=20)
    common = ["--data-dir", str(tmp_path / "data"), "--train-size", "16", "--epochs", "1", "--baselines", "bare",
              "--runs-dir", str(tmp_path / "runs"), "--models-dir", str(tmp_path / "models")]
    refused = _run("examples/label_randomization.py", *common, "--model", "alexnet", "--run", "a")
    assert refused.returncode == 2
    assert "alexnet needs images of at least 63x63 pixels; these are 28x28" in refused.stderr
    assert "--image-size 63" in refused.stderr and not (tmp_path / "runs" / "a").exists()
    resized = _run("examples/label_randomization.py", *common, "--model", "alexnet", "--image-size", "63",
                   "--run", "b")
    assert resized.returncode == 0, resized.stderr[-2000:]
    results = json.loads((tmp_path / "runs" / "b" / "results.json").read_text())
    assert results["protocol"]["model"] == "alexnet" and results["protocol"]["image_size"] == 63


def test_long_training_example_trains_the_chosen_arms_and_compares_with_gce(tmp_path):
    _write_dataset(str(tmp_path), n_train=40, n_test=20)
    args = ["examples/long_training.py", "--data-dir", str(tmp_path), "--dataset", "mnist", "--epochs", "2",
            "--train-size", "32", "--seeds", "0", "--run", "tiny", "--runs-dir", str(tmp_path / "runs"),
            "--schedule", "stable", "--head-max-norm", "initial", "--lr-schedule", "cosine",
            "--baselines", "bn", "--variants", "bare_al2,gce_no_al2,bn_al2"]
    result = _run(*args)
    assert result.returncode == 0, result.stderr[-2000:]
    out = tmp_path / "runs" / "tiny"
    saved = json.loads((out / "seed_0" / "results.json").read_text())
    assert sorted(saved["results"]) == ["bare_al2", "bn_al2", "gce_no_al2"]
    settings = saved["protocol"]
    assert settings["bare_al2"]["head_max_norm"] == "initial" and settings["gce_no_al2"]["head_max_norm"] is None
    assert {s["lr_schedule"] for s in settings.values()} == {"cosine"} and settings["gce_no_al2"]["loss"] == "gce"
    schedule_keys = ("schedule", "time_scale", "schedule_options")  # the flags' AL2 on both baselines:
    assert [settings["bn_al2"][key] for key in schedule_keys] == [settings["bare_al2"][key] for key in schedule_keys]
    assert "last-5 at or above gce_no_al2's" in (out / "holding.md").read_text()
    assert len((out / "holding.csv").read_text().splitlines()) == 1 + 2
    again = _run(*args)
    assert again.returncode != 0 and "exists" in again.stderr
    resumed = _run(*args, "--resume")  # every seed finished: loaded, tables rewritten
    assert resumed.returncode == 0 and "finished earlier" in resumed.stdout


def test_long_training_scored_on_validation_never_scores_on_the_test_set(tmp_path):
    _write_dataset(str(tmp_path), n_train=60, n_test=20)
    result = _run("examples/long_training.py", "--data-dir", str(tmp_path), "--dataset", "mnist", "--epochs", "1",
                  "--train-size", "32", "--seeds", "0", "--run", "v", "--runs-dir", str(tmp_path / "runs"),
                  "--variants", "bare_al2,gce_no_al2", "--score-on", "validation", "--validation-size", "25")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "scored on the validation split (25 images)" in result.stdout
    out = tmp_path / "runs" / "v"
    assert "Accuracy on a validation split of 25 training images (clean labels)" in (out / "holding.md").read_text()


def test_label_randomization_trains_chosen_variants_pauses_and_continues(tmp_path):
    os.makedirs(tmp_path / "data")
    _write_dataset(str(tmp_path / "data"), n_train=40, n_test=20)
    common = ["--data-dir", str(tmp_path / "data"), "--train-size", "16", "--epochs", "2", "--baselines", "bare",
              "--variants", "bare_al2", "--runs-dir", str(tmp_path / "runs"), "--models-dir", str(tmp_path / "m"),
              "--run", "r"]
    paused = _run("examples/label_randomization.py", *common, "--until-epoch", "1")
    assert paused.returncode == 0, paused.stderr[-2000:]
    assert "paused at epoch 1" in paused.stdout and not (tmp_path / "runs" / "r" / "results.json").exists()
    resumed = _run("examples/label_randomization.py", *common, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    runs = json.loads((tmp_path / "runs" / "r" / "results.json").read_text())["results"]
    assert list(runs) == ["bare_al2"] and len(runs["bare_al2"]["history"]["val_accuracy"]) == 2
    refused = _run("examples/label_randomization.py", *common[:-2], "--run", "s", "--variants", "bn_al2")
    assert refused.returncode == 2 and "--variants bn_al2 needs its baseline in --baselines" in refused.stderr
