"""The paper's own numbers (Table 1), shipped with the package."""

import csv
import os
from typing import Optional

TABLE1_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resources", "paper_table1.csv")


def table1() -> dict:
    """Table 1 of the paper (MNIST, 75% corrupted labels, small CNN).

    Returns:
        Dict (baseline, metric, epoch) -> (without_al2, with_al2); baselines
        "bare", "bn", "dropout", "weight_decay"; metrics "TA" (test accuracy,
        %), "Lc" (training cross-entropy), "Lr" (activation loss x 100).
    """
    with open(TABLE1_PATH, newline="") as f:
        lines = [line for line in f if not line.startswith("#")]
    return {
        (row["baseline"], row["metric"], int(row["epoch"])): (float(row["without_al2"]), float(row["with_al2"]))
        for row in csv.DictReader(lines)
    }


def table1_for(dataset: str) -> Optional[dict]:
    """`table1()` for a run on MNIST, the paper's dataset; None for any other (no paper numbers to show)."""
    return table1() if dataset == "mnist" else None
