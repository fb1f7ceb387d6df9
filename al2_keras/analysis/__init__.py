"""Analysis of trained representations: cumulative ablation, feature snapshots,
similarity across runs (the last needs TensorFlow and is loaded on first use)."""

import importlib

from al2_keras.analysis.ablation import MODES, AblationResult, ablation_masks, cumulative_ablation
from al2_keras.analysis.snapshots import FeatureSnapshots

_ACROSS_RUNS = ("MEASURES", "as_neurons", "compare_representations", "pair_statistics", "similarity_across_runs")


def __getattr__(name):
    if name in _ACROSS_RUNS:
        return getattr(importlib.import_module("al2_keras.analysis.across_runs"), name)
    raise AttributeError(f"module 'al2_keras.analysis' has no attribute '{name}'")


__all__ = ["AblationResult", "FeatureSnapshots", "MODES", "ablation_masks", "cumulative_ablation",
           *_ACROSS_RUNS]
