"""Analysis of trained representations: cumulative ablation, feature snapshots,
similarity across runs (the last needs TensorFlow and is loaded on first use)."""

from al2_keras.experiments.analysis.ablation import MODES, AblationResult, ablation_masks, cumulative_ablation
from al2_keras.experiments.analysis.snapshots import FeatureSnapshots
from al2_keras.optional import lazy_attributes

_ACROSS_RUNS = ("MEASURES", "as_neurons", "check_comparable", "compare_representations", "pair_statistics",
                "similarity_across_runs")


__getattr__ = lazy_attributes(__name__, {"across_runs": _ACROSS_RUNS})


__all__ = ["AblationResult", "FeatureSnapshots", "MODES", "ablation_masks", "cumulative_ablation",
           *_ACROSS_RUNS]
