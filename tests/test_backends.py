"""The backend-agnostic tests, rerun under JAX and PyTorch without TensorFlow.

Each backend runs in its own process (Keras picks its backend once per
process) with `AL2_TEST_BLOCK_TENSORFLOW=1`, so `import tensorflow` fails
there as in an environment without TensorFlow: the core must not need it.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

# The full suite only (CI); `pytest -m "not slow"` skips the backend suite, under JAX and PyTorch in subprocesses.
pytestmark = pytest.mark.slow

TESTS = Path(__file__).parent
ROOT = TESTS.parent
AGNOSTIC_FILES = [
    "tests/test_layers.py",
    "tests/test_callbacks.py",
    "tests/test_schedules.py",
    "tests/test_insertion.py",
    "tests/models",
    "tests/test_optional.py",
    "tests/test_losses.py",
    "tests/test_head_bound.py",
    "tests/test_keras_internals.py",
]
# DenseNet-121's training step costs 2.5 minutes op by op under JAX on 2
# cores; its construction and the trunk/head split are covered by the other
# model tests, its training step under TensorFlow and PyTorch.
DESELECT = {
    "jax": ["tests/models/test_registry.py::"
            "test_reference_architectures_build_train_and_expose_trunk[densenet121-shape1-1024]"],
    "torch": [],
}


# Tests that cannot run on a backend, each for a platform reason named in its skip marker: TensorFlow's
# tape or tf.distribute (tensorflow_only), a trainer that runs eagerly (nothing is traced), float64
# demoted by the backend's ops. Any other skip, or a test that is lost, fails the count below.
EXPECTED_SKIPPED = {"jax": 5, "torch": 6}


def _count(summary: str, word: str) -> int:
    found = re.search(rf"(\d+) {word}", summary)
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_backend_agnostic_suite_passes_without_tensorflow(backend):
    env = {**os.environ, "KERAS_BACKEND": backend, "AL2_TEST_BLOCK_TENSORFLOW": "1"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *AGNOSTIC_FILES]
    collected = subprocess.run([*command, "--collect-only"], cwd=ROOT, env=env, capture_output=True, text=True,
                               timeout=300)
    total = _count(collected.stdout.strip().splitlines()[-1], "tests? collected")
    for test_id in DESELECT[backend]:
        command += ["--deselect", test_id]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-2000:]
    print(f"{backend}: {summary} (collected {total})")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "failed" not in summary and "error" not in summary, summary
    assert _count(summary, "deselected") == len(DESELECT[backend]), summary
    assert _count(summary, "skipped") == EXPECTED_SKIPPED[backend], summary
    assert _count(summary, "passed") == total - len(DESELECT[backend]) - EXPECTED_SKIPPED[backend], summary
