"""Views that compare methods: schedules over long training, losses with and without AL2."""

import os
from typing import Dict, Optional, Sequence

import numpy as np

from al2_keras.experiments import atomic, results
from al2_keras.experiments.datasets.prepared import TEST_SET
from al2_keras.experiments.reports.base import csv_text, finish_figure, markdown_table, mean_std, pyplot
from al2_keras.experiments.reports.label_noise import write_seed_report
from al2_keras.experiments.results import CROSS_ENTROPY_NAME, variant_name


def holding_table(rows: Sequence[Dict], reference: Optional[str], tolerance: float = 0.03,
                  scored_on: str = TEST_SET) -> str:
    """Markdown of `results.holding`: per seed and variant, peak, final, last-5 and whether it holds.

    Args:
        rows: `results.holding`'s rows.
        reference: The variant whose last-5 mean each run is compared with (None: none).
        tolerance: How far below its own peak a run may end and still hold.
        scored_on: What the accuracies were measured on, for the caption.
    """
    picked = "test-set epoch picking" if scored_on == TEST_SET else "epoch picked on it"
    table = [{
        "seed": r["seed"], "variant": r["variant"],
        f"peak % (epoch; {picked})": f"{100 * r['peak']:.2f} ({r['peak_epoch']})",
        "final %": f"{100 * r['final']:.2f}", "final - peak": f"{100 * r['final_minus_peak']:+.2f}",
        "last-5 mean %": f"{100 * r['last_epochs']:.2f}",
        "holds": "yes" if r["holds"] else "no",
        **({f"{reference} last-5 %": f"{100 * r['reference_last_epochs']:.2f}",
            f"last-5 at or above {reference}'s": "yes" if r["at_or_above_reference"] else "no"} if reference else {}),
    } for r in rows]
    return (f"Accuracy on {scored_on}. Holds: final within {100 * tolerance:g} points of the run's own peak.\n\n"
            + markdown_table(table, list(table[0])))


def write_comparison_report(directory: str, results_by_seed: Dict, reference: Optional[str]) -> str:
    """Writes a comparison's views over seeds; returns its tables.

    `holding.md`/`.csv` (`results.holding` against `reference`),
    `seeds.json`/`.csv` (`results.seed_statistics`), `seeds.md`, `seeds.png`
    and `weights.png` (the AL2 weight and L_c per seed). `holding.md`'s
    caption says what the accuracies were measured on (`results.scored_on`).
    """
    rows = results.holding(results_by_seed, reference)
    table = holding_table(rows, reference, scored_on=results.scored_on(results_by_seed))
    atomic.write_text(os.path.join(directory, "holding.md"), table + "\n")
    atomic.write_text(os.path.join(directory, "holding.csv"), csv_text(rows))
    statistics = results.seed_statistics(results_by_seed)
    results.write_seed_statistics(directory, statistics)
    tables = write_seed_report(directory, statistics, results_by_seed)
    plot_weights(results_by_seed, os.path.join(directory, "weights.png"))
    return (f"{table}\n\n{tables}\n\nWrote holding.md/.csv, seeds.md/.json/.csv, seeds.png, weights.png "
            f"to {directory}")


def plot_weights(results_by_seed: Dict, path: str) -> None:
    """The AL2 weight (log scale) and the training cross-entropy L_c against epoch, per variant and seed."""
    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    first = results_by_seed[min(results_by_seed)]
    for index, name in enumerate(first):
        for number, runs in enumerate(results_by_seed.values()):
            history = runs[name]["history"]
            epochs = np.arange(1, len(history["val_accuracy"]) + 1)
            label = name if number == 0 else None
            if any(history["al2_weight"]):
                left.plot(epochs, history["al2_weight"], color=f"C{index}", alpha=0.8, label=label)
            right.plot(epochs, history[CROSS_ENTROPY_NAME], color=f"C{index}", alpha=0.8, label=label)
    left.set_yscale("log")
    left.set(xlabel="epoch", ylabel="AL2 weight", title="AL2 weight (one line per seed)")
    right.set(xlabel="epoch", ylabel="L_c", title="Training cross-entropy L_c (noisy labels)")
    finish_figure(figure, (left, right), path)


def _signed(spread: Dict) -> str:
    return f"{100 * spread['mean']:+.1f} ± {100 * spread['std']:.1f}"


def method_table(statistics_by_method: Dict, baseline: str = "bare") -> str:
    """Markdown: per method (e.g. a loss), `baseline` without and with AL2 over seeds, and AL2's effect.

    `statistics_by_method` maps a method's name to its `results.seed_statistics`.
    """
    rows = []
    for method, statistics in statistics_by_method.items():
        without = statistics["variants"][variant_name(baseline, False)]
        with_al2 = statistics["variants"][variant_name(baseline, True)]
        effect = statistics["effects"][baseline]["final_difference"]
        rows.append({
            "method": method,
            "final % without AL2": mean_std(without["final_test_accuracy"], 100),
            "last-5 % without": mean_std(without["last_epochs_test_accuracy"], 100),
            "final % with AL2": mean_std(with_al2["final_test_accuracy"], 100),
            "last-5 % with": mean_std(with_al2["last_epochs_test_accuracy"], 100),
            "AL2's effect on final (points), per seed": " / ".join(f"{100 * v:+.1f}" for v in effect["values"]),
            "AL2's effect on last-5 (points)": _signed(statistics["effects"][baseline]["last_epochs_difference"]),
        })
    seeds = sorted({seed for statistics in statistics_by_method.values() for seed in statistics["seeds"]})
    return (f"`{baseline}` without / with AL2, mean ± standard deviation over seeds {', '.join(map(str, seeds))}.\n\n"
            + markdown_table(rows, list(rows[0])))


def plot_methods(results_by_method: Dict, baseline: str, path: str) -> None:
    """Mean test accuracy over seeds against epoch per method: dashed without AL2, solid with.

    `results_by_method` maps a method's name to its results by seed.
    """
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(7, 4.5))
    for index, (method, by_seed) in enumerate(results_by_method.items()):
        for al2, style in ((False, "--"), (True, "-")):
            name = variant_name(baseline, al2)
            curves = 100.0 * np.array([runs[name]["history"]["val_accuracy"] for runs in by_seed.values()])
            epochs = np.arange(1, curves.shape[1] + 1)
            axis.plot(epochs, curves.mean(axis=0), style, color=f"C{index}",
                      label=f"{method}, {'with' if al2 else 'without'} AL2")
    axis.set(xlabel="epoch", ylabel="test accuracy (%)",
             title=f"{baseline}: mean of {len(next(iter(results_by_method.values())))} seeds")
    finish_figure(figure, (axis,), path)
