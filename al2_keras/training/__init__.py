"""Training: the label-randomization protocol and its presets, the one build and
compile path, the runner (variants, seeds, resume) and its callbacks."""

from al2_keras.results import variant_name
from al2_keras.training.callbacks import (
    EpochJournal,
    EpochPrinter,
    FiniteLoss,
    SaveAtEpochs,
    TrainingSetAccuracy,
    read_journal,
    training_set_accuracies,
)
from al2_keras.training.compile import build_model, compile_for_protocol
from al2_keras.training.protocol import BASELINES, Protocol, paper_protocol, quick_protocol
from al2_keras.training.runner import prepare_data, run_label_randomization, train_variant

__all__ = [
    "BASELINES", "EpochJournal", "EpochPrinter", "FiniteLoss", "Protocol", "SaveAtEpochs",
    "TrainingSetAccuracy", "build_model", "compile_for_protocol", "paper_protocol", "prepare_data",
    "quick_protocol", "read_journal", "run_label_randomization", "train_variant",
    "training_set_accuracies", "variant_name",
]
