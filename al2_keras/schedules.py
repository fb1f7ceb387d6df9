"""Schedules of the AL2 penalty weight: epoch index -> weight."""

import math
from typing import Callable

import keras


def _check_number(name: str, value, minimum: float, inclusive: bool) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must be a number. Received: {name}={value!r}"
        ) from None
    too_small = number < minimum if inclusive else number <= minimum
    if not math.isfinite(number) or too_small:
        bound = ">=" if inclusive else ">"
        raise ValueError(
            f"`{name}` must be a finite number {bound} {minimum}. "
            f"Received: {name}={value!r}"
        )
    return number


def _check_epoch(epoch) -> int:
    if int(epoch) != epoch or epoch < 0:
        raise ValueError(
            f"`epoch` must be an integer >= 0. Received: epoch={epoch!r}"
        )
    return int(epoch)


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

    Example:

    >>> schedule = ProgressiveSchedule()
    >>> [round(schedule(epoch), 4) for epoch in range(3)]
    [0.01, 0.011, 0.0121]
    """

    def __init__(
        self,
        start: float = 0.01,
        threshold: float = 5.0,
        growth: float = 1.1,
        late_growth: float = 1.01,
        time_scale: float = 1.0,
    ):
        self.start = _check_number("start", start, 0.0, inclusive=False)
        self.threshold = _check_number(
            "threshold", threshold, 0.0, inclusive=False
        )
        self.growth = _check_number("growth", growth, 1.0, inclusive=True)
        self.late_growth = _check_number(
            "late_growth", late_growth, 1.0, inclusive=True
        )
        self.time_scale = _check_number("time_scale", time_scale, 0.0, inclusive=False)
        self._crossing_cache = None

    @classmethod
    def time_compressed(cls, factor: float, **kwargs) -> "ProgressiveSchedule":
        """A schedule where one epoch stands for `factor` epochs of the base one.

        `time_compressed(10)(k)` is exactly the paper's weight at epoch
        `10 k`: 1.1**10 = 2.594 per epoch below the threshold, 1.01**10 =
        1.105 above it, and the threshold is crossed at the paper's step
        (epoch 66, weight 5.39), not at the next whole epoch.

        Args:
            factor: Epochs of the base schedule per epoch, > 0.
            **kwargs: `start`, `threshold`, `growth`, `late_growth` of the
                base schedule (the paper's by default).
        """
        factor = _check_number("factor", factor, 0.0, inclusive=False)
        return cls(**kwargs, time_scale=factor)

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
        epoch = _check_epoch(epoch)
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
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


@keras.saving.register_keras_serializable(package="al2_keras")
class ConstantSchedule:
    """The same AL2 weight at every epoch.

    Args:
        weight: The weight, a finite float >= 0.
    """

    def __init__(self, weight: float):
        self.weight = _check_number("weight", weight, 0.0, inclusive=True)

    def __call__(self, epoch: int) -> float:
        _check_epoch(epoch)
        return self.weight

    def get_config(self) -> dict:
        return {"weight": self.weight}

    @classmethod
    def from_config(cls, config: dict) -> "ConstantSchedule":
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(weight={self.weight!r})"


# Schedules by name: `get("paper", time_scale=0.1)`.
NAMES = {"paper": ProgressiveSchedule, "constant": ConstantSchedule}


def get(identifier, **options) -> Callable[[int], float]:
    """Returns a schedule from a name, a schedule, a callable, a number or a config.

    Args:
        identifier: A name of `NAMES` ("paper": the paper's progressive
            schedule, "constant"), built with `**options`; a schedule object
            or any callable `epoch -> float`; a number (a constant weight);
            or a dict produced by `keras.saving.serialize_keras_object` of a
            schedule.
        **options: The named schedule's arguments (names only).
    """
    if isinstance(identifier, str):
        if identifier not in NAMES:
            raise ValueError(f"Unknown schedule {identifier!r}; choose from {sorted(NAMES)}, or pass a "
                             "schedule, a callable `epoch -> weight` or a number.")
        return NAMES[identifier](**options)
    if options:
        raise ValueError(f"Options {sorted(options)} go with a schedule name, e.g. get('paper', ...).")
    if identifier is None:
        return ProgressiveSchedule()
    if isinstance(identifier, dict):
        if "class_name" not in identifier:
            raise ValueError(
                "A dict is taken as a serialized schedule (`keras.saving.serialize_keras_object`"
                "), with a 'class_name'. For per-epoch weights pass a callable, e.g. "
                f"`lambda epoch: weights[epoch]`. Received: schedule={identifier!r}")
        return keras.saving.deserialize_keras_object(identifier)
    if isinstance(identifier, (int, float)) and not isinstance(identifier, bool):
        return ConstantSchedule(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(
        "An AL2 schedule must be a callable `epoch -> weight`, a number or a "
        f"serialized schedule. Received: schedule={identifier!r}"
    )
