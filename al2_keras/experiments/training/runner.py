"""The runner: prepares a protocol's data, trains its variants and seeds, resumes."""

import os
from typing import Any, Optional, Sequence

import keras

from al2_keras.callbacks import AL2Scheduler
from al2_keras.experiments import atomic, datasets, distribute
from al2_keras.experiments.results import variant_name
from al2_keras.experiments.training.build import build_model, compile_for_protocol
from al2_keras.experiments.training.callbacks import (
    EpochJournal,
    FiniteLoss,
    SaveAtEpochs,
    TrainingSetAccuracy,
    read_journal,
)
from al2_keras.experiments.training.protocol import BASELINES, Protocol
from al2_keras.optional import require

tf = require("tensorflow", "al2_keras.experiments.training")


def prepare_data(
    protocol: Protocol,
    images: Optional[datasets.ImageData] = None,
    validation_size: int = 0,
    noisy_validation: bool = False,
) -> datasets.PreparedData:
    """Loads the protocol's dataset and prepares it with `datasets.prepare`.

    Args:
        protocol: The experiment protocol (dataset, subset, noise, scaling,
            seed, shrinking, rotations, image size).
        images: Already loaded data; loaded with `datasets.load` if None.
        validation_size: Images carved from the training set, before label
            noise, for selection (the tuner); 0 for none (the runner).
        noisy_validation: Corrupt the validation labels too.
    """
    if images is None:
        images = datasets.load(protocol.dataset, data_dir=protocol.data_dir)
    return datasets.prepare(
        images, corrupt=protocol.corrupt, train_size=protocol.train_size, seed=protocol.seed,
        scaling=protocol.scaling, validation_size=validation_size, noisy_validation=noisy_validation,
        shrink_percent=protocol.shrink_percent, rotations=protocol.rotations,
        image_size=protocol.image_size)


def train_variant(
    protocol: Protocol,
    prepared: datasets.PreparedData,
    al2: bool,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int = 0,
    strategy: Optional[tf.distribute.Strategy] = None,
    backup_dir: Optional[str] = None,
    until_epoch: Optional[int] = None,
    **model_options: Any,
) -> tuple:
    """Trains the protocol's model on the noisy labels, testing on clean labels.

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
        until_epoch: If set (with `backup_dir`), train through this epoch
            of the protocol and pause there: the backup is kept, and a later
            call continues to `protocol.epochs` exactly as an uninterrupted
            run (the protocol, the schedule and the batch order are those of
            the whole run).
        **model_options: The baseline's builder options (`BASELINES`).

    Returns:
        `(model, history)`: the trained model and `History.history`, whose
        `val_accuracy` is the test accuracy on clean test labels.
    """
    pauses = until_epoch is not None and until_epoch < protocol.epochs
    if pauses and not backup_dir:
        raise ValueError(f"Pausing at epoch {until_epoch} needs a `backup_dir` to keep the state in; without one "
                         "the run could not continue. Pass `backup_dir` (the runner's `state_dir`).")
    if until_epoch is not None and until_epoch < 1:
        raise ValueError(f"`until_epoch` must be an epoch >= 1. Received: until_epoch={until_epoch}")
    keras.utils.set_random_seed(protocol.seed if protocol.init_seed is None else protocol.init_seed)
    schedule = protocol.weight_schedule()
    strategy = strategy or tf.distribute.get_strategy()
    steps = datasets.steps_per_epoch(len(prepared.x_train), protocol.batch_size)
    with strategy.scope():
        model = build_model(protocol, prepared.x_train.shape[1:], prepared.num_classes,
                            al2_weight=schedule(0) if al2 else 0.0, **model_options)
        compile_for_protocol(model, protocol, steps_per_epoch=steps)
    if protocol.init_seed is not None:
        # TensorFlow combines the global seed with the shuffle's own: reseed
        # so that the batch order depends on `seed` alone, as without init_seed.
        keras.utils.set_random_seed(protocol.seed)
    all_callbacks = [FiniteLoss(), *callbacks]
    scheduler = AL2Scheduler(schedule) if al2 else None
    if scheduler:
        all_callbacks.insert(0, scheduler)
    first_epoch = 0
    if backup_dir:
        # Last, so that an epoch is backed up only after every other
        # callback (saves, journals) has finished with it. The weights,
        # epoch and what the schedule learned are restored in
        # on_train_begin, before any epoch starts.
        backup = distribute.BackupAndRestore(backup_dir, stateful=[scheduler] if scheduler else [],
                                             delete_checkpoint=not pauses)
        first_epoch = backup.restore_epoch()
        all_callbacks.append(backup)
    # An endless stream of epochs whose orders depend on (seed, epoch) only:
    # a run resumed at epoch k trains on the batches of an uninterrupted run.
    train = datasets.make_dataset(
        prepared.x_train, prepared.noisy.labels, protocol.batch_size,
        shuffle=True, seed=protocol.seed, strategy=strategy, first_epoch=first_epoch,
    )
    test = datasets.make_dataset(prepared.x_test, prepared.y_test, 1024)
    if protocol.mixup_alpha is not None:
        if not isinstance(train, tf.data.Dataset):
            raise ValueError("mixup is not available under a multi-worker strategy; "
                             "use one machine (default or mirrored strategy).")
        train = datasets.mixup(train, protocol.mixup_alpha, prepared.num_classes, seed=protocol.seed,
                               first_batch=first_epoch * steps)
        test = test.map(lambda x, y: (x, tf.one_hot(y, prepared.num_classes)))
    history = model.fit(
        train, validation_data=test, epochs=until_epoch if pauses else protocol.epochs, steps_per_epoch=steps,
        callbacks=all_callbacks, verbose=verbose, shuffle=False,
    )
    return model, history.history


