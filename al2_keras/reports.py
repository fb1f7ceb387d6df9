"""Views of results: Markdown tables and PNG plots (data stays in JSON/CSV)."""

from typing import Dict, Iterable, Sequence


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


def plot_similarity(rows: Sequence[Dict], measures: Iterable[str], path: str) -> None:
    """Similarity against epoch, one panel per measure, per variant and pair."""
    plt = _pyplot()
    measures = list(measures)
    figure, axes = plt.subplots(1, len(measures), figsize=(4 * len(measures), 3.4), squeeze=False)
    series = sorted({(r["variant"], r["pair"]) for r in rows})
    for axis, measure in zip(axes[0], measures):
        for variant, pair in series:
            points = sorted((r["epoch"], r[measure]) for r in rows
                            if r["variant"] == variant and r["pair"] == pair)
            style = "--" if "random" in pair else "-"
            axis.plot(*zip(*points), style, marker="o", label=f"{variant}, {pair}")
        axis.set_title(measure.upper())
        axis.set_xlabel("epoch")
        axis.set_ylim(0, 1)
        axis.grid(alpha=0.3)
    axes[0][0].set_ylabel("similarity")
    axes[0][-1].legend(fontsize=7, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
