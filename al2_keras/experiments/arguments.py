"""Checked argument types and the error exit of the example command lines.

Each type is an `argparse` `type=`: a bad value stops the script before any
work, with argparse's one-line error that names the flag and exit status 2.
"""

import argparse
import math
import os
import sys
from typing import Callable, List, Sequence


def _number(text: str, kind: type, test: Callable, expected: str):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
    if (kind is float and not math.isfinite(value)) or not test(value):
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An integer >= 1 (epochs, batch size, trials, sizes)."""
    return _number(text, int, lambda v: v >= 1, "an integer >= 1")


def non_negative_int(text: str) -> int:
    """An integer >= 0 (seeds)."""
    return _number(text, int, lambda v: v >= 0, "an integer >= 0")


def positive_float(text: str) -> float:
    """A finite number > 0 (learning rate, time compression, mixup alpha)."""
    return _number(text, float, lambda v: v > 0, "a finite number > 0")


def head_max_norm(text: str):
    """`initial` or a finite number > 0 (the head's bound, `bound_head`)."""
    if text == "initial":
        return text
    return _number(text, float, lambda v: v > 0, "'initial' or a finite number > 0")


def flood_level(text: str):
    """A number >= 0, or `noise_floor` (the flood level of the noisy labels' own cross entropy)."""
    if text == "noise_floor":
        return text
    return _number(text, float, lambda v: 0 <= v < math.inf, "a number >= 0 or noise_floor")


def momentum(text: str) -> float:
    """A number in [0, 1) (SGD momentum)."""
    return _number(text, float, lambda v: 0 <= v < 1, "a number in [0, 1)")


def fraction(text: str) -> float:
    """A number in [0, 1] (share of labels corrupted)."""
    return _number(text, float, lambda v: 0 <= v <= 1, "a number in [0, 1]")


def percent(text: str) -> float:
    """A number in (0, 100]."""
    return _number(text, float, lambda v: 0 < v <= 100, "a number in (0, 100]")


def run_name(text: str) -> str:
    """A run's folder name inside `--runs-dir`: not empty, no path separator, not `.` or `..`."""
    separators = [sep for sep in (os.sep, os.altsep, "/") if sep]
    if not text.strip() or text in (".", "..") or any(sep in text for sep in separators):
        raise argparse.ArgumentTypeError(
            f"expected a folder name such as my_run (it goes inside --runs-dir and --models-dir; "
            f"pass another parent folder with --runs-dir), got {text!r}")
    return text


def int_list(text: str) -> List[int]:
    """Comma-separated distinct integers >= 0, e.g. `0,1,2`; at least one."""
    parts = [part.strip() for part in text.split(",")]
    if not text.strip() or not all(part.isdigit() for part in parts):
        raise argparse.ArgumentTypeError(f"expected comma-separated integers >= 0 such as 0,1,2, got {text!r}")
    values = [int(part) for part in parts]
    if len(set(values)) != len(values):
        raise argparse.ArgumentTypeError(f"a value is repeated in {text!r}")
    return values


def name_list(choices: Sequence[str]) -> Callable[[str], List[str]]:
    """A flag type: comma-separated distinct names out of `choices`, e.g. `bn,dropout`."""
    def parse(text: str) -> List[str]:
        names = [part.strip() for part in text.split(",") if part.strip()]
        unknown = sorted(set(names) - set(choices))
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {unknown}; choose comma-separated names out of "
                                             f"{','.join(choices)}")
        if not names:
            raise argparse.ArgumentTypeError(f"expected comma-separated names out of {','.join(choices)}, got {text!r}")
        if len(set(names)) != len(names):
            raise argparse.ArgumentTypeError(f"a name is repeated in {text!r}")
        return names

    return parse


def options(text: str) -> dict:
    """Comma-separated `KEY=VALUE` pairs, e.g. `start=0.1,growth=1.2`; numbers become floats."""
    pairs = [part.strip() for part in text.split(",") if part.strip()]
    if not pairs or not all(pair.count("=") == 1 and pair.split("=")[0].strip() for pair in pairs):
        raise argparse.ArgumentTypeError(f"expected comma-separated KEY=VALUE such as start=0.1, got {text!r}")
    values = {}
    for pair in pairs:
        key, value = (part.strip() for part in pair.split("="))
        if key in values:
            raise argparse.ArgumentTypeError(f"{key!r} is repeated in {text!r}")
        try:
            values[key] = float(value)
        except ValueError:
            values[key] = value
    return values


def epoch_list(text: str) -> List[int]:
    """Comma-separated distinct 1-based epochs, e.g. `10,20,40`."""
    values = int_list(text)
    if 0 in values:
        raise argparse.ArgumentTypeError(f"epochs count from 1, got {text!r}")
    return values


def check_epochs_within(parser: argparse.ArgumentParser, flag: str, epochs: List[int], total: int) -> None:
    """Stops with a parser error if an epoch of `flag` is beyond the run's `total`."""
    beyond = [e for e in epochs if e > total]
    if beyond:
        parser.error(f"argument {flag}: epochs {beyond} are beyond the run's {total} epochs")


def fail(message: str) -> None:
    """Prints `error: message` on one line and exits with status 2, as argparse does."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)
