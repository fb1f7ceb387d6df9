
import numpy as np
import pytest
import svcca_numpy  # benchmarks/, on the path from conftest: svcca's recipe in NumPy

import al2_keras
import al2_keras.similarity
from tests.similarity.data import related


@pytest.mark.parametrize("seed, offset", [(0, 2.0), (1, -3.0), (2, 0.5), (3, 10.0)])
def test_pwcca_svcca_compatible_mode_is_upstream_compute_pwcca_on_uncentred_inputs(seed, offset):
    x, y = related(seed=seed, offset=offset)
    mean, weights, coefficients = svcca_numpy.pwcca(x, y)
    result = al2_keras.similarity.pwcca(x, y, svcca_compatible=True)
    assert result.weighted_side == "x"
    assert result.mean == pytest.approx(mean, abs=1e-8)
    np.testing.assert_allclose(result.weights, weights, atol=1e-8)
    np.testing.assert_allclose(result.coefficients, coefficients, atol=1e-8)


@pytest.mark.parametrize("seed, offset", [(0, 2.0), (1, -3.0), (2, 0.5)])
def test_pwcca_default_is_upstream_on_centred_inputs_and_ignores_the_means(seed, offset):
    x, y = related(seed=seed, offset=offset)
    centred_x, centred_y = x - x.mean(axis=1, keepdims=True), y - y.mean(axis=1, keepdims=True)
    expected = svcca_numpy.pwcca(centred_x, centred_y)[0]
    assert al2_keras.similarity.pwcca(x, y).mean == pytest.approx(expected, abs=1e-8)
    assert al2_keras.similarity.pwcca(centred_x, centred_y).mean == pytest.approx(expected, abs=1e-8)
    # Upstream's own value on the uncentred inputs is a different number.
    assert abs(svcca_numpy.pwcca(x, y)[0] - expected) > 1e-6


def test_pwcca_weights_from_the_smaller_side_when_x_is_larger():
    small, large = related(p=6, q=14)
    with pytest.raises(IndexError):
        svcca_numpy.pwcca(large, small)  # upstream's second branch reads acts1
    result = al2_keras.similarity.pwcca(large, small)
    assert result.weighted_side == "y"
    assert result.mean == pytest.approx(al2_keras.similarity.pwcca(small, large).mean, abs=1e-10)
    centred = [a - a.mean(axis=1, keepdims=True) for a in (small, large)]
    assert result.mean == pytest.approx(svcca_numpy.pwcca(*centred)[0], abs=1e-8)
