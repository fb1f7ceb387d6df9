"""A constant AL2 weight."""

import keras

from al2_keras.schedules.checks import check_epoch, check_number, config_repr


@keras.saving.register_keras_serializable(package="al2_keras")
class ConstantSchedule:
    """The same AL2 weight at every epoch.

    Args:
        weight: The weight, a finite float >= 0. It has no time scale: a
            protocol's `time_scale` does not reach it (`schedules.get`).
    """

    def __init__(self, weight: float):
        self.weight = check_number("weight", weight, 0.0, inclusive=True)

    def __call__(self, epoch: int) -> float:
        check_epoch(epoch)
        return self.weight

    def get_config(self) -> dict:
        return {"weight": self.weight}

    @classmethod
    def from_config(cls, config: dict) -> "ConstantSchedule":
        return cls(**config)

    def __repr__(self) -> str:
        return config_repr(self)
