"""Step parity, short: al2_keras trains as the PyTorch transcription of the reference does."""

import numpy as np
import pytest
import step_parity  # benchmarks/, on the path from conftest

# The full suite only (CI); `pytest -m "not slow"` skips 30 float64 training steps per variant on both frameworks.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (640, 28, 28), dtype=np.uint8), rng.integers(0, 10, 640)


@pytest.mark.parametrize("baseline", sorted(step_parity.BASELINES))
@pytest.mark.parametrize("al2", [False, True])
def test_float64_training_matches_the_reference_step_for_step(data, baseline, al2):
    result = step_parity.compare(baseline, al2, *data, steps=30, steps_per_epoch=10, dtype="float64")
    assert result["steps"] == 30
    # The AL2 weight moved across the three epochs (the paper's schedule, ten-fold compressed).
    expected = [0.01, 0.01 * 1.1 ** 10, 0.01 * 1.1 ** 20] if al2 else [0.0] * 3
    np.testing.assert_allclose(result["al2_weights"], expected, rtol=1e-12)
    for name, difference in result["max_relative_difference"].items():
        assert difference <= 1e-7, (name, difference)


def test_keras_biased_running_variance_is_measurably_different(data):
    """The check can fail: Keras's own BatchNormalization update drifts from the reference's."""
    unbiased = step_parity.compare("bn", False, *data, steps=10, steps_per_epoch=10)
    biased = step_parity.compare("bn", False, *data, steps=10, steps_per_epoch=10, unbiased_batch_norm=False)
    statistics = "batch_norm_running_statistics"
    assert unbiased["max_relative_difference"][statistics] <= 1e-9
    assert biased["max_relative_difference"][statistics] >= 1e-6
