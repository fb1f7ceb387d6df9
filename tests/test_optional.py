"""Optional dependencies: the core imports without them, the rest says what to install."""

import os
import subprocess
import sys

import keras
import pytest

import al2_keras
from al2_keras.optional import require


def test_require_returns_the_module():
    assert require("json", "a test") is sys.modules["json"]


def test_missing_module_error_names_the_feature_and_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", None)  # as if not installed
    expected = r"al2_keras\.experiments\.datasets needs tensorflow.*pip install \"al2_keras\[cpu"
    with pytest.raises(ImportError, match=expected):
        require("tensorflow", "al2_keras.experiments.datasets")


def test_core_import_loads_no_tensorflow():
    code = "import sys, al2_keras; al2_keras.AL2(); al2_keras.small_net(); print('tensorflow' in sys.modules)"
    # Keras's TensorFlow backend imports TensorFlow itself: check on another.
    backend = "jax" if keras.backend.backend() == "tensorflow" else keras.backend.backend()
    env = {**os.environ, "KERAS_BACKEND": backend}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_the_harness_and_the_tools_are_subpackages_imported_by_name():
    import importlib
    import importlib.util

    assert "training" in importlib.import_module("al2_keras.experiments").__all__  # imports nothing itself
    assert all(importlib.util.find_spec(name) for name in ("al2_keras.similarity", "al2_keras.tuning"))
    with pytest.raises(AttributeError, match="no attribute 'not_a_part'"):
        al2_keras.not_a_part  # noqa: B018
