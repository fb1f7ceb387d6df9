
import numpy as np
import pytest

import al2_keras
import al2_keras.similarity
from tests.similarity.data import related


def gram_cka(x, y, unbiased):
    """CKA from n x n Gram matrices (Kornblith et al.), written out directly."""
    n = x.shape[1]
    k, l_ = x.T @ x, y.T @ y
    if not unbiased:
        h = np.eye(n) - 1.0 / n
        hsic = lambda a, b: np.trace(a @ h @ b @ h)  # noqa: E731
    else:
        def hsic(a, b):
            a, b = a.copy(), b.copy()
            np.fill_diagonal(a, 0)
            np.fill_diagonal(b, 0)
            ones = np.ones(n)
            return (np.trace(a @ b) + ones @ a @ ones * (ones @ b @ ones) / ((n - 1) * (n - 2))
                    - 2.0 / (n - 2) * ones @ a @ b @ ones) / (n * (n - 3))
    return hsic(k, l_) / np.sqrt(hsic(k, k) * hsic(l_, l_))


@pytest.mark.parametrize("unbiased", [False, True])
def test_linear_cka_matches_gram_formula(unbiased):
    x, y = related(n=150)
    assert al2_keras.similarity.linear_cka(x, y, unbiased=unbiased) == pytest.approx(
        gram_cka(x, y, unbiased), rel=1e-9)


def test_linear_cka_is_one_for_rotated_scaled_copy_and_needs_four_points():
    x, _ = related(p=5, n=300)
    rotation, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((5, 5)))
    assert al2_keras.similarity.linear_cka(x, 3.0 * rotation @ x) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="more than 3"):
        al2_keras.similarity.linear_cka(np.ones((1, 3)) * [[1, 2, 4]], np.ones((1, 3)) * [[0, 1, 5]], unbiased=True)


def _pair(neurons=5, datapoints=50, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(neurons, datapoints)), rng.normal(size=(neurons + 1, datapoints))


def test_linear_cka_with_fewer_datapoints_than_neurons_is_defined():
    x, y = _pair(neurons=30, datapoints=10)
    # The Gram formula needs no inverse, so it holds with fewer datapoints than neurons too.
    assert al2_keras.similarity.linear_cka(x, y) == pytest.approx(gram_cka(x, y, unbiased=False), rel=1e-9)
    assert al2_keras.similarity.linear_cka(x, x) == pytest.approx(1.0)
