"""The building blocks of the views: Markdown and CSV tables, matplotlib, mean ± std."""

import csv
import io
from typing import Any, Dict, Optional, Sequence


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


def pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            "Plots need matplotlib: pip install 'al2_keras[plots]'."
        ) from None
    return plt


def mean_std(spread: Dict, scale: float = 1.0, spec: str = ".2f") -> str:
    return f"{scale * spread['mean']:{spec}} ± {scale * spread['std']:{spec}}"


def finish_figure(figure: Any, axes: Any, path: str) -> None:
    """Grid and legend on each of `axes`, tight layout, saved as a PNG at `path`, closed."""
    for axis in axes:
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    pyplot().close(figure)
