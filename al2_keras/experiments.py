"""Label-randomization training: the paper's protocol as library functions."""

import dataclasses
import json
import os
import warnings
from typing import Callable, Mapping, Optional, Sequence

import keras
import numpy as np

from al2_keras import atomic, distribute, models
from al2_keras import data as data_lib
from al2_keras.callbacks import WEIGHT_LOG_NAME, AL2Scheduler
from al2_keras.layers import ACTIVATION_LOSS_NAME
from al2_keras.optional import require
from al2_keras.schedules import ProgressiveSchedule

tf = require("tensorflow", "al2_keras.experiments")

CROSS_ENTROPY_NAME = "cross_entropy"

# The paper's four baselines: small_net options of each. Weight decay 5e-4 is
# the usual SGD value for this CNN (the paper does not state its own).
BASELINES = {
    "bare": {},
    "bn": {"batch_norm": True},
    "dropout": {"dropout": 0.5},
    "weight_decay": {"weight_decay": 5e-4},
}


@dataclasses.dataclass
class Protocol:
    """Everything that defines one label-randomization experiment.

    Attributes:
        dataset: Dataset name ("mnist", "fashion_mnist", ...).
        data_dir: Directory of IDX files, or None to search/use TFDS.
        train_size: Size of the seeded training subset; None for all.
        corrupt: Fraction of training labels replaced by another class.
        scaling: "unit" (x / 255) or "reference" ((x / 255 - mean) / std).
        learning_rate: SGD learning rate.
        momentum: SGD momentum.
        batch_size: Batch size.
        epochs: Number of epochs.
        schedule: AL2 weight schedule (`epoch -> weight`) for runs with AL2.
        seed: Seed of the subset, the label noise, the shuffling and the
            initial weights.
        shrink_percent: If set, keep only this percentage of the training
            subset (the reference's `percent_shrink_data`; random, seeded).
        rotations: Append a copy of every training image rotated by 90, 180
            or 270 degrees (chosen at random), with the same (noisy) label.
        mixup_alpha: If set, train with mixup: each batch mixed with a
            shuffled copy of itself, weight ~ Beta(alpha, alpha), inputs and
            losses mixed as the reference does (`data.mixup`).
        dropout_position: Where Dropout sits relative to AL2 in the model
            (`models.small_net`): "before_al2" (the reference) or "after_al2".
    """

    dataset: str = "fashion_mnist"
    data_dir: Optional[str] = None
    train_size: Optional[int] = None
    corrupt: float = 0.75
    scaling: str = "reference"
    learning_rate: float = 0.001
    momentum: float = 0.5
    batch_size: int = 64
    epochs: int = 700
    schedule: Callable[[int], float] = dataclasses.field(
        default_factory=ProgressiveSchedule
    )
    seed: int = 0
    shrink_percent: Optional[float] = None
    rotations: bool = False
    mixup_alpha: Optional[float] = None
    dropout_position: str = "before_al2"


def quick_protocol(**overrides) -> Protocol:
    """The CPU-scale protocol calibrated to show AL2's effect in minutes.

    Real Fashion-MNIST, a seeded 5,000-image training subset, 75% of its
    labels corrupted, pixels in [0, 1] (no mean subtraction), SGD lr 0.01
    momentum 0.9, batch 64, 40 epochs, and the paper's schedule compressed
    ten-fold in time (epoch k gets the paper's weight of epoch 10 k).
    """
    settings = dict(
        dataset="fashion_mnist",
        train_size=5000,
        corrupt=0.75,
        scaling="unit",
        learning_rate=0.01,
        momentum=0.9,
        batch_size=64,
        epochs=40,
        schedule=ProgressiveSchedule.time_compressed(10),
    )
    settings.update(overrides)
    return Protocol(**settings)


def paper_protocol(**overrides) -> Protocol:
    """The reference's protocol: MNIST, all 60,000 images, SGD 0.001/0.5, 700 epochs.

    75% of labels corrupted, the reference normalization and the paper's
    schedule; meant for a GPU (hours on a CPU).
    """
    settings = dict(dataset="mnist", train_size=None, corrupt=0.75, scaling="reference",
                    learning_rate=0.001, momentum=0.5, batch_size=64, epochs=700,
                    schedule=ProgressiveSchedule())
    settings.update(overrides)
    return Protocol(**settings)


