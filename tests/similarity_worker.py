"""One worker of the multi-worker streaming-similarity test (run by test_distribute.py).

Every worker draws the same seeded activations, feeds its own share of the
datapoints to `CovarianceAccumulator.update_distributed` batch by batch, and
writes the accumulator's CCA, SVCCA, PWCCA and CKA as JSON to
`<output dir>/worker<index>.json`.
"""

import json
import os
import sys

import numpy as np
import tensorflow as tf

from al2_keras import CovarianceAccumulator
from al2_keras.experiments import distribute


def activations():
    """Seeded (8, 3000) and (10, 3000) activations with four distinct canonical correlations."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 3000)) + 5.0
    y = np.vstack([rng.standard_normal((4, 4)) @ x[:4], rng.standard_normal((6, 3000))]) - 2.0
    y[:4] += rng.standard_normal((4, 3000)) * [[0.2], [0.5], [1.0], [2.0]]
    return x, y


def main(output_dir):
    strategy = distribute.get_strategy("multi-worker")
    x, y = activations()
    worker = strategy.cluster_resolver.task_id
    output = os.path.join(output_dir, f"worker{worker}.json")
    accumulator = CovarianceAccumulator()
    for start in range(0, 3000, 1000):
        # This worker's half of each batch of 1,000 datapoints.
        part = slice(start + 500 * worker, start + 500 * (worker + 1))
        per_replica_x = strategy.experimental_distribute_values_from_function(
            lambda context: tf.constant(x[:, part]))
        per_replica_y = strategy.experimental_distribute_values_from_function(
            lambda context: tf.constant(y[:, part]))
        accumulator.update_distributed(strategy, per_replica_x, per_replica_y)
    with open(output, "w") as f:
        json.dump({"count": accumulator.count,
                   "cca": accumulator.cca().coefficients.tolist(),
                   "svcca": float(accumulator.svcca(keep=6).mean),
                   "pwcca": float(accumulator.pwcca().mean),
                   "cka": float(accumulator.cka())}, f)


if __name__ == "__main__":
    main(sys.argv[1])
