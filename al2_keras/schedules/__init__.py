"""Schedules of the AL2 penalty weight: epoch index -> weight.

`ProgressiveSchedule` (the paper's) and `ConstantSchedule` depend on the epoch
alone; `StableSchedule` also learns from each epoch's logs. `get` returns one
by name.
"""

from typing import Callable

import keras

from al2_keras.schedules.constant import ConstantSchedule
from al2_keras.schedules.progressive import ProgressiveSchedule
from al2_keras.schedules.stable import StableSchedule

# Schedules by name: `get("paper", time_scale=0.1)`, `get("stable", time_scale=10)`.
NAMES = {"paper": ProgressiveSchedule, "stable": StableSchedule, "constant": ConstantSchedule}


def get(identifier, **options) -> Callable[[int], float]:
    """Returns a schedule from a name, a schedule, a callable, a number or a config.

    Args:
        identifier: A name of `NAMES` ("paper": the paper's progressive
            schedule, "stable": `StableSchedule`, "constant"), built with
            `**options`; a schedule object or any callable `epoch -> float`;
            a number (a constant weight); or a dict produced by
            `keras.saving.serialize_keras_object` of a schedule.
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
