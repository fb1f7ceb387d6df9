"""The Keras callback that moves the AL2 weight along a schedule."""

import copy
from typing import Any

import keras

from al2_keras import schedules
from al2_keras.layers import check_metric_names, check_penalty_weight

WEIGHT_LOG_NAME = "al2_weight"


class AL2Scheduler(keras.callbacks.Callback):
    """Sets the weight of every `AL2` layer at the start of each epoch.

    The weight of epoch `k` is `schedule(k)`, with `k` the epoch index that
    `fit` reports, so `fit(initial_epoch=k)` and a run resumed by
    `keras.callbacks.BackupAndRestore` continue the schedule where it stopped.
    Every `AL2` layer of the model is found at the start of training, those
    of nested models and of custom layers included; two that would log their
    L_r under one name are refused there (`check_metric_names`). The weight
    used in each epoch is written to the epoch's logs as `al2_weight`
    (History, CSVLogger and TensorBoard show it).

    A schedule that learns from training (one with `update(epoch, logs)`,
    such as `StableSchedule`) is copied, with what it has learned so far, so
    that the object passed in stays a template; the copy gets each epoch's
    logs at the epoch's end. What it learned travels with
    `get_state`/`set_state`: `al2_keras.experiments.distribute.
    BackupAndRestore(dir, stateful=[scheduler])` saves it with each backup,
    so a resumed run continues exactly; Keras's own `BackupAndRestore` does
    not, and a `StableSchedule` that lost its state is refused.

    Args:
        schedule: A schedule, any callable `epoch -> weight`, or a number for
            a constant weight. Defaults to the paper's `ProgressiveSchedule()`.
        verbose: If 1, prints the weight at the start of each epoch.

    Examples:

    >>> scheduler = AL2Scheduler(ProgressiveSchedule.time_compressed(10))
    >>> # model.fit(x, y, epochs=40, callbacks=[scheduler])
    """

    def __init__(self, schedule: Any = None, verbose: int = 0):
        super().__init__()
        schedule = schedules.get(schedule)
        if _learns(schedule):
            schedule = copy.deepcopy(schedule)
        self.schedule = schedule
        self.verbose = verbose
        self._weight = None

    def on_train_begin(self, logs=None):
        layers = check_metric_names(self.model)
        if not layers:
            raise ValueError(
                "AL2Scheduler found no AL2 layer in the model "
                f"'{self.model.name}'. Add `al2_keras.AL2()` on the features "
                "to regularize, or remove the callback."
            )
        self._layers = layers
        monitor = getattr(self.schedule, "monitor", None)
        logged = _compiled_metric_names(self.model)
        if _learns(self.schedule) and monitor is not None and logged is not None and monitor not in logged:
            raise ValueError(
                f"{type(self.schedule).__name__} follows {monitor!r} in the training logs, but the model "
                f"'{self.model.name}' is compiled to log {sorted(logged)}. Compile with `metrics=[keras.metrics."
                f"SparseCategoricalCrossentropy(name={monitor!r})]` or pass `monitor=` the key of your training loss.")

    def on_epoch_begin(self, epoch, logs=None):
        raw = self.schedule(epoch)
        try:
            weight = check_penalty_weight(raw)
        except ValueError as error:
            raise ValueError(
                f"The AL2 schedule {self.schedule!r} gave an invalid weight "
                f"for epoch {epoch}: {error}"
            ) from None
        for layer in self._layers:
            layer.set_weight(weight)
        self._weight = weight
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: AL2Scheduler setting weight to {weight:.6g}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and self._weight is not None:
            logs[WEIGHT_LOG_NAME] = self._weight
        if _learns(self.schedule):
            self.schedule.update(epoch, logs or {})

    def get_state(self) -> dict:
        """What the schedule has learned (`{}` for a fixed schedule)."""
        return self.schedule.get_state() if _learns(self.schedule) else {}

    def set_state(self, state: dict) -> None:
        """Restores `get_state()`'s dict into the schedule."""
        if _learns(self.schedule):
            self.schedule.set_state(state)


def _compiled_metric_names(model: keras.Model):
    """The names `fit` logs for a compiled model ("loss" and its metrics'), or None if it is not compiled.

    Read from `get_compile_config()` (public): a metric given as a string is
    logged under it, a metric object under its config's name.
    """
    config = model.get_compile_config() or {}
    if "loss" not in config and "metrics" not in config:
        return None
    names, pending = {"loss"}, [config.get("metrics")]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            names.add(item)
        elif isinstance(item, dict) and "class_name" in item:
            names.add(item.get("config", {}).get("name", item["class_name"]))
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
    return names


def _learns(schedule) -> bool:
    """Whether a schedule learns from the epochs' logs (`StableSchedule`)."""
    return callable(getattr(schedule, "update", None))
