"""Training on several devices or machines through `tf.distribute`.

Nothing here replaces TensorFlow's engines: `get_strategy` picks one of them
by name, and the helpers make the package's callbacks behave under it (files
written by the chief only, a backup every worker can resume from).
"""

import argparse
import json
import os
import tempfile

import keras

from al2_keras.optional import require

tf = require("tensorflow", "al2_keras.distribute")

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

    def reduce(self, reduce_op, value, axis):
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


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` for multi-worker training too.

    Keras's callback has every worker write the same backup files. Here the
    chief writes the backup and the other workers save to a scratch directory
    that they delete; every worker restores from the chief's backup (which
    must therefore be on storage all workers share, as TensorFlow requires).
    A restarted cluster resumes at the epoch after the last backup, so
    `AL2Scheduler` continues the schedule from there. Same arguments as the
    Keras callback.
    """

    def _save_model(self):
        if is_chief():
            super()._save_model()
            return
        with _worker_scratch() as scratch:
            self.model.save_weights(os.path.join(scratch, "latest.weights.h5"))

    def on_train_end(self, logs=None):
        if is_chief():
            super().on_train_end(logs)


def add_strategy_argument(parser: argparse.ArgumentParser) -> None:
    """Adds the `--strategy {default,mirrored,multi-worker}` option of the examples."""
    parser.add_argument(
        "--strategy", choices=STRATEGIES, default="default",
        help="tf.distribute strategy: default (one device), mirrored (all local "
             "GPUs), multi-worker (the cluster in TF_CONFIG; run one process per "
             "worker). The batch size is the global batch.")
