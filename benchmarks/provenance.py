"""Where a parity result came from: the command, the commit it started on, the machine, the date."""

import datetime
import platform
import subprocess
import sys
from typing import Optional, Sequence

import keras
import torch


def provenance(script: str, argv: Optional[Sequence[str]] = None, **extra) -> dict:
    """Call at start-up: the commit is the one the run started on, not the one it ended on."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                           text=True).stdout.strip()
    return {"command": f"python benchmarks/{script} " + " ".join(sys.argv[1:] if argv is None else argv),
            "commit": commit + (" (with uncommitted changes)" if dirty else ""),
            "date": datetime.date.today().isoformat(),
            "machine": f"{platform.machine()} CPU, Keras {keras.__version__} ({keras.backend.backend()}), "
                       f"PyTorch {torch.__version__}", **extra}
