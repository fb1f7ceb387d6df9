"""Schedules of the AL2 penalty weight: epoch index -> weight.

`ProgressiveSchedule` (the paper's) and `ConstantSchedule` depend on the epoch
alone; `StableSchedule` also learns from each epoch's logs. `get` returns one
by name.
"""

import inspect
from typing import Any, Callable, List, Tuple

import keras

from al2_keras.schedules.constant import ConstantSchedule
from al2_keras.schedules.constants import PAPER_START, PAPER_TIME_SCALE
from al2_keras.schedules.progressive import ProgressiveSchedule
from al2_keras.schedules.stable import StableSchedule

# Schedules by name: `get("paper", time_scale=0.1)`, `get("stable", time_scale=10)`.
NAMES = {"paper": ProgressiveSchedule, "stable": StableSchedule, "constant": ConstantSchedule}


def names() -> List[str]:
    """The schedule names `get` takes: "constant", "paper", "stable"."""
    return sorted(NAMES)


def options_of(name: str) -> List[str]:
    """The options (constructor arguments) of the schedule named `name`."""
    return list(_parameters(name))


def _parameters(name: str):
    """The constructor parameters of the schedule named `name` (checked)."""
    return inspect.signature(NAMES[check_name(name)]).parameters


def check_name(name: Any) -> str:
    """Returns `name` if it names a schedule, else raises a ValueError listing the names."""
    if not isinstance(name, str) or name not in NAMES:
        raise ValueError(f"Unknown schedule {name!r}; choose from {names()}, or pass a "
                         "schedule, a callable `epoch -> weight` or a number.")
    return name


def name_and_options(schedule: Any) -> Tuple[str, dict]:
    """`(name, options)` such that `get(name, **options)` equals `schedule`.

    The options are the schedule's config less the arguments left at their
    defaults. Only the named schedules (`NAMES`) have a name: any other
    callable raises a ValueError.
    """
    for name, cls in NAMES.items():
        if type(schedule) is cls:
            defaults = {key: parameter.default for key, parameter in _parameters(name).items()}
            return name, {key: value for key, value in schedule.get_config().items() if defaults.get(key) != value}
    raise ValueError(f"{schedule!r} is not one of the named schedules {names()} "
                     f"({', '.join(cls.__name__ for cls in NAMES.values())}).")


def get(identifier: Any, **options: Any) -> Callable[[int], float]:
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
        parameters = _parameters(identifier)
        unknown = sorted(set(options) - set(parameters))
        if unknown:
            raise ValueError(f"The {identifier!r} schedule has no option {unknown}; its options are "
                             f"{list(parameters)}. Received: {options}")
        missing = [key for key, parameter in parameters.items()
                   if parameter.default is inspect.Parameter.empty and key not in options]
        if missing:
            raise ValueError(f"The {identifier!r} schedule needs the option(s) {missing}, e.g. "
                             f"get({identifier!r}, {missing[0]}=...). Received: {options}")
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


__all__ = ["NAMES", "PAPER_START", "PAPER_TIME_SCALE", "ConstantSchedule", "ProgressiveSchedule", "StableSchedule",
           "check_name",
           "get", "name_and_options", "names", "options_of"]
