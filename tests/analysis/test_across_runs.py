import numpy as np
import pytest

from al2_keras import analysis


def test_as_neurons_shapes():
    assert analysis.as_neurons(np.zeros((3, 2, 2, 5))).shape == (5, 12)
    assert analysis.as_neurons(np.zeros((3, 7))).shape == (7, 3)
    with pytest.raises(ValueError, match="Features"):
        analysis.as_neurons(np.zeros(3))


def test_identical_runs_are_fully_similar_and_random_is_not():
    rng = np.random.default_rng(0)
    features = np.maximum(rng.standard_normal((100, 2, 2, 6)), 0)
    rows = analysis.similarity_across_runs([{5: features}, {5: 2.0 * features}], keep=4)
    same, random = rows
    assert same["pair"] == "seed 0 vs seed 1" and random["pair"] == "seed 0 vs random"
    for measure in ("cca", "svcca", "pwcca", "cka"):
        assert same[measure] == pytest.approx(1.0, abs=1e-6)
        assert random[measure] < 0.3
    with pytest.raises(ValueError, match="two runs"):
        analysis.similarity_across_runs([{1: features}])
