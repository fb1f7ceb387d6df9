"""Named variants trained over seeds: the loop, resume and results layout that comparison scripts share."""

import dataclasses
import os
import shutil
from typing import Callable, Dict, Mapping, Optional, Sequence

from al2_keras import results
from al2_keras.results import variant_name
from al2_keras.training.protocol import BASELINES, Protocol

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
) -> Dict[int, Dict[str, dict]]:
    """Trains every variant for every seed; resumes whatever an earlier call left unfinished.

    Seed `s` is written to `<directory>/seed_<s>/` (`results.write_run`:
    `results.json` with each variant's protocol, and `epochs.csv`); while it
    trains, its state (finished variants, the unfinished one's backup) is in
    `seed_<s>/state/` and a new call with the same arguments continues from
    there. A seed whose `results.json` exists is loaded, not trained again.
    Variants of one seed that share their data fields (`DATA_FIELDS`) share
    one prepared dataset.

    Args:
        variants: Name -> `Variant`; the names key every results file.
        seeds: Seeds to train.
        directory: The run's directory (created if needed).
        prepare: `protocol -> datasets.PreparedData`; defaults to
            `training.prepare_data`.
        describe: `(protocol, prepared) -> str` for one progress line per
            variant; none printed if None.

    Returns:
        Seed -> variant name -> {"baseline", "al2", "history"} (the runner's
        per-epoch numbers; `baseline` is the variant's name).
    """
    if not variants:
        raise ValueError("`variants` is empty: name at least one Variant to train.")
    if not seeds:
        raise ValueError("`seeds` is empty: give at least one seed.")
    from al2_keras.training import runner  # needs TensorFlow

    prepare = prepare or runner.prepare_data
    by_seed = {}
    for seed in seeds:
        out = os.path.join(directory, f"seed_{seed}")
        if os.path.exists(os.path.join(out, results.RESULTS_FILE)):
            print(f"\n##### seed {seed}: finished earlier, loaded from {out}", flush=True)
            by_seed[seed] = results.read_run(out)
            continue
        runs, settings, prepared_by_data = {}, {}, {}
        for name, variant in variants.items():
            protocol = dataclasses.replace(variant.protocol, seed=seed)
            key = tuple(getattr(protocol, field) for field in DATA_FIELDS)
            if key not in prepared_by_data:
                prepared_by_data[key] = prepare(protocol)
            prepared = prepared_by_data[key]
            if describe:
                print(f"\n##### seed {seed}, {name}: {describe(protocol, prepared)}", flush=True)
            trained = variant_name(variant.baseline, variant.al2)
            run = runner.run_label_randomization(
                protocol, prepared, baselines=[variant.baseline], variants=[trained],
                state_dir=os.path.join(out, "state", name))[trained]
            runs[name], settings[name] = {**run, "baseline": name}, protocol.settings()
        results.write_run(out, settings, runs)
        shutil.rmtree(os.path.join(out, "state"))
        by_seed[seed] = runs
    return by_seed
