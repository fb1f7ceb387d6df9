"""Activations shared by the similarity tests."""

import numpy as np


def qr_oracle(x, y):
    """Canonical correlations as singular values of Qx^T Qy (NumPy float64)."""
    qx, _ = np.linalg.qr((x - x.mean(axis=1, keepdims=True)).T)
    qy, _ = np.linalg.qr((y - y.mean(axis=1, keepdims=True)).T)
    return np.linalg.svd(qx.T @ qy, compute_uv=False)


def related(p=8, q=12, n=2000, seed=0, offset=0.0):
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((4, n))
    x = np.maximum(rng.standard_normal((p, 4)) @ z + 0.5 * rng.standard_normal((p, n)), 0) + offset
    y = rng.standard_normal((q, 4)) @ z + rng.standard_normal((q, n))
    return x, y
