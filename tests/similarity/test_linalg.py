"""The CPU route (NumPy's LAPACK) and the device route (TensorFlow) give the same numbers."""

import numpy as np
import pytest

import al2_keras
import al2_keras.similarity
from al2_keras.similarity import covariances, linalg


def _related(p=12, q=20, n=3000, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((5, n))
    x = np.maximum(rng.standard_normal((p, 5)) @ z + 0.5 * rng.standard_normal((p, n)), 0) + 1.0
    y = rng.standard_normal((q, 5)) @ z + rng.standard_normal((q, n))
    return x, y


def _measures(x, y):
    return {
        "cca": al2_keras.similarity.cca(x, y, compute_weights=True),
        "svcca": al2_keras.similarity.svcca(x, y, keep=6).coefficients,
        "pwcca": al2_keras.similarity.pwcca(x, y).mean,
        "pwcca_svcca": al2_keras.similarity.pwcca(x, y, svcca_compatible=True).mean,
    }


@pytest.mark.parametrize("gram_from", [512, 2])
def test_cpu_and_device_routes_agree(monkeypatch, gram_from):
    monkeypatch.setattr(linalg, "_GRAM_SINGULAR_VALUES_FROM", gram_from)
    x, y = _related()
    assert linalg.on_cpu()
    cpu = _measures(x, y)
    for module in (linalg, covariances):
        monkeypatch.setattr(module, "on_cpu", lambda: False)
    device = _measures(x, y)
    np.testing.assert_allclose(cpu["cca"].coefficients, device["cca"].coefficients, atol=1e-9)
    # Canonical weights agree up to each direction's sign.
    np.testing.assert_allclose(np.abs(cpu["cca"].x_weights), np.abs(device["cca"].x_weights), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(cpu["svcca"], device["svcca"], atol=1e-9)
    assert cpu["pwcca"] == pytest.approx(device["pwcca"], abs=1e-9)
    assert cpu["pwcca_svcca"] == pytest.approx(device["pwcca_svcca"], abs=1e-9)


def test_large_means_take_the_centred_route_on_the_cpu_too(monkeypatch):
    x, y = _related()
    x = x + 1e6
    centred = al2_keras.similarity.cca(x - x.mean(axis=1, keepdims=True), y).coefficients
    np.testing.assert_allclose(al2_keras.similarity.cca(x, y).coefficients, centred, atol=1e-9)
    monkeypatch.setattr(covariances, "_MAX_MEAN_TO_VARIANCE", np.inf)
    assert np.max(np.abs(al2_keras.similarity.cca(x, y).coefficients - centred)) > 1e-9
