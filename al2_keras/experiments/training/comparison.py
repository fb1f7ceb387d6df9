"""Named variants trained over seeds: the loop, resume and results layout that comparison scripts share."""

import dataclasses
import os
import shutil
from typing import Any, Callable, Dict, Mapping, Optional, Sequence

from al2_keras.experiments import results
from al2_keras.experiments.training.protocol import BASELINES, Protocol

# The protocol fields that decide the prepared data (everything else is training).
DATA_FIELDS = ("dataset", "data_dir", "train_size", "corrupt", "scaling", "seed", "shrink_percent", "rotations",
               "image_size")


@dataclasses.dataclass(frozen=True)
class Variant:
    """One arm of a comparison: a protocol, a baseline of `BASELINES`, with or without AL2.

    Attributes:
        protocol: The protocol (its seed is replaced by each seed of the run).
        baseline: A key of `BASELINES` ("bare", "bn", "dropout", "weight_decay").
        al2: Train with AL2 (the protocol's schedule) or with the layer at weight 0.
    """

    protocol: Protocol
    baseline: str = "bare"
    al2: bool = True

    def __post_init__(self):
        if self.baseline not in BASELINES:
            raise ValueError(f"`baseline` must be one of {sorted(BASELINES)}. Received: baseline={self.baseline!r}")


def run_variants(
    variants: Mapping[str, Variant],
    seeds: Sequence[int],
    directory: str,
    prepare: Optional[Callable] = None,
    describe: Optional[Callable] = None,
    models_dir: Optional[str] = None,
    save_epochs: Sequence[int] = (),
    strategy: Any = None,
    seed_directories: bool = True,
    on_seed_end: Optional[Callable[[int, str, Dict[str, dict]], None]] = None,
    verbose: int = 2,
    until_epoch: Optional[int] = None,
    training_set_every: int = 1,
) -> Dict[int, Dict[str, dict]]:
    """Trains every variant for every seed; resumes whatever an earlier call left unfinished.

    Seed `s` is written to `<directory>/seed_<s>/` (`results.write_run`:
    `results.json` and `epochs.csv`); while it trains, its state (finished
    variants, the unfinished one's backup) is in `seed_<s>/state/` and a new
    call with the same arguments continues from there. A seed whose
    `results.json` exists is loaded, not trained again. Variants of one seed
    that share their data fields (`DATA_FIELDS`) share one prepared dataset.

    When every variant has the same protocol (they differ by baseline and
    AL2 alone, as Table 1's), each run's `baseline` is its variant's, so
    `results.seed_statistics` pairs the runs without and with AL2 into AL2's
    effects, and `results.json` holds that one protocol's settings.
    Otherwise each run's `baseline` is its name (no pairing) and
    `results.json` holds each variant's settings.

    Under a multi-worker strategy every worker trains; only the chief
    writes (results, models, reports).

    Args:
        variants: Name -> `Variant`; the names key every results file.
        seeds: Seeds to train.
        directory: The run's directory (created if needed).
        prepare: `protocol -> datasets.PreparedData`; defaults to
            `training.prepare_data`.
        describe: `(protocol, prepared) -> str`, printed with the first
            variant of each seed it describes differently; None: names only.
        models_dir: If set, models are saved as
            `<models_dir>/seed_<s>/<name>/epoch_<k>.keras` after `save_epochs`.
        save_epochs: 1-based epochs at which to save.
        strategy: A `tf.distribute` strategy (`train_variant`); None: the
            current one.
        seed_directories: False for a run of one seed written into
            `directory` itself (and models into `models_dir/<name>/`).
        on_seed_end: `(seed, seed_directory, runs) -> None`, called on the
            chief when a seed has trained, before its `results.json` marks it
            finished (a script's per-seed views).
        verbose: Keras progress output (2: one line per epoch).
        until_epoch: If set, train every variant through this epoch and
            pause (`runner.run_variant`): the seed's state stays in
            `seed_<s>/state/` (its epochs in `<name>.epochs.jsonl`), no
            `results.json` is written, and a later call continues the run to
            the protocol's last epoch (or to a later pause).
        training_set_every: Measure the training-set accuracies (the
            memorized share) every this many epochs and at the last
            (`runner.run_variant`); 1: every epoch.

    Returns:
        Seed -> variant name -> {"baseline", "al2", "history"} (the runner's
        per-epoch numbers).
    """
    if not variants:
        raise ValueError("`variants` is empty: name at least one Variant to train.")
    if not seeds:
        raise ValueError("`seeds` is empty: give at least one seed.")
    if not seed_directories and len(seeds) != 1:
        raise ValueError(f"`seed_directories=False` writes one seed into `directory`. Received: seeds={seeds}")
    from al2_keras.experiments import distribute  # needs TensorFlow
    from al2_keras.experiments.training import runner

    prepare = prepare or runner.prepare_data
    protocols = [variant.protocol for variant in variants.values()]
    shared = all(protocol == protocols[0] for protocol in protocols)
    by_seed = {}
    for seed in seeds:
        out, models = directory, models_dir
        if seed_directories:
            out = os.path.join(directory, f"seed_{seed}")
            models = os.path.join(models_dir, f"seed_{seed}") if models_dir else None
        if os.path.exists(os.path.join(out, results.RESULTS_FILE)):
            print(f"\n##### seed {seed}: finished earlier, loaded from {out}", flush=True)
            by_seed[seed] = results.read_run(out)
            continue
        runs, settings, prepared_by_data, described = {}, {}, {}, set()
        for name, variant in variants.items():
            protocol = dataclasses.replace(variant.protocol, seed=seed)
            key = tuple(getattr(protocol, field) for field in DATA_FIELDS)
            if key not in prepared_by_data:
                prepared_by_data[key] = prepare(protocol)
            prepared = prepared_by_data[key]
            line = describe(protocol, prepared) if describe else ""
            print(f"\n##### seed {seed}, {name}" + (f": {line}" if line and line not in described else ""), flush=True)
            described.add(line)
            run = runner.run_variant(protocol, prepared, name, variant.baseline, variant.al2, models_dir=models,
                                     save_epochs=save_epochs, verbose=verbose, strategy=strategy,
                                     state_dir=os.path.join(out, "state"), until_epoch=until_epoch,
                                     training_set_every=training_set_every)
            runs[name] = run if shared else {**run, "baseline": name}
            settings[name] = protocol.settings()
        if any("paused_at" in run for run in runs.values()):
            print(f"\n##### seed {seed}: paused at epoch {until_epoch}; its state is in {os.path.join(out, 'state')} "
                  "(continue with the same arguments and a later or no pause)", flush=True)
            by_seed[seed] = runs
            continue
        if distribute.is_chief():
            if on_seed_end:
                on_seed_end(seed, out, runs)
            results.write_run(out, settings[next(iter(settings))] if shared else settings, runs)
            shutil.rmtree(os.path.join(out, "state"))
        by_seed[seed] = runs
    return by_seed
