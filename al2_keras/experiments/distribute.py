"""Training on several devices or machines through `tf.distribute`.

Nothing here replaces TensorFlow's engines: `get_strategy` picks one of them
by name, and the helpers make the package's callbacks behave under it (files
written by the chief only, a backup every worker can resume from).
"""

import argparse
import json
import os
import shutil
import tempfile
import warnings
from typing import Any

import h5py
import keras
import numpy as np

from al2_keras.optional import require

tf = require("tensorflow", "al2_keras.experiments.distribute")

STRATEGIES = ("default", "mirrored", "multi-worker")


def get_strategy(name: str = "default") -> tf.distribute.Strategy:
    """Returns the `tf.distribute` strategy called `name`.

    Args:
        name: `"default"` (no distribution: one device), `"mirrored"`
            (`MirroredStrategy` over every local GPU, or the CPU) or
            `"multi-worker"` (`MultiWorkerMirroredStrategy`; reads the cluster
            and this process's task from the `TF_CONFIG` environment
            variable, as TensorFlow documents).

    Models, their `AL2` layers and metrics must be created and compiled
    inside `strategy.scope()`. The batch size given to `fit` (or of the
    dataset) is the global batch: each of the `num_replicas_in_sync`
    replicas gets an equal share of it.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi-worker":
        if not os.environ.get("TF_CONFIG"):
            raise ValueError(
                "The 'multi-worker' strategy needs the TF_CONFIG environment "
                "variable: the cluster's worker addresses and this process's "
                'task, e.g. TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", '
                '"host2:12345"]}, "task": {"type": "worker", "index": 0}}\'. '
                "Set it on every worker, or use 'mirrored' on one machine."
            )
        try:
            json.loads(os.environ["TF_CONFIG"])
        except json.JSONDecodeError as error:
            raise ValueError(f"TF_CONFIG is not valid JSON ({error}).") from None
        return MultiWorkerMirroredStrategy()
    raise ValueError(f"Unknown strategy {name!r}; choose one of {', '.join(STRATEGIES)}.")


class MultiWorkerMirroredStrategy(tf.distribute.MultiWorkerMirroredStrategy):
    """`tf.distribute.MultiWorkerMirroredStrategy` that Keras 3's `fit` can use.

    Keras 3.15 calls `strategy.reduce` on a nested structure (a batch of
    `(x, y)` before building) and with `axis=0` on scalar logs (each step's
    metrics); TensorFlow's multi-worker strategy accepts neither, so `fit`
    fails in its first step (keras-team/keras#20585). This subclass reduces
    each leaf of a structure separately and a scalar across replicas only;
    everything else is TensorFlow's strategy unchanged.
    """

    def reduce(self, reduce_op: Any, value: Any, axis: Any):
        def reduce_one(v):
            local = v.values[0] if isinstance(v, tf.distribute.DistributedValues) else v
            rank = getattr(local, "shape", tf.TensorShape(None)).rank
            return super(MultiWorkerMirroredStrategy, self).reduce(
                reduce_op, v, None if rank == 0 else axis
            )

        return tf.nest.map_structure(reduce_one, value)


def is_chief() -> bool:
    """Whether this process writes the run's files (checkpoints, results).

    Read from `TF_CONFIG`: true without one (a single process); in a
    cluster, true for the task of type "chief", or for worker 0 when the
    cluster has no chief.
    """
    resolver = tf.distribute.cluster_resolver.TFConfigClusterResolver()
    cluster = resolver.cluster_spec().as_dict()
    if not cluster:
        return True
    if resolver.task_type == "chief":
        return True
    return resolver.task_type == "worker" and resolver.task_id == 0 and "chief" not in cluster


def _worker_scratch() -> tempfile.TemporaryDirectory:
    """A directory for non-chief workers' saves, deleted on exit.

    All workers must take part in a save (it may read distributed
    variables), but only the chief's files are kept.
    """
    return tempfile.TemporaryDirectory(prefix="al2_keras_worker_")


def save_model(model: keras.Model, path: str) -> None:
    """`model.save(path)` on the chief; a throwaway save on other workers."""
    if is_chief():
        model.save(path)
    else:
        with _worker_scratch() as scratch:
            model.save(os.path.join(scratch, os.path.basename(path)))


class BackupAndRestore(keras.callbacks.Callback):
    """What `keras.callbacks.BackupAndRestore` does, with atomic backups and callbacks' state, multi-worker too.

    After each epoch the chief writes the model's weights and optimizer state,
    the random-number state of its layers (Dropout's seed generators, which
    `save_weights` leaves out) and the epoch into a new directory
    `<backup_dir>/epoch_<k>`, built under a temporary name and renamed when
    complete; the previous epoch's directory is deleted only then. A kill at
    any moment thus leaves at least one complete backup. On restart the newest
    backup that reads back completely is restored (a damaged one is reported
    and skipped); if none does, the error names the directory and the fix.
    Other workers save to a scratch directory that they delete, and restore
    from the chief's backup (on storage all workers share, as TensorFlow
    requires). A restarted run resumes at the epoch after the backup, so
    `AL2Scheduler` continues the schedule from there. Arguments as the Keras
    callback's; only `save_freq="epoch"` is supported.

    It is a callback of its own (public `Callback` hooks only); the one Keras
    internal it sets is the one Keras's callback sets too, `model._initial_epoch`,
    which makes `fit` start at the restored epoch (no public API does;
    `tests/test_keras_internals.py` fails loudly if Keras renames it).

    Args:
        backup_dir: Where the backups go (storage every worker shares).
        save_freq: "epoch" (the only one supported).
        delete_checkpoint: Delete `backup_dir` when training ends.
        stateful: Callbacks whose state goes into each backup too (objects
            with `get_state()` -> JSON-able dict and `set_state(dict)`),
            e.g. an `AL2Scheduler` whose schedule learns from training.
            Back up after them: put this callback last.
    """

    def __init__(self, backup_dir: str, save_freq: Any = "epoch", delete_checkpoint: bool = True,
                 stateful: Any = ()):
        if save_freq != "epoch":
            raise ValueError(
                "al2_keras's BackupAndRestore backs up whole epochs only. "
                f"Received: save_freq={save_freq!r}"
            )
        super().__init__()
        if not backup_dir:
            raise ValueError(f"`backup_dir` must name a directory. Received: backup_dir={backup_dir!r}")
        self.backup_dir, self.delete_checkpoint = backup_dir, delete_checkpoint
        self._current_epoch = 0
        self._restore_point = _UNREAD
        self.stateful = list(stateful)

    def restore_epoch(self) -> int:
        """The epoch a run restarted now resumes at (0 without a usable backup)."""
        backup = self._newest_backup()
        return backup[0] if backup else 0

    def _epoch_dirs(self) -> list:
        """`(epoch, directory)` of the finished backups, newest first."""
        if not os.path.isdir(self.backup_dir):
            return []
        found = []
        for name in os.listdir(self.backup_dir):
            if name.startswith("epoch_") and name[6:].isdigit():
                found.append((int(name[6:]), os.path.join(self.backup_dir, name)))
        return sorted(found, reverse=True)

    def _newest_backup(self):
        """The newest `(epoch, directory)` whose files all read back, or None.

        Read once (`restore_epoch` and `on_train_begin` both need it); read
        again after a backup is written or training ends.
        """
        if self._restore_point is _UNREAD:
            self._restore_point = self._find_newest_backup()
        return self._restore_point

    def _find_newest_backup(self):
        damaged = []
        for epoch, directory in self._epoch_dirs():
            try:
                _check_backup(directory, epoch)
            except (OSError, ValueError) as error:
                damaged.append(f"{directory} ({error})")
                continue
            for entry in damaged:
                warnings.warn(f"Skipped a damaged backup: {entry}; resuming from {directory}.")
            return epoch, directory
        if damaged:
            raise ValueError(
                f"Every backup in {self.backup_dir} is damaged: {'; '.join(damaged)}. "
                f"Delete {self.backup_dir} to restart this training from its first epoch."
            )
        return None

    def on_train_begin(self, logs=None):
        backup = self._newest_backup()
        if backup is None:
            return
        epoch, directory = backup
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        self.model.load_weights(os.path.join(directory, "model.weights.h5"))
        with np.load(os.path.join(directory, "random_state.npz")) as state:
            for index, variable in enumerate(_random_state(self.model)):
                variable.assign(state[str(index)])
        with open(os.path.join(directory, "epoch.json")) as f:
            states = json.load(f).get("states")  # None in backups written before callbacks had state
        if states is not None and len(states) != len(self.stateful):
            raise ValueError(
                f"The backup {directory} holds the state of {len(states)} callback(s), but this run "
                f"passes {len(self.stateful)} in `stateful`. Resume with the callbacks of the run that "
                f"wrote it, or delete {self.backup_dir} to start afresh.")
        for callback, state in zip(self.stateful, states or []):
            callback.set_state(state)
        self._current_epoch = epoch
        # What Keras's own callback sets: fit starts at this epoch.
        self.model._initial_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._write_backup()

    def _write_backup(self):
        if not is_chief():
            with _worker_scratch() as scratch:
                self.model.save_weights(os.path.join(scratch, "latest.weights.h5"))
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        epoch = self._current_epoch
        final = os.path.join(self.backup_dir, f"epoch_{epoch}")
        partial = tempfile.mkdtemp(prefix=f".epoch_{epoch}.", dir=self.backup_dir)
        self.model.save_weights(os.path.join(partial, "model.weights.h5"))
        np.savez(os.path.join(partial, "random_state.npz"),
                 **{str(i): keras.ops.convert_to_numpy(v) for i, v in enumerate(_random_state(self.model))})
        with open(os.path.join(partial, "epoch.json"), "w") as f:
            json.dump({"epoch": epoch, "states": [c.get_state() for c in self.stateful]}, f)
            f.flush()
            os.fsync(f.fileno())
        if os.path.exists(final):  # the same epoch redone after a restart
            shutil.rmtree(final)
        os.replace(partial, final)
        for older, directory in self._epoch_dirs():
            if older < epoch:
                shutil.rmtree(directory, ignore_errors=True)
        self._restore_point = _UNREAD

    def on_train_end(self, logs=None):
        self._restore_point = _UNREAD
        if is_chief() and self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)


_UNREAD = object()  # the backup directory has not been read yet


def _random_state(model: keras.Model) -> list:
    """The model's variables that are not weights: its layers' random-number state."""
    weights = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def _check_backup(directory: str, epoch: int) -> None:
    """Raises OSError or ValueError unless every file of a backup reads back."""
    with open(os.path.join(directory, "epoch.json")) as f:
        try:
            recorded = json.load(f)["epoch"]
        except (json.JSONDecodeError, KeyError) as error:
            raise ValueError(f"epoch.json unreadable: {error}") from None
    if recorded != epoch:
        raise ValueError(f"epoch.json says epoch {recorded}")
    with np.load(os.path.join(directory, "random_state.npz")) as state:
        for key in state.files:
            state[key]
    with h5py.File(os.path.join(directory, "model.weights.h5"), "r") as weights:
        weights.visititems(lambda name, item: item[()] if isinstance(item, h5py.Dataset) else None)


def add_strategy_argument(parser: argparse.ArgumentParser) -> None:
    """Adds the `--strategy {default,mirrored,multi-worker}` option of the examples."""
    parser.add_argument(
        "--strategy", choices=STRATEGIES, default="default",
        help="tf.distribute strategy: default (one device), mirrored (all local "
             "GPUs), multi-worker (the cluster in TF_CONFIG; run one process per "
             "worker). The batch size is the global batch.")
