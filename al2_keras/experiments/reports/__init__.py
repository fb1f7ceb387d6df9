"""Views of results: Markdown tables and PNG plots (data stays in JSON/CSV).

`base`: table and plot building blocks; `label_noise`: the label-noise runs
(Table 1's layout, seeds, curves, ablation); `similarity`: similarity across
runs; `methods`: comparisons of schedules and of losses.
"""

from al2_keras.experiments.reports.base import csv_text, markdown_table
from al2_keras.experiments.reports.label_noise import (
                                           label_randomization_table,
                                           plot_ablation,
                                           plot_against_paper,
                                           plot_label_randomization,
                                           plot_seed_curves,
                                           run_table_text,
                                           seed_tables,
                                           summary_table,
                                           write_run_report,
                                           write_seed_report,
)
from al2_keras.experiments.reports.methods import (
                                           holding_table,
                                           method_table,
                                           plot_methods,
                                           plot_weights,
                                           write_comparison_report,
)
from al2_keras.experiments.reports.similarity import plot_similarity, similarity_summary_table

__all__ = [
    "csv_text", "holding_table", "label_randomization_table", "markdown_table", "method_table", "plot_ablation",
    "plot_against_paper", "plot_label_randomization", "plot_methods", "plot_seed_curves", "plot_similarity",
    "plot_weights", "run_table_text", "seed_tables", "similarity_summary_table", "summary_table",
    "write_comparison_report", "write_run_report", "write_seed_report",
]
