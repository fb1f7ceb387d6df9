"""Losses that users pick against label noise instead of (or with) AL2, as Keras losses.

Each takes the model's class probabilities (the package's models end in a
softmax) and integer labels, or soft labels of the same shape as the
probabilities (mixup). Written from their papers' formulas; `get(name)`
returns one by the runner's `--loss` name.
"""

import math
from typing import Any, Optional

import keras
from keras import ops

_EPSILON = 1e-7  # probabilities are clipped to [eps, 1] before any log or power


def _targets(y_true, y_pred):
    """Soft targets (batch, classes) from integer labels or soft labels."""
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] != 1:
        return ops.cast(y_true, y_pred.dtype)
    return ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), ops.shape(y_pred)[-1], dtype=y_pred.dtype)


def _probabilities(y_pred):
    return ops.clip(ops.cast(y_pred, "float32"), _EPSILON, 1.0)


@keras.saving.register_keras_serializable(package="al2_keras")
class GeneralizedCrossEntropy(keras.losses.Loss):
    """Generalized cross entropy (Zhang & Sabuncu, NeurIPS 2018).

    `L_q = (1 - p_y^q) / q`: cross entropy as q -> 0, the mean absolute error
    at q = 1; the paper's q = 0.7 by default. With soft labels,
    `sum_k y_k (1 - p_k^q) / q`.

    Args:
        q: In (0, 1].
    """

    def __init__(self, q: float = 0.7, name: str = "generalized_cross_entropy", **kwargs: Any):
        super().__init__(name=name, **kwargs)
        if not 0.0 < q <= 1.0:
            raise ValueError(f"`q` must be in (0, 1]. Received: q={q}")
        self.q = float(q)

    def call(self, y_true, y_pred):
        p = _probabilities(y_pred)
        return ops.sum(_targets(y_true, p) * (1.0 - ops.power(p, self.q)), axis=-1) / self.q

    def get_config(self):
        return {**super().get_config(), "q": self.q}


@keras.saving.register_keras_serializable(package="al2_keras")
class SymmetricCrossEntropy(keras.losses.Loss):
    """Symmetric cross entropy (Wang et al., ICCV 2019): `alpha * CE + beta * RCE`.

    The reverse cross entropy `RCE = -sum_k p_k log y_k` takes log 0 as
    `log_zero` (the paper's A = -4), so for a one-hot label it is
    `-A (1 - p_y)`. Published settings: MNIST alpha 0.01, beta 1.0 (the
    default here, for the MNIST-like datasets of this project); CIFAR-10
    0.1, 1.0; CIFAR-100 6.0, 0.1.

    Args:
        alpha: Weight of the cross entropy.
        beta: Weight of the reverse cross entropy.
        log_zero: The value of log 0 in the reverse term (< 0).
    """

    def __init__(self, alpha: float = 0.01, beta: float = 1.0, log_zero: float = -4.0,
                 name: str = "symmetric_cross_entropy", **kwargs: Any):
        super().__init__(name=name, **kwargs)
        if alpha < 0 or beta < 0 or not log_zero < 0:
            raise ValueError(f"`alpha` and `beta` must be >= 0 and `log_zero` < 0. Received: "
                             f"alpha={alpha}, beta={beta}, log_zero={log_zero}")
        self.alpha, self.beta, self.log_zero = float(alpha), float(beta), float(log_zero)

    def call(self, y_true, y_pred):
        p = _probabilities(y_pred)
        targets = _targets(y_true, p)
        cross_entropy = -ops.sum(targets * ops.log(p), axis=-1)
        log_targets = ops.maximum(ops.log(ops.maximum(targets, 1e-30)), self.log_zero)
        reverse = -ops.sum(p * log_targets, axis=-1)
        return self.alpha * cross_entropy + self.beta * reverse

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "beta": self.beta, "log_zero": self.log_zero}


