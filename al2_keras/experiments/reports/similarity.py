"""Views of similarity across runs: the summary table and the plot against epoch."""

from typing import Dict, Iterable, Sequence

import numpy as np

from al2_keras.experiments.reports.base import markdown_table, pyplot


def similarity_summary_table(summary: Sequence[Dict], measures: Iterable[str]) -> str:
    """Markdown: per variant and epoch, each measure's mean ± std [min, max] over pairs, and the noise control."""
    measures = list(measures)
    rows = []
    for r in summary:
        row = {"variant": r["variant"], "epoch": r["epoch"]}
        for m in measures:
            row[m] = f"{r[m + '_mean']:.3f} ± {r[m + '_std']:.3f} [{r[m + '_min']:.3f}, {r[m + '_max']:.3f}]"
            row[f"{m} noise"] = f"{r[m + '_noise']:.3f}" if m + "_noise" in r else ""
        rows.append(row)
    return markdown_table(rows, ["variant", "epoch", *[c for m in measures for c in (m, f"{m} noise")]])


def plot_similarity(summary: Sequence[Dict], measures: Iterable[str], path: str) -> None:
    """Similarity against epoch, one panel per measure: per variant the mean over pairs
    (min-max band shaded) and, dashed, the noise control."""
    plt = pyplot()
    measures = list(measures)
    figure, axes = plt.subplots(1, len(measures), figsize=(4 * len(measures), 3.4), squeeze=False)
    for axis, measure in zip(axes[0], measures):
        for variant in dict.fromkeys(r["variant"] for r in summary):
            points = sorted((r["epoch"], r[f"{measure}_mean"], r[f"{measure}_min"], r[f"{measure}_max"],
                             r.get(f"{measure}_noise", np.nan)) for r in summary if r["variant"] == variant)
            epochs, means, lows, highs, noise = (np.array(column) for column in zip(*points))
            line, = axis.plot(epochs, means, marker="o", label=variant)
            axis.fill_between(epochs, lows, highs, color=line.get_color(), alpha=0.2)
            axis.plot(epochs, noise, "--", color=line.get_color(), label=f"{variant}: vs noise")
        axis.set_title(measure.upper())
        axis.set_xlabel("epoch")
        axis.set_ylim(0, 1)
        axis.grid(alpha=0.3)
    axes[0][0].set_ylabel("similarity")
    axes[0][-1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))  # beside the curves
    figure.tight_layout()
    figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)


_TABLE_METRICS = (("TA", "val_accuracy", 100.0), ("Lc", "cross_entropy", 1.0), ("Lr", "activation_loss", 100.0))