def run_label_randomization(
    protocol: Protocol,
    prepared: datasets.PreparedData,
    baselines: Sequence[str] = tuple(BASELINES),
    models_dir: Optional[str] = None,
    save_epochs: Sequence[int] = (),
    verbose: int = 2,
    strategy: Optional[tf.distribute.Strategy] = None,
    state_dir: Optional[str] = None,
    variants: Optional[Sequence[str]] = None,
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
        variants: If set, only these variants (`variant_name`, e.g.
            `["bare_al2", "dropout_no_al2"]`) of `baselines` are trained.

    Returns:
        Dict variant name -> {"baseline", "al2", "history"}, the history
        holding per epoch `val_accuracy` (test accuracy, clean labels),
        `cross_entropy` (L_c), `activation_loss` (L_r), `al2_weight`,
        `train_accuracy_noisy`, `train_accuracy_clean` and `memorized`.
    """
    unknown = [b for b in baselines if b not in BASELINES]
    if unknown:
        raise ValueError(f"Unknown baselines {unknown}; choose from {sorted(BASELINES)}.")
    names = [variant_name(b, al2) for b in baselines for al2 in (False, True)]
    unknown = sorted(set(variants or ()) - set(names))
    if unknown:
        raise ValueError(f"Unknown variants {unknown}; with these baselines, choose from {names}.")
    results = {}
    for baseline in baselines:
        for al2 in (False, True):
            name = variant_name(baseline, al2)
            if variants is None or name in variants:
                results[name] = run_variant(protocol, prepared, name, baseline, al2, models_dir=models_dir,
                                            save_epochs=save_epochs, verbose=verbose, strategy=strategy,
                                            state_dir=state_dir)
    return results


def run_variant(
    protocol: Protocol,
    prepared: datasets.PreparedData,
    name: str,
    baseline: str,
    al2: bool,
    models_dir: Optional[str] = None,
    save_epochs: Sequence[int] = (),
    verbose: int = 2,
    strategy: Optional[tf.distribute.Strategy] = None,
    state_dir: Optional[str] = None,
    until_epoch: Optional[int] = None,
    training_set_every: int = 1,
) -> dict:
    """Trains one baseline without or with AL2 under the name `name`; resumes it from `state_dir`.

    What `run_label_randomization` and `run_variants` do for each variant:
    the per-epoch numbers of the training sets, models saved as
    `<models_dir>/<name>/epoch_<k>.keras`, and in `state_dir` the variant's
    epochs journaled (`<name>.epochs.jsonl`), its state backed up
    (`<name>.backup`) and, once finished, its numbers (`<name>.json`, which a
    later call loads instead of training). Only the chief writes files.
    With `until_epoch` below `protocol.epochs` (and a `state_dir`) it trains
    through that epoch and pauses: no finished file, the backup and journal
    kept, and `"paused_at"` in the result; a later call continues the run.
    The training-set accuracies (`memorized` among them) are measured every
    `training_set_every` epochs and at the last (NaN in between): one
    inference pass over the training set (at the reference's scale, on 2
    CPU cores, about a fifth of an epoch: 13-15 s against 11 s an epoch).

    Returns:
        {"baseline", "al2", "history"} (see `run_label_randomization`), and
        `"paused_at"` (the last epoch trained) when it paused, and
        `"scored_on"` (`datasets.scoring_description`) when `prepared` scores
        on a validation split (`datasets.score_on_validation`).
    """
    if baseline not in BASELINES:
        raise ValueError(f"Unknown baseline {baseline!r}; choose from {sorted(BASELINES)}.")
    if state_dir and distribute.is_chief():
        os.makedirs(state_dir, exist_ok=True)
    finished = os.path.join(state_dir, f"{name}.json") if state_dir else None
    if finished and os.path.exists(finished):
        print(f"\n=== {name}: finished earlier, loaded from {finished} ===", flush=True)
        return atomic.read_json(finished, "finished-variant file")
    print(f"\n=== {name} ===", flush=True)
    if isinstance(training_set_every, bool) or not isinstance(training_set_every, int) or training_set_every < 1:
        raise ValueError(f"`training_set_every` must be an integer >= 1. Received: {training_set_every!r}")
    measured = None if training_set_every == 1 else {
        *range(training_set_every, protocol.epochs + 1, training_set_every), protocol.epochs}
    callbacks = [TrainingSetAccuracy(prepared, epochs=measured)]
    if models_dir and save_epochs:
        callbacks.append(SaveAtEpochs(os.path.join(models_dir, name), save_epochs, overwrite=bool(state_dir)))
    journal = os.path.join(state_dir, f"{name}.epochs.jsonl") if state_dir else None
    if journal:
        callbacks.append(EpochJournal(journal))
    _, history = train_variant(
        protocol, prepared, al2=al2, callbacks=callbacks, verbose=verbose, strategy=strategy,
        backup_dir=os.path.join(state_dir, f"{name}.backup") if state_dir else None, until_epoch=until_epoch,
        **BASELINES[baseline])
    if journal and distribute.is_chief():
        history = read_journal(journal)
    if not al2:
        history["al2_weight"] = [0.0] * len(history["loss"])
    result = {"baseline": baseline, "al2": al2, "history": history}
    if prepared.scored_on != "test":  # `val_accuracy` is then the validation split's, and the result says so
        result["scored_on"] = datasets.scoring_description(prepared)
    if until_epoch is not None and until_epoch < protocol.epochs:
        return {**result, "paused_at": until_epoch}
    if finished and distribute.is_chief():
        atomic.write_json(finished, result)
    return result