@dataclasses.dataclass
class PreparedData:
    """Scaled arrays of one protocol, with the label-noise bookkeeping."""

    x_train: np.ndarray
    noisy: data_lib.NoisyLabels
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    source: str


def prepare_data(protocol: Protocol, images: Optional[data_lib.ImageData] = None) -> PreparedData:
    """Loads, subsets, scales and corrupts the data of `protocol`.

    Args:
        protocol: The experiment protocol.
        images: Already loaded data; loaded with `data.load` if None.
    """
    if images is None:
        images = data_lib.load(protocol.dataset, data_dir=protocol.data_dir)
    index = data_lib.subset_indices(len(images.x_train), protocol.train_size, protocol.seed)
    x_train, y_train = images.x_train[index], images.y_train[index]
    if protocol.shrink_percent is not None:
        x_train, y_train = data_lib.shrink(x_train, y_train, protocol.shrink_percent, protocol.seed)
    noisy = data_lib.corrupt_labels(y_train, protocol.corrupt, images.num_classes, protocol.seed)
    x_train = data_lib.scale_images(x_train, images.name, protocol.scaling)
    if protocol.rotations:
        # The rotated copies keep their image's noisy label and bookkeeping.
        x_train, labels = data_lib.add_rotations(x_train, noisy.labels, protocol.seed)
        noisy = data_lib.NoisyLabels(labels=labels, clean_labels=np.tile(noisy.clean_labels, 2),
                                     changed=np.tile(noisy.changed, 2))
    return PreparedData(
        x_train=x_train,
        noisy=noisy,
        x_test=data_lib.scale_images(images.x_test, images.name, protocol.scaling),
        y_test=images.y_test,
        num_classes=images.num_classes,
        source=images.source,
    )


def compile_for_protocol(model: keras.Model, protocol: Protocol) -> keras.Model:
    """Compiles `model` with SGD, cross-entropy loss and the L_c metric.

    Integer labels, or one-hot (soft) labels when the protocol uses mixup.
    """
    if protocol.mixup_alpha is None:
        loss, metrics = "sparse_categorical_crossentropy", [
            "accuracy", keras.metrics.SparseCategoricalCrossentropy(name=CROSS_ENTROPY_NAME)]
    else:
        loss, metrics = "categorical_crossentropy", [
            keras.metrics.CategoricalAccuracy(name="accuracy"),
            keras.metrics.CategoricalCrossentropy(name=CROSS_ENTROPY_NAME)]
    model.compile(
        optimizer=keras.optimizers.SGD(
            learning_rate=protocol.learning_rate, momentum=protocol.momentum
        ),
        loss=loss,
        metrics=metrics,
    )
    return model


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


def train_variant(
    protocol: Protocol,
    prepared: PreparedData,
    al2: bool,
    batch_norm: bool = False,
    dropout: float = 0.0,
    weight_decay: float = 0.0,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int = 0,
    strategy: Optional[tf.distribute.Strategy] = None,
    backup_dir: Optional[str] = None,
) -> tuple:
    """Trains the small CNN on the noisy labels, testing on clean labels.

    Runs without AL2 still carry an `AL2` layer, at weight 0 and with no
    scheduler, so that their activation loss L_r is measured exactly as
    with AL2 while their training is unchanged.

    Args:
        strategy: A `tf.distribute` strategy (`distribute.get_strategy`);
            the model, its AL2 layer and metrics are created in its scope
            and `protocol.batch_size` is the global batch. None: the
            current (default) strategy.
        backup_dir: If set, training state is backed up there after each
            epoch (`distribute.BackupAndRestore`) and a rerun of an
            interrupted training resumes from it, schedule included.

    Returns:
        `(model, history)`: the trained model and `History.history`, whose
        `val_accuracy` is the test accuracy on clean test labels.
    """
    keras.utils.set_random_seed(protocol.seed)
    strategy = strategy or tf.distribute.get_strategy()
    with strategy.scope():
        model = models.small_net(
            input_shape=prepared.x_train.shape[1:],
            num_classes=prepared.num_classes,
            al2=True,
            al2_weight=protocol.schedule(0) if al2 else 0.0,
            batch_norm=batch_norm,
            dropout=dropout,
            weight_decay=weight_decay,
            dropout_position=protocol.dropout_position,
        )
        compile_for_protocol(model, protocol)
    all_callbacks = [FiniteLoss(), *callbacks]
    if al2:
        all_callbacks.insert(0, AL2Scheduler(protocol.schedule))
    first_epoch = 0
    if backup_dir:
        # Last, so that an epoch is backed up only after every other
        # callback (saves, journals) has finished with it. The weights and
        # epoch are restored in on_train_begin, before any epoch starts.
        backup = distribute.BackupAndRestore(backup_dir)
        first_epoch = backup.restore_epoch()
        all_callbacks.append(backup)
    # An endless stream of epochs whose orders depend on (seed, epoch) only:
    # a run resumed at epoch k trains on the batches of an uninterrupted run.
    train = data_lib.make_dataset(
        prepared.x_train, prepared.noisy.labels, protocol.batch_size,
        shuffle=True, seed=protocol.seed, strategy=strategy, first_epoch=first_epoch,
    )
    steps = data_lib.steps_per_epoch(len(prepared.x_train), protocol.batch_size)
    test = data_lib.make_dataset(prepared.x_test, prepared.y_test, 1024)
    if protocol.mixup_alpha is not None:
        if not isinstance(train, tf.data.Dataset):
            raise ValueError("mixup is not available under a multi-worker strategy; "
                             "use one machine (default or mirrored strategy).")
        train = data_lib.mixup(train, protocol.mixup_alpha, prepared.num_classes, seed=protocol.seed,
                               first_batch=first_epoch * steps)
        test = test.map(lambda x, y: (x, tf.one_hot(y, prepared.num_classes)))
    history = model.fit(
        train, validation_data=test, epochs=protocol.epochs, steps_per_epoch=steps,
        callbacks=all_callbacks, verbose=verbose, shuffle=False,
    )
    return model, history.history


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
    """Adds `training_set_accuracies` to each epoch's logs (one inference pass)."""

    def __init__(self, prepared: PreparedData):
        super().__init__()
        self.prepared = prepared

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs.update(training_set_accuracies(self.model, self.prepared))


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


