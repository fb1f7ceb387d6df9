"""Callbacks of the experiments: divergence check, progress, training-set accuracy, saves, journal."""

import json
import os
import warnings
from typing import Collection, Optional, Sequence

import keras
import numpy as np

from al2_keras.callbacks import WEIGHT_LOG_NAME
from al2_keras.experiments import atomic, distribute
from al2_keras.experiments.datasets.prepared import PreparedData
from al2_keras.experiments.results import CROSS_ENTROPY_NAME
from al2_keras.layers import ACTIVATION_LOSS_NAME


class FiniteLoss(keras.callbacks.Callback):
    """Stops training with an error when an epoch's loss is NaN or infinite.

    Unlike `keras.callbacks.TerminateOnNaN`, which ends the run quietly and
    leaves the numbers so far, it raises `FloatingPointError` naming the
    epoch and the usual causes, so no result is written from a diverged run.
    """

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            raise FloatingPointError(
                f"The training loss is {loss} at epoch {epoch + 1}: training diverged. Lower the "
                "learning rate (--lr), check the inputs for NaN or infinite values, or use a "
                "smaller AL2 weight.")


class EpochPrinter(keras.callbacks.Callback):
    """Prints one line per epoch: test accuracy, L_c, L_r and the AL2 weight."""

    def __init__(self, label: str = ""):
        super().__init__()
        self.label = label

    def on_train_begin(self, logs=None):
        print(f"{self.label:>12} {'epoch':>5} {'test_acc':>8} {'L_c':>7} "
              f"{'L_r':>10} {'al2_weight':>10}")

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        print(
            f"{self.label:>12} {epoch + 1:>5} "
            f"{100 * logs.get('val_accuracy', float('nan')):>7.2f}% "
            f"{logs.get(CROSS_ENTROPY_NAME, float('nan')):>7.4f} "
            f"{logs.get(ACTIVATION_LOSS_NAME, float('nan')):>10.3e} "
            f"{logs.get(WEIGHT_LOG_NAME, 0.0):>10.4g}",
            flush=True,
        )


# What `training_set_accuracies` logs.
TRAINING_SET_KEYS = ("train_accuracy_noisy", "train_accuracy_clean", "memorized")


def training_set_accuracies(model: keras.Model, prepared: PreparedData, batch_size: int = 1024) -> dict:
    """Accuracy on the training images against noisy and clean labels.

    Returns `train_accuracy_noisy` (the labels trained on),
    `train_accuracy_clean` (the original labels) and `memorized` (share of
    the corrupted labels that the network predicts; 0 without corruption).
    """
    noisy = prepared.noisy
    predicted = np.argmax(model.predict(prepared.x_train, batch_size=batch_size, verbose=0), axis=-1)
    changed = noisy.changed
    return {
        "train_accuracy_noisy": float(np.mean(predicted == noisy.labels)),
        "train_accuracy_clean": float(np.mean(predicted == noisy.clean_labels)),
        "memorized": float(np.mean(predicted[changed] == noisy.labels[changed])) if changed.any() else 0.0,
    }


class TrainingSetAccuracy(keras.callbacks.Callback):
    """Adds `training_set_accuracies` to the logs of each epoch, or of the chosen ones.

    One inference pass over the training images: at the reference's scale
    (60,000 images) about a fifth of an epoch on 2 CPU cores. Epochs not chosen log NaN
    for the three keys, so every history keeps one value per epoch.

    Args:
        prepared: The run's data.
        epochs: 1-based epochs to measure; None: every epoch.
    """

    def __init__(self, prepared: PreparedData, epochs: Optional[Collection[int]] = None):
        super().__init__()
        self.prepared = prepared
        self.epochs = None if epochs is None else set(epochs)

    def on_epoch_end(self, epoch, logs=None):
        if logs is None:
            return
        if self.epochs is None or epoch + 1 in self.epochs:
            logs.update(training_set_accuracies(self.model, self.prepared))
        else:
            logs.update(dict.fromkeys(TRAINING_SET_KEYS, float("nan")))


class SaveAtEpochs(keras.callbacks.Callback):
    """Saves the model as `<directory>/epoch_<k>.keras` after chosen epochs (1-based).

    Only the chief writes under multi-worker training. An existing file is an
    error unless `overwrite` (used when a run resumes and redoes an epoch).
    """

    def __init__(self, directory: str, epochs: Sequence[int], overwrite: bool = False):
        super().__init__()
        self.directory = directory
        self.epochs = set(int(e) for e in epochs)
        self.overwrite = overwrite

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 not in self.epochs:
            return
        path = os.path.join(self.directory, f"epoch_{epoch + 1}.keras")
        if distribute.is_chief():
            if os.path.exists(path) and not self.overwrite:
                raise FileExistsError(f"{path} exists; it is not overwritten. Choose another run name.")
            os.makedirs(self.directory, exist_ok=True)
        distribute.save_model(self.model, path)


class EpochJournal(keras.callbacks.Callback):
    """Appends each epoch's logs to a JSON-lines file (the chief only).

    Unlike `History`, the journal survives an interrupted run, so a resumed
    run (`BackupAndRestore`) still reports every epoch (`read_journal`).
    """

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def on_epoch_end(self, epoch, logs=None):
        if distribute.is_chief():
            record = {"epoch": epoch, **{k: float(v) for k, v in (logs or {}).items()}}
            atomic.append_line(self.path, json.dumps(record))


def read_journal(path: str) -> dict:
    """The history (`key -> per-epoch list`) of an `EpochJournal` file.

    An epoch written twice (redone after an interruption) counts once, with
    its last record. A line cut by a kill is skipped (with a warning) when
    a later record holds its epoch; otherwise the error names the file.
    """
    records, damaged = {}, []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                damaged.append(number)
                continue
            records[record.pop("epoch")] = record
    epochs = sorted(records)
    if epochs != list(range(len(epochs))):
        raise ValueError(
            f"The epoch journal {path} lacks epochs: it holds {epochs}"
            + (f" and damaged lines {damaged}" if damaged else "")
            + ". Delete the run's state directory to train this variant again.")
    if damaged:
        warnings.warn(f"Skipped damaged lines {damaged} of {path}; every epoch has a whole record.")
    keys = sorted({k for r in records.values() for k in r})
    return {k: [records[e].get(k) for e in epochs] for k in keys}
