import json
import os
import subprocess
import sys

import numpy as np

from test_data import _write_dataset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(*args):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
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