def variant_name(baseline: str, al2: bool) -> str:
    return f"{baseline}_{'al2' if al2 else 'no_al2'}"


def run_label_randomization(
    protocol: Protocol,
    prepared: PreparedData,
    baselines: Sequence[str] = tuple(BASELINES),
    models_dir: Optional[str] = None,
    save_epochs: Sequence[int] = (),
    verbose: int = 2,
    strategy: Optional[tf.distribute.Strategy] = None,
    state_dir: Optional[str] = None,
) -> dict:
    """Trains every baseline without and with AL2; returns all per-epoch numbers.

    Args:
        protocol: The experiment protocol.
        prepared: Its data (`prepare_data`).
        baselines: Keys of `BASELINES`.
        models_dir: If set, models are saved as
            `<models_dir>/<variant>/epoch_<k>.keras` after `save_epochs`.
        save_epochs: 1-based epochs at which to save.
        verbose: Keras progress output (2: one line per epoch).
        strategy: A `tf.distribute` strategy (see `train_variant`).
        state_dir: If set, the run can resume after an interruption: each
            variant's epochs are journaled there and its training state
            backed up after every epoch; calling again with the same
            `state_dir` loads the finished variants and resumes the
            unfinished one at the epoch after its last backup.

    Returns:
        Dict variant name -> {"baseline", "al2", "history"}, the history
        holding per epoch `val_accuracy` (test accuracy, clean labels),
        `cross_entropy` (L_c), `activation_loss` (L_r), `al2_weight`,
        `train_accuracy_noisy`, `train_accuracy_clean` and `memorized`.
    """
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        raise ValueError(f"Unknown baselines {unknown}; choose from {sorted(BASELINES)}.")
    if state_dir and distribute.is_chief():
        os.makedirs(state_dir, exist_ok=True)
    results = {}
    for baseline in baselines:
        for al2 in (False, True):
            name = variant_name(baseline, al2)
            finished = os.path.join(state_dir, f"{name}.json") if state_dir else None
            if finished and os.path.exists(finished):
                print(f"\n=== {name}: finished earlier, loaded from {finished} ===", flush=True)
                results[name] = atomic.read_json(finished, "finished-variant file")
                continue
            print(f"\n=== {name} ===", flush=True)
            callbacks = [TrainingSetAccuracy(prepared)]
            if models_dir and save_epochs:
                callbacks.append(SaveAtEpochs(os.path.join(models_dir, name), save_epochs,
                                              overwrite=bool(state_dir)))
            journal = os.path.join(state_dir, f"{name}.epochs.jsonl") if state_dir else None
            if journal:
                callbacks.append(EpochJournal(journal))
            _, history = train_variant(
                protocol, prepared, al2=al2, callbacks=callbacks, verbose=verbose,
                strategy=strategy,
                backup_dir=os.path.join(state_dir, f"{name}.backup") if state_dir else None,
                **BASELINES[baseline])
            if journal and distribute.is_chief():
                history = read_journal(journal)
            if not al2:
                history["al2_weight"] = [0.0] * len(history["loss"])
            results[name] = {"baseline": baseline, "al2": al2, "history": history}
            if finished and distribute.is_chief():
                atomic.write_json(finished, results[name])
    return results


