"""State files that a kill cannot leave half-written."""

import json
import os
import tempfile
from typing import Any


def write_text(path: str, text: str) -> None:
    """Writes `text` to `path` through a temporary file and a rename.

    The rename is atomic: `path` holds either its old content or all of
    `text`, never a cut version, whenever the process is killed. Missing
    parent directories are created.
    """
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


def write_json(path: str, value: Any, indent: Any = None) -> None:
    """`json.dump` of `value` to `path`, atomically (`write_text`)."""
    write_text(path, json.dumps(value, indent=indent))


def read_json(path: str, what: str = "state file"):
    """`json.load` of `path`, with an error that names a damaged file and the fix."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"The {what} {path} is damaged ({error}). Delete it to recompute what it held "
            "(a finished part of a run is then trained again)."
        ) from None


def append_line(path: str, line: str) -> None:
    """Appends one line to `path` and syncs it to disk.

    If a kill cut the file's previous line, a newline is written first, so
    the new line stays whole and readable on its own.
    """
    with open(path, "a+b") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() > 0:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                f.write(b"\n")
        f.write(line.rstrip("\n").encode("utf-8") + b"\n")
        f.flush()
        os.fsync(f.fileno())
