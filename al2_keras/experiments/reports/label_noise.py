"""Views of label-noise runs: Table 1's layout, summaries, seed tables, curves, ablation."""

import os
from typing import Dict, Optional, Sequence

import numpy as np

from al2_keras.experiments import atomic
from al2_keras.experiments.reports.base import finish_figure, markdown_table, mean_std, pyplot

_TABLE_METRICS = (("TA", "val_accuracy", 100.0), ("Lc", "cross_entropy", 1.0), ("Lr", "activation_loss", 100.0))


def label_randomization_table(results: Dict, epochs: Sequence[int], paper: Optional[Dict] = None) -> str:
    """The paper's Table 1 layout: TA / L_c / L_r x100 per baseline, without / with AL2.

    Args:
        results: Output of `training.run_label_randomization`.
        epochs: 1-based epochs to show (those past the run are skipped).
            An arm the run did not train (a run of one variant) shows `-`.
        paper: `al2_keras.experiments.paper.table1()` to show the paper's numbers beside
            ours (MNIST), or None.
    """
    baselines = list(dict.fromkeys(r["baseline"] for r in results.values()))
    length = min(len(r["history"]["loss"]) for r in results.values())
    epochs = [e for e in epochs if 1 <= e <= length]
    header = ["baseline", "metric"] + [f"epoch {e}: without / with" for e in epochs]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for baseline in baselines:
        runs = {r["al2"]: r["history"] for r in results.values() if r["baseline"] == baseline}
        for metric, key, scale in _TABLE_METRICS:
            cells = []
            for epoch in epochs:
                cell = " / ".join(f"{scale * runs[al2][key][epoch - 1]:.2f}" if al2 in runs else "-"
                                  for al2 in (False, True))
                if paper and (baseline, metric, epoch) in paper:
                    theirs = paper[(baseline, metric, epoch)]
                    cell += f" (paper {theirs[0]:.2f} / {theirs[1]:.2f})"
                cells.append(cell)
            lines.append(f"| {baseline} | {metric} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary_table(results: Dict) -> str:
    """Final, last-5-epochs mean and peak test accuracy, final L_r and memorization per variant."""
    rows = []
    for name, run in results.items():
        h = run["history"]
        accuracy = h["val_accuracy"]
        peak = max(range(len(accuracy)), key=accuracy.__getitem__)
        rows.append({
            "variant": name,
            "final test acc %": 100 * accuracy[-1],
            "last-5 mean %": 100 * sum(accuracy[-5:]) / len(accuracy[-5:]),
            "peak test acc % (epoch; test-set epoch picking)": f"{100 * accuracy[peak]:.2f} ({peak + 1})",
            "final L_r": f"{h['activation_loss'][-1]:.3e}",
            "memorized %": 100 * h["memorized"][-1] if "memorized" in h else float("nan"),
        })
    return markdown_table(rows, list(rows[0]))


def seed_tables(statistics: Dict) -> str:
    """Markdown tables of `results.seed_statistics`: mean ± std over seeds.

    The first table has one row per variant; the second, one row per
    baseline, gives AL2's effect (test accuracy with AL2 minus without, in
    points, and final L_r without over with), with the per-seed values.
    """
    seeds = statistics["seeds"]
    variant_rows = []
    for name, spreads in statistics["variants"].items():
        memorized = spreads.get("final_memorized")
        variant_rows.append({
            "variant": name,
            "final test acc %": mean_std(spreads["final_test_accuracy"], 100),
            "last-5 mean %": mean_std(spreads["last_epochs_test_accuracy"], 100),
            "peak test acc % (test-set epoch picking)": mean_std(spreads["peak_test_accuracy"], 100),
            "final L_r": mean_std(spreads["final_activation_loss"], spec=".2e"),
            "memorized %": mean_std(memorized, 100, ".1f") if memorized else "",
        })
    effect_rows = []
    for baseline, effects in statistics["effects"].items():
        final, ratio = effects["final_difference"], effects["activation_loss_ratio"]
        effect_rows.append({
            "baseline": baseline,
            "final: with - without (points)": mean_std(final, 100, ".1f"),
            "final, per seed": " / ".join(f"{100 * v:+.1f}" for v in final["values"]),
            "last-5: with - without (points)": mean_std(effects["last_epochs_difference"], 100, ".1f"),
            "L_r without / with": mean_std(ratio, spec=".0f"),
            "L_r ratio, per seed": " / ".join(f"{v:.0f}" for v in ratio["values"]),
        })
    return "\n\n".join([
        f"Mean ± standard deviation (ddof 1) over {len(seeds)} seeds ({', '.join(map(str, seeds))}).",
        markdown_table(variant_rows, list(variant_rows[0])),
        "AL2's effect per baseline (per seed: in seed order).",
        markdown_table(effect_rows, list(effect_rows[0])) if effect_rows else "(no baseline run both ways)",
    ])


def _plot_curves(results_by_seed: Dict, path: str, accuracy_title: str, activation_title: str) -> None:
    """Test accuracy and L_r against epoch per variant: the mean over seeds,
    dashed without AL2, solid with, and the min-max band when there are
    several seeds."""
    plt = pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    first = results_by_seed[min(results_by_seed)]
    colors = {}
    for name, run in first.items():
        color = colors.setdefault(run["baseline"], f"C{len(colors)}")
        style = "-" if run["al2"] else "--"
        for axis, key, scale in ((left, "val_accuracy", 100.0), (right, "activation_loss", 1.0)):
            curves = scale * np.array([results[name]["history"][key] for results in results_by_seed.values()])
            epochs = np.arange(1, curves.shape[1] + 1)
            axis.plot(epochs, curves.mean(axis=0), style, color=color, label=name)
            if len(curves) > 1:
                axis.fill_between(epochs, curves.min(axis=0), curves.max(axis=0), color=color, alpha=0.15)
    right.set_yscale("log")
    left.set(xlabel="epoch", ylabel="test accuracy (%)", title=accuracy_title)
    right.set(xlabel="epoch", ylabel="L_r", title=activation_title)
    for axis in (left, right):
        axis.grid(alpha=0.3)
    left.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_seed_curves(results_by_seed: Dict, path: str) -> None:
    """Mean test accuracy and L_r over seeds against epoch, min-max band shaded."""
    count = len(results_by_seed)
    _plot_curves(results_by_seed, path, f"Test accuracy, mean of {count} seeds",
                 f"Activation loss L_r, mean of {count} seeds")


def plot_label_randomization(results: Dict, path: str) -> None:
    """Test accuracy and L_r against epoch; dashed without AL2, solid with."""
    _plot_curves({0: results}, path, "Test accuracy (clean labels)", "Activation loss L_r")


def plot_ablation(curves: Dict, path: str) -> None:
    """Accuracy against ablated share; `curves` maps a label to an AblationResult."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(5.5, 4))
    for label, result in curves.items():
        axis.errorbar(100 * result.fractions, 100 * result.mean, yerr=100 * result.std,
                      marker="o", capsize=3, label=label)
    axis.set(xlabel="representation ablated (%)", ylabel="test accuracy (%)", title="Cumulative ablation")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_against_paper(results: Dict, paper: Dict, path: str) -> None:
    """Table 1's metrics per epoch (TA, L_c, L_r x100), the paper's cells as points on the port's curves.

    A row of three panels per baseline; solid lines and filled points with
    AL2, dashed lines and open points without.

    Args:
        results: Variant name -> {"baseline", "al2", "history"} (the runner's).
        paper: `al2_keras.experiments.paper.table1()`.
        path: The PNG to write.
    """
    plt = pyplot()
    baselines = list(dict.fromkeys(run["baseline"] for run in results.values()))
    figure, axes = plt.subplots(len(baselines), 3, figsize=(15, 3.6 * len(baselines)), squeeze=False)
    for name, run in results.items():
        row = axes[baselines.index(run["baseline"])]
        color = "C0" if run["al2"] else "C3"
        epochs = np.arange(1, len(run["history"]["val_accuracy"]) + 1)
        for axis, (metric, key, scale) in zip(row, _TABLE_METRICS):
            axis.plot(epochs, scale * np.asarray(run["history"][key], dtype=float), color=color, linewidth=0.8,
                      linestyle="-" if run["al2"] else "--", label=f"{name} (port)")
            cells = sorted((epoch, values[int(run["al2"])]) for (baseline, table_metric, epoch), values in
                           paper.items() if baseline == run["baseline"] and table_metric == metric)
            if cells:
                axis.plot(*zip(*cells), linestyle="none", marker="o", markersize=6, color=color,
                          markerfacecolor=color if run["al2"] else "white", label=f"{name} (paper)")
    for baseline, row in zip(baselines, axes):
        row[0].set(xlabel="epoch", ylabel="%", title=f"{baseline}: TA, test accuracy (clean labels)")
        row[1].set(xlabel="epoch", ylabel="L_c", title=f"{baseline}: L_c, training cross-entropy (noisy labels)")
        row[2].set(xlabel="epoch", ylabel="L_r x 100 (log)", title=f"{baseline}: L_r, activation loss x 100",
                   yscale="log")
    finish_figure(figure, axes.ravel(), path)


def write_run_report(directory: str, results: Dict, table_epochs: Sequence[int], paper: Optional[Dict] = None) -> str:
    """`table.md` (Table 1's layout), `summary.md` and `curves.png` of one run; returns the tables' text.

    With `paper`, the tables show its numbers beside the port's and
    `paper.png` draws them on the port's curves (`plot_against_paper`).
    """
    table = label_randomization_table(results, table_epochs, paper)
    summary = summary_table(results)
    atomic.write_text(os.path.join(directory, "table.md"), run_table_text(table))
    atomic.write_text(os.path.join(directory, "summary.md"), summary + "\n")
    plot_label_randomization(results, os.path.join(directory, "curves.png"))
    if paper:
        plot_against_paper(results, paper, os.path.join(directory, "paper.png"))
    return table + "\n\n" + summary


def run_table_text(table: str) -> str:
    """A run's `table.md`: `label_randomization_table`'s table under its legend."""
    return f"TA: test accuracy (%), L_c: training cross-entropy, L_r: activation loss x 100.\n\n{table}\n"


def write_seed_report(directory: str, statistics: Dict, results_by_seed: Dict) -> str:
    """`seeds.md` (mean and spread over seeds, AL2's effect) and `seeds.png`; returns the tables' text."""
    tables = seed_tables(statistics)
    atomic.write_text(os.path.join(directory, "seeds.md"), tables + "\n")
    plot_seed_curves(results_by_seed, os.path.join(directory, "seeds.png"))
    return tables
