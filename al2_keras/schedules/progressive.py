"""The paper's progressive schedule of the AL2 weight (the reference's `get_map_weights`)."""

import math
import warnings
from typing import Any, Optional

import keras

from al2_keras.schedules.checks import check_epoch, check_number, config_repr
from al2_keras.schedules.constants import (
    PAPER_GROWTH,
    PAPER_LATE_GROWTH,
    PAPER_START,
    PAPER_THRESHOLD,
    PAPER_TIME_SCALE,
)


@keras.saving.register_keras_serializable(package="al2_keras")
class ProgressiveSchedule:
    """The paper's progressive schedule of the AL2 weight.

    `w_0 = start`; then `w_t = w_{t-1} * growth` while `w_{t-1} < threshold`,
    else `w_{t-1} * late_growth`. The defaults are the reference code's
    (`get_map_weights`): 0.01, 5, 1.1 and 1.01.

    With `time_scale=s`, epoch `k` gets the weight of step `s * k` of that
    recursion (geometrically interpolated between steps when `s * k` is not
    a whole number), so one epoch stands for `s` epochs of the base schedule
    (see `time_compressed`).

    Args:
        start: Weight of epoch 0, > 0.
        threshold: Weight from which the slower growth applies, > 0.
        growth: Factor per step below the threshold, >= 1.
        late_growth: Factor per step at or above the threshold, >= 1.
        time_scale: Steps of the recursion per epoch, > 0 (1: one per epoch).

    Examples:

    >>> schedule = ProgressiveSchedule()
    >>> round(schedule(2), 4)  # 0.01, then times 1.1 per epoch
    0.0121
    """

    def __init__(
        self,
        start: float = PAPER_START,
        threshold: float = PAPER_THRESHOLD,
        growth: float = PAPER_GROWTH,
        late_growth: float = PAPER_LATE_GROWTH,
        time_scale: float = PAPER_TIME_SCALE,
    ):
        self.start = check_number("start", start, 0.0, inclusive=False)
        self.threshold = check_number(
            "threshold", threshold, 0.0, inclusive=False
        )
        self.growth = check_number("growth", growth, 1.0, inclusive=True)
        self.late_growth = check_number(
            "late_growth", late_growth, 1.0, inclusive=True
        )
        self.time_scale = check_number("time_scale", time_scale, 0.0, inclusive=False)
        self._crossing_cache = None

    @classmethod
    def time_compressed(cls, time_scale: Optional[float] = None, **kwargs: Any) -> "ProgressiveSchedule":
        """A schedule where one epoch stands for `time_scale` epochs of the base one.

        `time_compressed(10)(k)` is exactly the paper's weight at epoch
        `10 k`: 1.1**10 = 2.594 per epoch below the threshold, 1.01**10 =
        1.105 above it, and the threshold is crossed at the paper's step
        (epoch 66, weight 5.39), not at the next whole epoch.

        Args:
            time_scale: Epochs of the base schedule per epoch, > 0 (the
                constructor's `time_scale`).
            **kwargs: `start`, `threshold`, `growth`, `late_growth` of the
                base schedule (the paper's by default). `factor=`, the former
                name of `time_scale`, still works, with a DeprecationWarning.
        """
        if "factor" in kwargs:
            warnings.warn("time_compressed(factor=...) is deprecated: the argument is named time_scale.",
                          DeprecationWarning, stacklevel=2)
            if time_scale is not None:
                raise ValueError("Pass `time_scale` only (`factor` is its former name).")
            time_scale = kwargs.pop("factor")
        if time_scale is None:
            raise ValueError("`time_scale` is required: epochs of the base schedule per epoch, e.g. 10.")
        return cls(**kwargs, time_scale=check_number("time_scale", time_scale, 0.0, inclusive=False))

    def _factor(self, weight: float) -> float:
        """Growth of the step that starts at `weight`."""
        return self.growth if weight < self.threshold else self.late_growth

    # Steps of the early phase computed by the recursion itself; a schedule
    # that needs more (a growth barely above 1) is computed in closed form.
    _MAX_RECURSION_STEPS = 100_000

    def _crossing(self):
        """`(step, weight)` where the recursion first reaches the threshold.

        `(None, None)` if it never does (growth 1 below the threshold).
        Computed once, by the recursion (as `get_map_weights` does) when the
        crossing is at most `_MAX_RECURSION_STEPS` steps away.
        """
        if self._crossing_cache is None:
            weight, step = self.start, 0
            if weight < self.threshold and self.growth == 1.0:
                self._crossing_cache = (None, None)
                return self._crossing_cache
            while weight < self.threshold and step < self._MAX_RECURSION_STEPS:
                weight, step = weight * self.growth, step + 1
            if weight < self.threshold:  # closed form for the rest of the way
                step = math.ceil(math.log(self.threshold / self.start) / math.log(self.growth))
                weight = self.start * self.growth**step
            self._crossing_cache = (step, weight)
        return self._crossing_cache

    def _step(self, step: int) -> float:
        """Weight after `step` steps of the recursion (O(1) memory)."""
        crossing, crossed = self._crossing()
        try:
            if crossing is None or step <= crossing:
                return self.start * self.growth**step
            return crossed * self.late_growth ** (step - crossing)
        except OverflowError:
            return math.inf

    def __call__(self, epoch: int) -> float:
        epoch = check_epoch(epoch)
        position = epoch * self.time_scale
        step = math.floor(position + 1e-9)
        fraction = position - step
        weight = self._step(step)
        if fraction <= 1e-9:
            return weight
        return weight * self._factor(weight) ** fraction

    def get_config(self) -> dict:
        return {
            "start": self.start,
            "threshold": self.threshold,
            "growth": self.growth,
            "late_growth": self.late_growth,
            "time_scale": self.time_scale,
        }

    @classmethod
    def from_config(cls, config: dict) -> "ProgressiveSchedule":
        return cls(**config)

    def __repr__(self) -> str:
        return config_repr(self)
