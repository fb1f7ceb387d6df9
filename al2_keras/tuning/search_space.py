"""What a search varies: the AL2 schedule's parameters and its alternatives.

"No AL2" is a weight of 0 without a scheduler, as everywhere in the project:
its trials keep the `AL2` layer (at weight 0), so L_r is still measured.
"""

import dataclasses
import math
from typing import Callable, Optional, Union

from al2_keras.optional import require
from al2_keras.schedules import PAPER_TIME_SCALE, ConstantSchedule, ProgressiveSchedule

keras_tuner = require("keras_tuner", "al2_keras.tuning")

NO_AL2 = "none"
PROGRESSIVE = "progressive"
CONSTANT = "constant"


@dataclasses.dataclass(frozen=True)
class Range:
    """A searched interval of a float hyperparameter.

    Args:
        min_value: Lower bound.
        max_value: Upper bound, >= `min_value`.
        log: Sample on a log scale (bounds must be > 0).
    """

    min_value: float
    max_value: float
    log: bool = False

    def __post_init__(self):
        for bound in (self.min_value, self.max_value):
            if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not math.isfinite(bound):
                raise ValueError(f"Range bounds must be finite numbers. Received: {self}")
        if self.min_value > self.max_value:
            raise ValueError(
                f"Range has min_value > max_value ({self.min_value} > "
                f"{self.max_value}); swap them."
            )
        if self.log and self.min_value <= 0:
            raise ValueError(
                f"A log-scale Range needs min_value > 0. Received: {self}"
            )


Value = Union[float, Range]


def _check_bound(name: str, value: Value, minimum: float, inclusive: bool) -> None:
    if not isinstance(value, Range):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"`{name}` must be a finite number or a Range. Received: {name}={value!r}")
    low = value.min_value if isinstance(value, Range) else value
    if low < minimum or (not inclusive and low == minimum):
        bound = ">=" if inclusive else ">"
        raise ValueError(f"`{name}` must be {bound} {minimum}. Received: {name}={value}")


@dataclasses.dataclass(frozen=True)
class ScheduleSearchSpace:
    """What to search: the progressive schedule's parameters and alternatives.

    Each parameter is a fixed float or a `Range`. The defaults search the
    start (log scale) and the growth factors around the paper's schedule.
    Growths are in the paper's units, per epoch of the base schedule, and the
    candidate schedules run at the protocol's `time_scale` (10 for the quick
    preset: one epoch stands for ten of the paper's), so a searched schedule
    reads in the same units as the paper's `1.1` and `1.01` whatever the
    protocol's length.

    Args:
        start: Weight of epoch 0.
        threshold: Weight from which `late_growth` applies.
        growth: Factor per paper epoch below the threshold (>= 1).
        late_growth: Factor per paper epoch at or above it (>= 1).
        constant: If set (a float or Range), a constant weight is also a
            candidate.
        include_no_al2: Whether "no AL2" (weight 0) is a candidate, so the
            search can tell whether AL2 helps at all.
        time_scale: Paper epochs per epoch of the search's protocol, > 0
            (`Protocol.time_scale`); the candidates' `ProgressiveSchedule`
            gets it.
    """

    start: Value = Range(1e-3, 1e-1, log=True)
    threshold: Value = 5.0
    growth: Value = Range(1.0, 1.2)
    late_growth: Value = Range(1.0, 1.05)
    constant: Optional[Value] = None
    include_no_al2: bool = True
    time_scale: float = PAPER_TIME_SCALE

    def __post_init__(self):
        if isinstance(self.time_scale, bool) or not isinstance(self.time_scale, (int, float)) or not (
                0 < self.time_scale < math.inf):
            raise ValueError(f"`time_scale` must be a finite number > 0. Received: time_scale={self.time_scale!r}")
        _check_bound("start", self.start, 0.0, inclusive=False)
        _check_bound("threshold", self.threshold, 0.0, inclusive=False)
        _check_bound("growth", self.growth, 1.0, inclusive=True)
        _check_bound("late_growth", self.late_growth, 1.0, inclusive=True)
        if self.constant is not None:
            _check_bound("constant", self.constant, 0.0, inclusive=True)
        if len(self.modes) == 1 and not any(
            isinstance(v, Range) and v.min_value < v.max_value
            for v in (self.start, self.threshold, self.growth, self.late_growth)
        ):
            raise ValueError(
                "The search space is empty: every schedule parameter is fixed "
                "and there is no alternative (constant weight or no AL2). Give "
                "at least one parameter a Range."
            )

    @property
    def modes(self) -> list:
        modes = [PROGRESSIVE]
        if self.constant is not None:
            modes.append(CONSTANT)
        if self.include_no_al2:
            modes.append(NO_AL2)
        return modes

    def declare(self, hp: keras_tuner.HyperParameters) -> None:
        """Declares every hyperparameter of the space on `hp`."""
        hp.Choice("al2_mode", self.modes, default=PROGRESSIVE)
        for name in ("start", "threshold", "growth", "late_growth", "constant"):
            value = getattr(self, name)
            if value is None:
                continue
            key = f"al2_{name}"
            if isinstance(value, Range) and value.min_value < value.max_value:
                hp.Float(key, value.min_value, value.max_value,
                         sampling="log" if value.log else "linear")
            else:
                hp.Fixed(key, float(value.min_value if isinstance(value, Range) else value))

    def schedule(self, hp: keras_tuner.HyperParameters) -> Optional[Callable[[int], float]]:
        """The schedule that `hp`'s values describe; None for no AL2."""
        mode = hp.get("al2_mode")
        if mode == NO_AL2:
            return None
        if mode == CONSTANT:
            return ConstantSchedule(hp.get("al2_constant"))
        return ProgressiveSchedule(
            start=hp.get("al2_start"),
            threshold=hp.get("al2_threshold"),
            growth=hp.get("al2_growth"),
            late_growth=hp.get("al2_late_growth"),
            time_scale=self.time_scale,
        )
