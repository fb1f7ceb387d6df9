"""Training: the label-randomization protocol and its presets, the one build and
compile path, the runner (variants, seeds, resume) and its callbacks.

The protocol and the build/compile path need only Keras; the runner and its
callbacks (tf.data, tf.distribute) need TensorFlow and load on first use.
"""

from al2_keras.experiments.results import CROSS_ENTROPY_NAME, variant_name  # the results schema, re-exported
from al2_keras.experiments.training.build import build_model, compile_for_protocol
from al2_keras.experiments.training.comparison import Variant, run_variants
from al2_keras.experiments.training.protocol import (
    BASELINES,
    LR_SCHEDULES,
    NOISE_FLOOR,
    Protocol,
    paper_protocol,
    quick_protocol,
)
from al2_keras.optional import lazy_attributes

_LAZY = {
    "runner": ("prepare_data", "run_label_randomization", "run_variant", "train_variant"),
    "callbacks": ("EpochJournal", "EpochPrinter", "FiniteLoss", "SaveAtEpochs", "TrainingSetAccuracy",
                  "read_journal", "training_set_accuracies"),
}


__getattr__ = lazy_attributes(__name__, _LAZY)

__all__ = [
    "BASELINES", "CROSS_ENTROPY_NAME", "LR_SCHEDULES", "NOISE_FLOOR", "Protocol", "build_model",
    "compile_for_protocol", "paper_protocol", "quick_protocol", "run_variants", "Variant", "variant_name",
    *_LAZY["runner"], *_LAZY["callbacks"],
]