@keras.saving.register_keras_serializable(package="al2_keras")
class Bootstrapping(keras.losses.Loss):
    """Bootstrapping (Reed et al., ICLR 2015 workshop): cross entropy to a mixed target.

    Soft: target `beta * y + (1 - beta) * p` (beta 0.95 in the paper), the
    prediction `p` part of the target as the formula writes it (so it also
    lowers the prediction's entropy). Hard: target `beta * y + (1 - beta) *
    onehot(argmax p)` (beta 0.8).

    Args:
        mode: "soft" or "hard".
        beta: Weight of the given label; None for the paper's value of `mode`.
    """

    def __init__(self, mode: str = "soft", beta: Optional[float] = None, name: Optional[str] = None, **kwargs: Any):
        if mode not in ("soft", "hard"):
            raise ValueError(f"`mode` must be 'soft' or 'hard'. Received: mode={mode!r}")
        beta = {"soft": 0.95, "hard": 0.8}[mode] if beta is None else float(beta)
        if not 0.0 <= beta <= 1.0:
            raise ValueError(f"`beta` must be in [0, 1]. Received: beta={beta}")
        super().__init__(name=name or f"bootstrapping_{mode}", **kwargs)
        self.mode, self.beta = mode, beta

    def call(self, y_true, y_pred):
        p = _probabilities(y_pred)
        if self.mode == "soft":
            own = p
        else:
            own = ops.one_hot(ops.argmax(p, axis=-1), ops.shape(p)[-1], dtype=p.dtype)
        target = self.beta * _targets(y_true, p) + (1.0 - self.beta) * own
        return -ops.sum(target * ops.log(p), axis=-1)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "beta": self.beta}


@keras.saving.register_keras_serializable(package="al2_keras")
class Flooding(keras.losses.Loss):
    """Flooding (Ishida et al., ICML 2020): the batch loss kept from falling below a level.

    `|L - b| + b` of the wrapped loss's batch value `L`: above the level `b`
    the gradient is `L`'s, below it the sign flips and training climbs back
    to `b`. With noisy labels, a loss below the cross entropy that a perfect
    predictor has on them (`noise_floor`) can only come from fitting the
    wrong labels, so `b` there stops memorization without stopping learning.
    Only the wrapped loss is flooded: penalties added by layers (AL2) or
    regularizers are added after it, unchanged.

    Args:
        loss: The loss to flood, a `keras.losses.Loss` instance.
        level: The flood level `b`, a finite number >= 0.
    """

    def __init__(self, loss: Any, level: float, name: str = "flooding", **kwargs: Any):
        super().__init__(name=name, **kwargs)
        if isinstance(loss, dict):
            loss = keras.losses.deserialize(loss)
        if not isinstance(loss, keras.losses.Loss):
            raise TypeError("Flooding wraps a `keras.losses.Loss` instance (e.g. "
                            f"`keras.losses.SparseCategoricalCrossentropy()`). Received: loss={loss!r}")
        self.loss = loss
        level = float(level)
        if not 0.0 <= level < float("inf"):
            raise ValueError(f"The flood `level` must be a finite number >= 0. Received: level={level}")
        self.level = level

    def __call__(self, y_true, y_pred, sample_weight=None):
        value = self.loss(y_true, y_pred, sample_weight=sample_weight)
        return ops.abs(value - self.level) + self.level

    def call(self, y_true, y_pred):
        return self.loss.call(y_true, y_pred)

    def get_config(self):
        return {**super().get_config(), "loss": keras.losses.serialize(self.loss), "level": self.level}


def noise_floor(corrupt: float, num_classes: int) -> float:
    """Cross entropy a perfect predictor has on labels corrupted as `datasets.corrupt_labels` does.

    A label is kept with probability `1 - corrupt` and otherwise moved to one
    of the `num_classes - 1` other classes uniformly: the entropy of that
    distribution, e.g. 2.21 nats for 75% of 10 classes. The flood level that
    stops memorization (`Flooding`) without a constant to tune.
    """
    if not 0.0 <= corrupt < 1.0 or num_classes < 2:
        raise ValueError(f"Need 0 <= corrupt < 1 and num_classes >= 2. Received: corrupt={corrupt}, "
                         f"num_classes={num_classes}")
    wrong = corrupt / (num_classes - 1)
    entropy = -(1 - corrupt) * math.log(1 - corrupt) - (corrupt * math.log(wrong) if corrupt else 0.0)
    return float(max(entropy, 0.0))


# The runner's `--loss` names; "cross_entropy" is Keras's own.
NAMES = ("cross_entropy", "gce", "sce", "bootstrap_soft", "bootstrap_hard")


def get(name: str, soft_labels: bool = False) -> keras.losses.Loss:
    """The loss called `name` (one of `NAMES`), for integer or soft labels."""
    if name == "cross_entropy":
        return keras.losses.CategoricalCrossentropy() if soft_labels else keras.losses.SparseCategoricalCrossentropy()
    factories = {"gce": GeneralizedCrossEntropy, "sce": SymmetricCrossEntropy,
                 "bootstrap_soft": lambda: Bootstrapping("soft"), "bootstrap_hard": lambda: Bootstrapping("hard")}
    if name not in factories:
        raise ValueError(f"Unknown loss {name!r}; choose from {list(NAMES)}.")
    return factories[name]()
