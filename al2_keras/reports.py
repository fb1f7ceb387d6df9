"""Views of results: Markdown tables and PNG plots (data stays in JSON/CSV)."""

import csv
import io
import os
from typing import Dict, Iterable, Optional, Sequence

import numpy as np

from al2_keras import atomic
from al2_keras.training.protocol import CROSS_ENTROPY_NAME


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def markdown_table(rows: Sequence[Dict], columns: Sequence[str]) -> str:
    """A Markdown table of `rows` (dicts) with the given column order."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(_format(row.get(c, "")) for c in columns) + " |")
    return "\n".join(lines)


def csv_text(rows: Sequence[Dict], columns: Optional[Sequence[str]] = None) -> str:
    """CSV of `rows` (dicts), columns in the given order (default: the first row's keys)."""
    columns = list(columns or rows[0])
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "Plots need matplotlib: pip install 'al2_keras[plots]'."
        ) from None
    return plt


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
    plt = _pyplot()
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
    axes[0][-1].legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


_TABLE_METRICS = (("TA", "val_accuracy", 100.0), ("Lc", "cross_entropy", 1.0), ("Lr", "activation_loss", 100.0))


def label_randomization_table(results: Dict, epochs: Sequence[int], paper: Optional[Dict] = None) -> str:
    """The paper's Table 1 layout: TA / L_c / L_r x100 per baseline, without / with AL2.

    Args:
        results: Output of `experiments.run_label_randomization`.
        epochs: 1-based epochs to show (those past the run are skipped).
        paper: `al2_keras.paper.table1()` to show the paper's numbers beside
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
                ours = [scale * runs[al2][key][epoch - 1] if al2 in runs else float("nan") for al2 in (False, True)]
                cell = f"{ours[0]:.2f} / {ours[1]:.2f}"
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


def _mean_std(spread: Dict, scale: float = 1.0, spec: str = ".2f") -> str:
    return f"{scale * spread['mean']:{spec}} ± {scale * spread['std']:{spec}}"


def seed_tables(statistics: Dict) -> str:
    """Markdown tables of `experiments.seed_statistics`: mean ± std over seeds.

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
            "final test acc %": _mean_std(spreads["final_test_accuracy"], 100),
            "last-5 mean %": _mean_std(spreads["last_epochs_test_accuracy"], 100),
            "peak test acc % (test-set epoch picking)": _mean_std(spreads["peak_test_accuracy"], 100),
            "final L_r": _mean_std(spreads["final_activation_loss"], spec=".2e"),
            "memorized %": _mean_std(memorized, 100, ".1f") if memorized else "",
        })
    effect_rows = []
    for baseline, effects in statistics["effects"].items():
        final, ratio = effects["final_difference"], effects["activation_loss_ratio"]
        effect_rows.append({
            "baseline": baseline,
            "final: with - without (points)": _mean_std(final, 100, ".1f"),
            "final, per seed": " / ".join(f"{100 * v:+.1f}" for v in final["values"]),
            "last-5: with - without (points)": _mean_std(effects["last_epochs_difference"], 100, ".1f"),
            "L_r without / with": _mean_std(ratio, spec=".0f"),
            "L_r ratio, per seed": " / ".join(f"{v:.0f}" for v in ratio["values"]),
        })
    return "\n\n".join([
        f"Mean ± standard deviation over {len(seeds)} seeds ({', '.join(map(str, seeds))}).",
        markdown_table(variant_rows, list(variant_rows[0])),
        "AL2's effect per baseline (per seed: in seed order).",
        markdown_table(effect_rows, list(effect_rows[0])) if effect_rows else "(no baseline run both ways)",
    ])


def _plot_curves(results_by_seed: Dict, path: str, accuracy_title: str, activation_title: str) -> None:
    """Test accuracy and L_r against epoch per variant: the mean over seeds,
    dashed without AL2, solid with, and the min-max band when there are
    several seeds."""
    plt = _pyplot()
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
    plt = _pyplot()
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


def write_run_report(directory: str, results: Dict, table_epochs: Sequence[int], paper: Optional[Dict] = None) -> str:
    """`table.md` (Table 1's layout), `summary.md` and `curves.png` of one run; returns the tables' text."""
    table = label_randomization_table(results, table_epochs, paper)
    summary = summary_table(results)
    atomic.write_text(os.path.join(directory, "table.md"),
                      f"TA: test accuracy (%), L_c: training cross-entropy, L_r: activation loss x 100.\n\n{table}\n")
    atomic.write_text(os.path.join(directory, "summary.md"), summary + "\n")
    plot_label_randomization(results, os.path.join(directory, "curves.png"))
    return table + "\n\n" + summary


def write_seed_report(directory: str, statistics: Dict, results_by_seed: Dict) -> str:
    """`seeds.md` (mean and spread over seeds, AL2's effect) and `seeds.png`; returns the tables' text."""
    tables = seed_tables(statistics)
    atomic.write_text(os.path.join(directory, "seeds.md"), tables + "\n")
    plot_seed_curves(results_by_seed, os.path.join(directory, "seeds.png"))
    return tables


def holding_table(rows: Sequence[Dict], reference: str, tolerance: float = 0.03) -> str:
    """Markdown of `results.holding`: per seed and variant, peak, final, last-5 and whether it holds."""
    table = [{
        "seed": r["seed"], "variant": r["variant"],
        "peak % (epoch)": f"{100 * r['peak']:.2f} ({r['peak_epoch']})",
        "final %": f"{100 * r['final']:.2f}", "final - peak": f"{100 * r['final_minus_peak']:+.2f}",
        "last-5 mean %": f"{100 * r['last_epochs']:.2f}",
        f"{reference} last-5 %": f"{100 * r['reference_last_epochs']:.2f}",
        "holds": "yes" if r["holds"] else "no",
    } for r in rows]
    return (f"Holds: final within {100 * tolerance:g} points of its own peak and last-5 mean above "
            f"{reference}'s.\n\n" + markdown_table(table, list(table[0])))


def plot_weights(results_by_seed: Dict, path: str) -> None:
    """The AL2 weight (log scale) and the training cross-entropy L_c against epoch, per variant and seed."""
    plt = _pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    first = results_by_seed[min(results_by_seed)]
    for index, name in enumerate(first):
        for number, results in enumerate(results_by_seed.values()):
            history = results[name]["history"]
            epochs = np.arange(1, len(history["val_accuracy"]) + 1)
            label = name if number == 0 else None
            if any(history["al2_weight"]):
                left.plot(epochs, history["al2_weight"], color=f"C{index}", alpha=0.8, label=label)
            right.plot(epochs, history[CROSS_ENTROPY_NAME], color=f"C{index}", alpha=0.8, label=label)
    left.set_yscale("log")
    left.set(xlabel="epoch", ylabel="AL2 weight", title="AL2 weight (one line per seed)")
    right.set(xlabel="epoch", ylabel="L_c", title="Training cross-entropy L_c (noisy labels)")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