def summarize(history: dict, last: int = 5) -> dict:
    """Final, last-`last`-epochs mean and peak test accuracy; final L_c, L_r.

    Also the final share of corrupted labels memorized (`final_memorized`)
    when the history records it (`TrainingSetAccuracy`).
    """
    accuracy = np.asarray(history["val_accuracy"])
    summary = {
        "final_test_accuracy": float(accuracy[-1]),
        "last_epochs_test_accuracy": float(accuracy[-last:].mean()),
        "peak_test_accuracy": float(accuracy.max()),
        "peak_epoch": int(accuracy.argmax()) + 1,
        "final_cross_entropy": float(history[CROSS_ENTROPY_NAME][-1]),
        "final_activation_loss": float(history[ACTIVATION_LOSS_NAME][-1]),
    }
    if history.get("memorized"):
        summary["final_memorized"] = float(history["memorized"][-1])
    return summary


def _spread(values: Sequence[float]) -> dict:
    """Mean, sample standard deviation (0 for one value), min, max and the values."""
    values = [float(v) for v in values]
    return {
        "mean": float(np.mean(values)),
        "std": float(np.std(values, ddof=1)) if len(values) > 1 else 0.0,
        "min": min(values),
        "max": max(values),
        "values": values,
    }


def seed_statistics(results_by_seed: Mapping[int, dict], last: int = 5) -> dict:
    """Mean and spread over seeds of every variant's summary and of AL2's effect.

    Args:
        results_by_seed: Seed -> output of `run_label_randomization`; every
            seed must hold the same variants.
        last: Epochs averaged for the last-epochs mean (`summarize`).

    Returns:
        A dict with `seeds` (sorted), `variants` (variant -> quantity of
        `summarize` -> spread) and `effects` (baseline run without and with
        AL2 -> spread of `final_difference` and `last_epochs_difference`,
        test accuracy with AL2 minus without, and of
        `activation_loss_ratio`, final L_r without AL2 over with). A spread
        is a dict of `mean`, `std` (sample standard deviation), `min`,
        `max` and the per-seed `values` in seed order.
    """
    if not results_by_seed:
        raise ValueError("`results_by_seed` is empty: give the results of at least one seed.")
    seeds = sorted(results_by_seed)
    variants = list(results_by_seed[seeds[0]])
    for seed in seeds:
        if sorted(results_by_seed[seed]) != sorted(variants):
            raise ValueError(f"Seed {seed} has variants {sorted(results_by_seed[seed])}, seed "
                             f"{seeds[0]} has {sorted(variants)}; every seed needs the same.")
    summaries = {seed: {name: summarize(run["history"], last) for name, run in results_by_seed[seed].items()}
                 for seed in seeds}
    statistics = {"seeds": seeds, "variants": {}, "effects": {}}
    for name in variants:
        quantities = summaries[seeds[0]][name]
        statistics["variants"][name] = {
            quantity: _spread([summaries[seed][name][quantity] for seed in seeds]) for quantity in quantities}
    first = results_by_seed[seeds[0]]
    for baseline in dict.fromkeys(run["baseline"] for run in first.values()):
        without, with_al2 = variant_name(baseline, False), variant_name(baseline, True)
        if without not in first or with_al2 not in first:
            continue
        pairs = [(summaries[seed][without], summaries[seed][with_al2]) for seed in seeds]
        statistics["effects"][baseline] = {
            "final_difference": _spread(
                [w["final_test_accuracy"] - n["final_test_accuracy"] for n, w in pairs]),
            "last_epochs_difference": _spread(
                [w["last_epochs_test_accuracy"] - n["last_epochs_test_accuracy"] for n, w in pairs]),
            "activation_loss_ratio": _spread(
                [n["final_activation_loss"] / w["final_activation_loss"] for n, w in pairs]),
        }
    return statistics
