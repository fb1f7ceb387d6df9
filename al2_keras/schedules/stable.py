"""The stable schedule: the paper's progressive start, then a weight that follows the training loss."""

import math

import keras

from al2_keras.schedules.checks import check_epoch, check_number, config_repr
from al2_keras.schedules.constants import (
    PAPER_GROWTH,
    PAPER_LATE_GROWTH,
    PAPER_START,
    PAPER_THRESHOLD,
    PAPER_TIME_SCALE,
)
from al2_keras.schedules.progressive import ProgressiveSchedule


@keras.saving.register_keras_serializable(package="al2_keras")
class StableSchedule:
    """The paper's progressive start, then a weight that follows the training loss.

    Epochs up to the one whose weight first reaches `threshold` get the
    paper's weights (`ProgressiveSchedule` with the same arguments). From then on the weight is set
    from the training cross-entropy L_c of the epoch just finished (the logs
    key `monitor`): with `L*` the L_c of the epoch at which the threshold was
    crossed and `w*` the weight there,
    `w = w* * 2 ** ((L* - L_c) / (L* * doubling_drop))`, i.e. the weight
    doubles for every `doubling_drop` (relative) that L_c falls below `L*` and
    halves for every such rise; each epoch's change is bounded by
    `late_growth**time_scale` either way: the weight moves no faster than the
    paper's own late schedule, which damps the loop (L_c answers a change of
    weight within an epoch).

    Why: with noisy labels, L_c falling is the network fitting the wrong
    labels (memorization), so the weight grows; L_c rising is the penalty
    starving the representation, so the weight shrinks. The paper's
    unbounded growth (x1.01 per epoch) ends in the second; a fixed weight
    ends in the first. Use it with a bounded head (`bound_head`): otherwise
    the network evades any weight by shrinking its features while the head
    grows, and memorizes anyway.

    The schedule learns from training: `AL2Scheduler` calls
    `update(epoch, logs)` after each epoch, and `get_state`/`set_state`
    carry what it learned through a backup (`distribute.BackupAndRestore`).
    `AL2Scheduler` works on its own copy, so one `StableSchedule` can serve
    several trainings.

    Args:
        start: Weight of epoch 0, > 0.
        threshold: Weight at which the progressive start ends, > 0.
        growth: Factor per step of the progressive start, > 1.
        late_growth: Largest change (factor) per step afterwards, > 1.
        time_scale: Steps per epoch, > 0, as in `ProgressiveSchedule` (10:
            one epoch stands for ten of the paper's).
        doubling_drop: Relative fall of L_c below `L*` that doubles the
            weight, > 0.
        monitor: Logs key of the training cross-entropy.

    Examples:

    >>> schedule = StableSchedule(time_scale=10)
    >>> # model.fit(..., callbacks=[AL2Scheduler(schedule)])
    """

    def __init__(
        self,
        start: float = PAPER_START,
        threshold: float = PAPER_THRESHOLD,
        growth: float = PAPER_GROWTH,
        late_growth: float = PAPER_LATE_GROWTH,
        time_scale: float = PAPER_TIME_SCALE,
        doubling_drop: float = 0.01,
        monitor: str = "cross_entropy",
    ):
        # The paper's schedule (it checks the shared arguments): its weights until the crossing, then ours.
        self._start = ProgressiveSchedule(start=start, threshold=threshold, growth=growth,
                                          late_growth=late_growth, time_scale=time_scale)
        for name in ("start", "threshold", "growth", "late_growth", "time_scale"):
            setattr(self, name, getattr(self._start, name))
        for name in ("growth", "late_growth"):  # a factor of 1 would freeze the weight
            check_number(name, getattr(self, name), 1.0, inclusive=False)
        self.doubling_drop = check_number("doubling_drop", doubling_drop, 0.0, inclusive=False)
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"`monitor` must be a logs key. Received: monitor={monitor!r}")
        self.monitor = monitor
        self.set_state({})

    def __call__(self, epoch: int) -> float:
        epoch = check_epoch(epoch)
        if self._reference is None:
            weight = self._start(epoch)
            if weight >= self.threshold:  # only `update` at the crossing could have told what follows
                raise ValueError(
                    f"StableSchedule has learned nothing, yet epoch {epoch + 1} is past its progressive start: "
                    "the weight there follows the training it did not see. A run resumed by "
                    "`keras.callbacks.BackupAndRestore` or `fit(initial_epoch=...)` loses what it learned; "
                    "resume with `al2_keras.experiments.distribute.BackupAndRestore(dir, stateful=[scheduler])`, "
                    "or restore it with `AL2Scheduler.set_state`.")
            return weight
        return self._weight

    def update(self, epoch: int, logs: dict) -> None:
        """Learns from the logs of `epoch`; sets the weight of `epoch + 1`."""
        epoch = check_epoch(epoch)
        value = (logs or {}).get(self.monitor)
        if value is None:
            raise ValueError(
                f"StableSchedule follows the training cross-entropy, logged as {self.monitor!r}, "
                f"which the logs of epoch {epoch + 1} lack (they hold {sorted(logs or {})}). Compile "
                f"with `metrics=[keras.metrics.SparseCategoricalCrossentropy(name={self.monitor!r})]` "
                "or pass `monitor=` the key of your training loss.")
        value = float(value)
        if not math.isfinite(value) or value <= 0.0:
            raise ValueError(f"StableSchedule needs a finite, positive {self.monitor!r}; epoch "
                             f"{epoch + 1} logged {value}.")
        if self._reference is None:
            following = self._start(epoch + 1)
            if following >= self.threshold:
                self._reference, self._crossed = value, following
                self._weight = following
            return
        # In logs: the target may be far beyond a float; the step bounds what is used of it.
        log_target = math.log(self._crossed) + math.log(2.0) * (
            (self._reference - value) / (self._reference * self.doubling_drop))
        log_step = self.time_scale * math.log(self.late_growth)
        log_weight = math.log(self._weight)
        self._weight = math.exp(min(max(log_target, log_weight - log_step), log_weight + log_step))

    def get_state(self) -> dict:
        """What the schedule learned: L* and w* (None before the crossing) and the current weight."""
        return {"reference": self._reference, "crossed": self._crossed, "weight": self._weight}

    def set_state(self, state: dict) -> None:
        """Restores `get_state()`'s dict; `{}` starts afresh."""
        self._reference = state.get("reference")
        self._crossed = state.get("crossed")
        self._weight = state.get("weight")

    def get_config(self) -> dict:
        return {"start": self.start, "threshold": self.threshold, "growth": self.growth,
                "late_growth": self.late_growth, "time_scale": self.time_scale, "doubling_drop": self.doubling_drop,
                "monitor": self.monitor}

    @classmethod
    def from_config(cls, config: dict) -> "StableSchedule":
        return cls(**config)

    def __repr__(self) -> str:
        return config_repr(self)
