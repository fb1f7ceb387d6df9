
import numpy as np
import pytest
import svcca_numpy  # benchmarks/, on the path from conftest: svcca's recipe in NumPy

import al2_keras
import al2_keras.similarity
from tests.similarity.data import related


def test_svcca_matches_tutorial_recipe_and_variance_fraction():
    x, y = related(p=10, q=12)
    np.testing.assert_allclose(
        al2_keras.similarity.svcca(x, y, keep=4).coefficients, svcca_numpy.svcca(x, y, keep=4), atol=1e-10
    )
    assert len(al2_keras.similarity.svcca(x, y, keep=0.999999).coefficients) == 10
    few = al2_keras.similarity.svcca(x, y, keep=0.5).coefficients
    assert 1 <= len(few) < 10


@pytest.mark.parametrize("keep", [0, -1, 1.5, 0.0, True])
def test_svcca_bad_keep(keep):
    x, y = related()
    with pytest.raises(ValueError, match="keep"):
        al2_keras.similarity.svcca(x, y, keep=keep)


def _pair(neurons=5, datapoints=50, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(neurons, datapoints)), rng.normal(size=(neurons + 1, datapoints))


@pytest.mark.parametrize("keep", ["20", None, [5]])
def test_non_numeric_keep_is_a_type_error(keep):
    with pytest.raises(TypeError, match="keep="):
        al2_keras.similarity.svcca(*_pair(), keep=keep)
