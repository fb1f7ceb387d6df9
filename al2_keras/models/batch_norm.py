"""BatchNormalization with PyTorch's running statistics, as the reference's `BatchNorm2d` keeps them."""

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="al2_keras")
class TorchBatchNormalization(keras.layers.BatchNormalization):
    """BatchNormalization whose moving variance follows PyTorch's `BatchNorm`.

    Training normalizes with the batch's biased variance, as Keras and
    PyTorch both do, but PyTorch updates its running variance with the
    *unbiased* batch variance (times `n / (n - 1)`, `n` the values per
    channel) where Keras uses the biased one. With `unbiased=True` this
    layer updates as PyTorch does, so evaluation uses the reference's
    statistics; with `unbiased=False` it is Keras's layer. Masks and
    batch renormalization fall back to Keras's own update.

    Args:
        unbiased: Update `moving_variance` with the unbiased batch variance.
        **kwargs: `keras.layers.BatchNormalization` arguments.

    Input shape:
        Arbitrary.

    Output shape:
        Same shape as input.
    """

    def __init__(self, unbiased: bool = True, **kwargs: Any):
        super().__init__(**kwargs)
        self.unbiased = bool(unbiased)

    def call(self, inputs, training=None, mask=None):
        if not (training and self.trainable and self.unbiased) or getattr(self, "renorm", False) or mask is not None:
            return super().call(inputs, training=training, mask=mask)
        dtype = keras.backend.result_type(inputs.dtype, "float32")
        x = ops.cast(inputs, dtype)
        axis = self.axis % len(x.shape)
        mean, variance = ops.moments(x, [a for a in range(len(x.shape)) if a != axis])
        count = ops.cast(ops.size(x), dtype) / x.shape[axis]
        unbiased = variance * count / ops.maximum(count - 1.0, 1.0)
        momentum = self.momentum
        self.moving_mean.assign(ops.cast(self.moving_mean, dtype) * momentum + mean * (1.0 - momentum))
        self.moving_variance.assign(
            ops.cast(self.moving_variance, dtype) * momentum + unbiased * (1.0 - momentum))
        gamma = ops.cast(self.gamma, dtype) if self.scale else None
        beta = ops.cast(self.beta, dtype) if self.center else None
        outputs = ops.batch_normalization(x, mean, variance, axis=axis, offset=beta, scale=gamma,
                                          epsilon=self.epsilon)
        return ops.cast(outputs, self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "unbiased": self.unbiased}
