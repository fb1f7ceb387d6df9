"""A constant AL2 weight."""

import keras

from al2_keras.schedules.checks import PAPER_TIME_SCALE, check_epoch, check_number, config_repr


@keras.saving.register_keras_serializable(package="al2_keras")
class ConstantSchedule:
    """The same AL2 weight at every epoch.

    Args:
        weight: The weight, a finite float >= 0.
        time_scale: Checked (> 0) and otherwise without effect: a constant
            weight is the same at every time scale. Taken so that every named
            schedule accepts a protocol's `time_scale` (`schedules.get`).
    """

    def __init__(self, weight: float, time_scale: float = PAPER_TIME_SCALE):
        self.weight = check_number("weight", weight, 0.0, inclusive=True)
        check_number("time_scale", time_scale, 0.0, inclusive=False)

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
