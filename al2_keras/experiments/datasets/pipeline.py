"""The tf.data pipeline: batches, the seeded epoch stream, multi-worker input."""

from typing import Optional, Sequence

import numpy as np

from al2_keras.optional import require

tf = require("tensorflow", "al2_keras.experiments.datasets")

def make_dataset(
    images: np.ndarray,
    labels: Sequence[int],
    batch_size: int = 64,
    shuffle: bool = False,
    seed: Optional[int] = None,
    strategy: Optional[tf.distribute.Strategy] = None,
    first_epoch: Optional[int] = None,
):
    """A batched, prefetched `tf.data.Dataset` of (image, label) pairs.

    Args:
        images: Array (N, ...).
        labels: Array (N,).
        batch_size: Batch size; under a strategy, the global batch.
        shuffle: Whether to reshuffle all samples each epoch.
        seed: Shuffle seed.
        first_epoch: With `shuffle` and a `seed`, return instead an endless
            stream of epochs `first_epoch, first_epoch + 1, ...`, each a
            permutation of the samples in `steps_per_epoch(len(images),
            batch_size)` batches (pass that to `fit(steps_per_epoch=...)`).
            Epoch e's order depends only on the seed and e, so a run resumed
            at epoch k from a stream built with `first_epoch=k` sees exactly
            the batches of an uninterrupted run (a plain reshuffling dataset
            restarts its sequence in a new process).
        strategy: If a multi-worker strategy, the dataset is distributed
            with `distribute_datasets_from_function` so that every worker
            draws the same seeded order and each step's global batch is the
            one a single process would train on, split among the replicas.
            (TensorFlow's auto-sharding would shard before shuffling, a
            valid but different order.) Other strategies: a plain dataset,
            which `fit` splits per replica.
    """
    if len(images) != len(labels):
        raise ValueError(
            f"`images` and `labels` differ in length: {len(images)} != "
            f"{len(labels)}."
        )
    labels = np.asarray(labels)
    if np.issubdtype(np.asarray(images).dtype, np.floating):
        bad = int(np.size(images) - np.count_nonzero(np.isfinite(images)))
        if bad:
            raise ValueError(
                f"`images` hold {bad} NaN or infinite value(s); training on them gives silently "
                "wrong numbers (ReLU and pooling hide them). Remove or repair those images.")
    if batch_size < 1:
        raise ValueError(f"`batch_size` must be an integer >= 1. Received: batch_size={batch_size!r}")
    endless = shuffle and first_epoch is not None
    if endless and (seed is None or first_epoch < 0):
        raise ValueError("An epoch stream needs a `seed` and `first_epoch` >= 0. "
                         f"Received: seed={seed!r}, first_epoch={first_epoch!r}")

    def global_batches():
        if endless:
            return _epoch_stream(images, labels, batch_size, seed, first_epoch)
        dataset = tf.data.Dataset.from_tensor_slices((images, labels))
        if shuffle:
            dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
        return dataset.batch(batch_size)

    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return global_batches().prefetch(tf.data.AUTOTUNE)

    def dataset_fn(context: tf.distribute.InputContext) -> tf.data.Dataset:
        local_replicas = context.num_replicas_in_sync // context.num_input_pipelines
        first_replica = context.input_pipeline_id * local_replicas

        def replica_slices(x, y):
            # This worker's replicas take consecutive, near-equal slices
            # of the global batch (the last batch may be short).
            size = tf.shape(x)[0]
            per_replica = -(-size // context.num_replicas_in_sync)

            def take(replica):
                start = tf.minimum((first_replica + tf.cast(replica, tf.int32)) * per_replica, size)
                stop = tf.minimum(start + per_replica, size)
                return x[start:stop], y[start:stop]

            return tf.data.Dataset.range(local_replicas).map(take)

        batches = global_batches().flat_map(replica_slices)
        if not endless:
            # Known cardinality: fit then treats it like the plain dataset.
            steps = steps_per_epoch(len(images), batch_size)
            batches = batches.apply(tf.data.experimental.assert_cardinality(steps * local_replicas))
        return batches.prefetch(tf.data.AUTOTUNE)

    return strategy.distribute_datasets_from_function(dataset_fn)


def steps_per_epoch(num_samples: int, batch_size: int) -> int:
    """Batches in one epoch of `num_samples` (the last one may be short)."""
    return -(-num_samples // batch_size)


def _epoch_stream(images, labels, batch_size, seed, first_epoch) -> tf.data.Dataset:
    """Endless batches, epoch after epoch, starting at `first_epoch`.

    Epoch k takes the (2k)-th order of a seeded, reshuffling `tf.data`
    shuffle: the order `fit` (Keras 3.15) trains epoch k on when given the
    plain shuffled dataset, which opens a new iterator at the end of each
    epoch and another at the start of the next. Uninterrupted runs thus
    train on the same batches as before this stream existed (and reproduce
    earlier results); the orders are drawn on sample indices, and a stream
    resumed at epoch k skips k epochs of indices instead of replaying epoch
    0's order.
    """
    count = len(images)
    steps = steps_per_epoch(count, batch_size)

    def orders(_):
        # Built anew for every iterator of the stream, so the shuffle's
        # sequence restarts with it: an iterator opened and dropped before
        # training (Keras does so under a tf.distribute strategy, to build
        # the model) does not advance it.
        return (tf.data.Dataset.range(count)
                .shuffle(count, seed=seed, reshuffle_each_iteration=True)
                .batch(batch_size)
                .repeat()
                .enumerate()
                .filter(lambda batch, _: (batch // steps) % 2 == 0)
                .map(lambda _, index: index)
                .skip(first_epoch * steps))

    order = tf.data.Dataset.from_tensors(0).flat_map(orders)
    images, labels = tf.constant(images), tf.constant(labels)
    return order.map(lambda index: (tf.gather(images, index), tf.gather(labels, index)),
                     num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
