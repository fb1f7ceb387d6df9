"""What the schedules share: checks of their arguments and epochs, their repr."""

import math
from typing import Any


def check_number(name: str, value: Any, minimum: float, inclusive: bool) -> float:
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


def check_epoch(epoch: Any) -> int:
    if int(epoch) != epoch or epoch < 0:
        raise ValueError(
            f"`epoch` must be an integer >= 0. Received: epoch={epoch!r}"
        )
    return int(epoch)


def config_repr(schedule: Any) -> str:
    """`Name(arg=value, ...)` from the schedule's `get_config()`."""
    args = ", ".join(f"{k}={v!r}" for k, v in schedule.get_config().items())
    return f"{type(schedule).__name__}({args})"
