"""The streaming accumulator: moments batch by batch, then any measure.

The accumulator calls the measures; the measures never import it.
"""

from typing import Any, Optional

from al2_keras.optional import require
from al2_keras.similarity.cca import cca_from_moments
from al2_keras.similarity.cka import cka_from_moments
from al2_keras.similarity.covariances import (
    Moments,
    _gram_blocks,
    as_activations,
    check_enough_datapoints,
    check_finite,
    check_pair,
)
from al2_keras.similarity.pwcca import pwcca_from_moments
from al2_keras.similarity.svcca import svcca_from_moments

tf = require("tensorflow", "al2_keras.similarity")

class CovarianceAccumulator:
    """Streams activations batch by batch, keeping only their moments.

    Memory is O((p + q)^2) whatever the number of datapoints. Sums are kept
    in float64 around a shift (the first batch's means), which keeps the
    covariance as accurate as the two-pass in-memory computation for
    activations whose mean is large against their spread.

    Examples:

    >>> acc = CovarianceAccumulator()
    >>> for x_batch, y_batch in batches:           # (p, b) and (q, b)
    ...     acc.update(x_batch, y_batch)
    >>> result = acc.cca()           # or .svcca(), .pwcca(), .cka() (biased)

    Under a `tf.distribute` strategy, `update_distributed` takes the
    per-replica activations, sums on each replica and reduces the sums.
    """

    def __init__(self):
        self._count = 0
        self._shift_x: Optional[tf.Tensor] = None
        self._shift_y: Optional[tf.Tensor] = None
        self._sums = None

    @property
    def count(self) -> int:
        return self._count

    def update(self, x: Any, y: Any) -> None:
        """Adds a batch of activations `x` (p, b) and `y` (q, b)."""
        x = as_activations(x, "x")
        y = as_activations(y, "y")
        check_pair(x, y)
        self._start(x, y)
        self._add(_shifted_sums(x, y, self._shift_x, self._shift_y), int(x.shape[1]))

    def update_distributed(self, strategy: tf.distribute.Strategy, x: Any, y: Any) -> None:
        """Adds per-replica activations under a `tf.distribute` strategy.

        Each replica sums its own datapoints (around a shift shared by all
        replicas and workers) and the sums are reduced across replicas, so
        the result equals `update` on all the replicas' datapoints together;
        under multi-worker training every worker holds the global result.

        Args:
            strategy: The strategy that produced `x` and `y`.
            x: Per-replica values (as from `strategy.run`) of activations
                (p, b_r), b_r the datapoints of replica r.
            y: The same for the second representation, (q, b_r).
        """
        local_x = [as_activations(a, "x") for a in strategy.experimental_local_results(x)]
        local_y = [as_activations(b, "y") for b in strategy.experimental_local_results(y)]
        for a, b in zip(local_x, local_y):
            check_pair(a, b)

        def total(fn):
            # Sum over every replica, on every worker.
            return [strategy.reduce(tf.distribute.ReduceOp.SUM, part, axis=None)
                    for part in strategy.run(fn, args=(x, y))]

        def replica_totals(a, b):
            a, b = tf.cast(a, tf.float64), tf.cast(b, tf.float64)
            return tf.reduce_sum(a, axis=1), tf.reduce_sum(b, axis=1), tf.cast(tf.shape(a)[1], tf.float64)

        sum_x, sum_y, count = total(replica_totals)
        if self._shift_x is None:
            # The shift is the first batch's mean over all replicas (and
            # workers), so that every worker sums around the same point.
            self._start(sum_x[:, None] / count, sum_y[:, None] / count)
        else:
            self._start(local_x[0], local_y[0])  # checks the neuron counts
        shift_x, shift_y = self._shift_x, self._shift_y

        def replica_sums(a, b):
            return _shifted_sums(tf.cast(a, tf.float64), tf.cast(b, tf.float64), shift_x, shift_y)

        self._add(total(replica_sums), int(count.numpy()))

    def _start(self, x: tf.Tensor, y: tf.Tensor) -> None:
        """Sets the shift from the first batch; checks later batches' neurons."""
        if self._shift_x is None:
            shift_x, shift_y = tf.reduce_mean(x, axis=1), tf.reduce_mean(y, axis=1)
            check_finite("x", shift_x)
            check_finite("y", shift_y)
            self._shift_x, self._shift_y = shift_x, shift_y
        elif x.shape[0] != self._shift_x.shape[0] or y.shape[0] != self._shift_y.shape[0]:
            raise ValueError(
                "Every batch must have the same neurons. First batch: "
                f"{self._shift_x.shape[0]} and {self._shift_y.shape[0]}; this "
                f"batch: {x.shape[0]} and {y.shape[0]}."
            )

    def _add(self, sums: list, count: int) -> None:
        check_finite("x", sums[0], tf.linalg.diag_part(sums[2]))
        check_finite("y", sums[1], tf.linalg.diag_part(sums[4]))
        self._sums = list(sums) if self._sums is None else [a + b for a, b in zip(self._sums, sums)]
        self._count += count

    def merge(self, other: "CovarianceAccumulator") -> None:
        """Adds the datapoints of another accumulator (e.g. another replica)."""
        if not isinstance(other, CovarianceAccumulator):
            raise TypeError(f"`other` must be a CovarianceAccumulator. Received: other={other!r}")
        if other._sums is None:
            return
        if self._sums is not None:
            mine = (int(self._sums[0].shape[0]), int(self._sums[1].shape[0]))
            theirs = (int(other._sums[0].shape[0]), int(other._sums[1].shape[0]))
            if mine != theirs:
                raise ValueError(
                    "Accumulators of different representations cannot be merged: this one has "
                    f"{mine[0]} and {mine[1]} neurons, `other` {theirs[0]} and {theirs[1]}.")
        if self._sums is None:
            self._count, self._shift_x, self._shift_y = other._count, other._shift_x, other._shift_y
            self._sums = list(other._sums)
            return
        # Re-express the other's sums around this accumulator's shift.
        dx = other._shift_x - self._shift_x
        dy = other._shift_y - self._shift_y
        n = tf.constant(float(other._count), tf.float64)
        sx, sy, sxx, sxy, syy = other._sums
        moved = [
            sx + n * dx,
            sy + n * dy,
            sxx + _outer(sx, dx) + _outer(dx, sx) + n * _outer(dx, dx),
            sxy + _outer(sx, dy) + _outer(dx, sy) + n * _outer(dx, dy),
            syy + _outer(sy, dy) + _outer(dy, sy) + n * _outer(dy, dy),
        ]
        self._sums = [a + b for a, b in zip(self._sums, moved)]
        self._count += other._count

    def cca(self, epsilon: float = 1e-10, compute_weights: bool = False):
        """CCA of everything seen so far (see `al2_keras.cca`)."""
        return cca_from_moments(self.moments(), epsilon, compute_weights)

    def svcca(self, keep: Any = 20, epsilon: float = 1e-10):
        """SVCCA of everything seen so far (see `al2_keras.svcca`)."""
        return svcca_from_moments(self.moments(), keep, epsilon)

    def pwcca(self, epsilon: float = 1e-10, svcca_compatible: bool = False):
        """PWCCA of everything seen so far (see `al2_keras.pwcca`)."""
        return pwcca_from_moments(self.moments(), epsilon, svcca_compatible)

    def cka(self) -> float:
        """Biased linear CKA of everything seen so far."""
        return cka_from_moments(self.moments())

    def moments(self) -> Moments:
        """The means and covariances of every datapoint seen so far."""
        if self._sums is None:
            raise ValueError("The accumulator is empty: call `update` first.")
        check_enough_datapoints(
            self._count, int(self._shift_x.shape[0]), int(self._shift_y.shape[0])
        )
        n = tf.constant(float(self._count), tf.float64)
        sx, sy, sxx, sxy, syy = self._sums
        dx, dy = sx / n, sy / n  # mean minus shift
        denominator = n - 1.0
        return Moments(
            count=self._count,
            mean_x=self._shift_x + dx,
            mean_y=self._shift_y + dy,
            cov_xx=(sxx - n * _outer(dx, dx)) / denominator,
            cov_xy=(sxy - n * _outer(dx, dy)) / denominator,
            cov_yy=(syy - n * _outer(dy, dy)) / denominator,
        )


def _outer(a, b):
    return a[:, None] * b[None, :]


@tf.function
def _shifted_sums(x, y, shift_x, shift_y):
    xs = x - shift_x[:, None]
    ys = y - shift_y[:, None]
    return [
        tf.reduce_sum(xs, axis=1),
        tf.reduce_sum(ys, axis=1),
        _gram_blocks(xs, xs, symmetric=True),
        _gram_blocks(xs, ys, symmetric=False),
        _gram_blocks(ys, ys, symmetric=True),
    ]
