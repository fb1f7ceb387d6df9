"""The one schema of a run's results: per-epoch history, summaries, seed statistics.

A run's history maps each logged quantity to its per-epoch list: `val_accuracy`
(test accuracy on clean labels), `cross_entropy` (L_c), `activation_loss`
(L_r), `al2_weight`, and with `training.TrainingSetAccuracy` the training
accuracy on noisy and clean labels and the share of corrupted labels
memorized. Results are written and read here only.
"""

import csv
import io
import os
from typing import Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

from al2_keras.experiments import atomic
from al2_keras.layers import ACTIVATION_LOSS_NAME

# The schema of a run's numbers, owned here: training writes it, reports view it.
# The training cross-entropy L_c's name in the logs (the loss itself may hold
# more terms: the AL2 penalty, weight decay).
CROSS_ENTROPY_NAME = "cross_entropy"


def variant_name(baseline: str, al2: bool) -> str:
    """`<baseline>_al2` or `<baseline>_no_al2`."""
    return f"{baseline}_{'al2' if al2 else 'no_al2'}"


def variant_parts(name: str) -> Tuple[str, bool]:
    """The inverse of `variant_name`: `(baseline, al2)`."""
    if name.endswith("_no_al2"):
        return name.removesuffix("_no_al2"), False
    if name.endswith("_al2"):
        return name.removesuffix("_al2"), True
    raise ValueError(f"A variant's name ends with '_al2' or '_no_al2'. Received: {name!r}")


RESULTS_FILE = "results.json"
# A multi-seed run's statistics over its seeds (`write_seed_statistics`).
SEEDS_FILE = "seeds.json"


def summarize(history: dict, last: int = 5) -> dict:
    """Final, last-`last`-epochs mean and peak test accuracy; final L_c, L_r.

    Also the final share of corrupted labels memorized (`final_memorized`)
    when the history records it (`TrainingSetAccuracy`).
    """
    missing = [key for key in ("val_accuracy", CROSS_ENTROPY_NAME, ACTIVATION_LOSS_NAME) if key not in history]
    if missing:
        raise ValueError(f"`history` lacks {missing}, which a summary needs: train with validation data (the "
                         f"test set: `val_accuracy`), the `{CROSS_ENTROPY_NAME}` metric and an AL2 layer "
                         f"(`{ACTIVATION_LOSS_NAME}`), as the runner does. Received keys: {sorted(history)}")
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


def epochs_csv(results: Mapping) -> str:
    """One CSV row per variant and epoch, one column per logged quantity."""
    rows = io.StringIO()
    keys = sorted({k for r in results.values() for k in r["history"]})
    writer = csv.writer(rows)
    writer.writerow(["variant", "baseline", "al2", "epoch", *keys])
    for name, r in results.items():
        for i in range(len(r["history"]["loss"])):
            writer.writerow([name, r["baseline"], r["al2"], i + 1,
                             *[r["history"].get(k, [None] * (i + 1))[i] for k in keys]])
    return rows.getvalue()


def write_run(directory: str, settings: Mapping, results: Mapping) -> None:
    """`epochs.csv`, then `results.json` (settings and every number), atomically.

    `results.json` is written last: its presence marks the run finished.
    """
    atomic.write_text(os.path.join(directory, "epochs.csv"), epochs_csv(results))
    atomic.write_json(os.path.join(directory, RESULTS_FILE), {"protocol": dict(settings), "results": results},
                      indent=1)


def scored_on(results_by_seed: Mapping) -> str:
    """What a comparison's accuracies were measured on: its runs' `"scored_on"`, else the test set."""
    from al2_keras.experiments.datasets.prepared import TEST_SET

    first = next(iter(next(iter(results_by_seed.values())).values()))
    return first.get("scored_on", TEST_SET)


def read_run(directory: str) -> dict:
    """The `results` of a finished run's `results.json` (ValueError if damaged)."""
    return atomic.read_json(os.path.join(directory, RESULTS_FILE), "results file")["results"]


def read_seed(directory: str, seed: int) -> dict:
    """The `results` of one seed of a multi-seed run, in either layout the project writes.

    A run writes `<directory>/seed_<s>/results.json`; a results folder under
    `saved_models/reference/` ships it flattened as `<directory>/seed_<s>_results.json`.
    """
    shipped = os.path.join(directory, f"seed_{seed}_results.json")
    if os.path.exists(shipped):
        return atomic.read_json(shipped, "results file")["results"]
    return read_run(os.path.join(directory, f"seed_{seed}"))


def largest_differences(ours: Mapping, theirs: Mapping) -> Dict[str, Dict[str, float]]:
    """Variant -> logged key -> largest absolute difference over the epochs, for every variant of `ours`.

    Raises:
        ValueError: `theirs` lacks a variant or a key of `ours`, or a series
            has another number of epochs.
    """
    differences = {}
    for name, run in ours.items():
        if name not in theirs:
            raise ValueError(f"{name!r} is not among the other run's variants {sorted(theirs)}.")
        differences[name] = {}
        for key, values in run["history"].items():
            other = theirs[name]["history"].get(key)
            if other is None or len(other) != len(values):
                raise ValueError(f"{name} {key}: {len(values)} epochs here, "
                                 f"{'none' if other is None else len(other)} in the other run.")
            differences[name][key] = float(np.max(np.abs(np.subtract(values, other)))) if values else 0.0
    return differences


def read_seeds(directory: str) -> Tuple[dict, Dict[int, dict]]:
    """`(statistics, results by seed)` of a finished multi-seed run: its `seeds.json` and every seed's results.

    Raises:
        FileNotFoundError: `directory` has no `seeds.json` (not a finished
            multi-seed run).
        ValueError: A file is damaged.
    """
    seeds_file = os.path.join(directory, SEEDS_FILE)
    if not os.path.exists(seeds_file):
        raise FileNotFoundError(f"{seeds_file} does not exist: {directory} is not a finished multi-seed run "
                                "(its seed statistics are written when its last seed has trained).")
    statistics = atomic.read_json(seeds_file, "seed statistics")
    return statistics, {seed: read_seed(directory, seed) for seed in statistics["seeds"]}


def seeds_csv(statistics: Mapping) -> str:
    """One CSV row per seed and variant with every summary quantity."""
    rows = io.StringIO()
    writer = csv.writer(rows)
    quantities = list(next(iter(statistics["variants"].values())))
    writer.writerow(["seed", "variant", *quantities])
    for index, seed in enumerate(statistics["seeds"]):
        for name, spreads in statistics["variants"].items():
            writer.writerow([seed, name, *[spreads[q]["values"][index] for q in quantities]])
    return rows.getvalue()


def write_seed_statistics(directory: str, statistics: Mapping) -> None:
    """`seeds.json` (every spread) and `seeds.csv` (per-seed summaries)."""
    atomic.write_json(os.path.join(directory, SEEDS_FILE), statistics, indent=1)
    atomic.write_text(os.path.join(directory, "seeds.csv"), seeds_csv(statistics))


def holding(results_by_seed: Mapping[int, dict], reference: Optional[str], tolerance: float = 0.03,
            last: int = 5) -> list:
    """Whether each variant holds its accuracy to the end of training, per seed.

    A run holds when its final test accuracy is within `tolerance` of its
    own peak (the one definition the project uses). Beside it, each row
    says whether the run's last-`last`-epochs mean is at or above the
    `reference` variant's (e.g. Dropout alone, or GCE) on the same seed;
    with `reference=None` those two columns are None.

    Returns:
        One dict per seed and variant (the reference excluded): `seed`,
        `variant`, `peak`, `peak_epoch`, `final`, `final_minus_peak`,
        `last_epochs`, `reference_last_epochs`, `holds`,
        `at_or_above_reference` (accuracies as fractions).
    """
    rows = []
    for seed in sorted(results_by_seed):
        runs = results_by_seed[seed]
        if reference is not None and reference not in runs:
            raise ValueError(f"Seed {seed} has no variant {reference!r} to compare with; it has {sorted(runs)}.")
        baseline = summarize(runs[reference]["history"], last)["last_epochs_test_accuracy"] if reference else None
        for name, run in runs.items():
            if name == reference:
                continue
            summary = summarize(run["history"], last)
            gap = summary["final_test_accuracy"] - summary["peak_test_accuracy"]
            rows.append({
                "seed": seed, "variant": name, "peak": summary["peak_test_accuracy"],
                "peak_epoch": summary["peak_epoch"], "final": summary["final_test_accuracy"],
                "final_minus_peak": gap, "last_epochs": summary["last_epochs_test_accuracy"],
                "reference_last_epochs": baseline,
                "holds": bool(gap >= -tolerance),
                "at_or_above_reference": None if baseline is None else bool(
                    summary["last_epochs_test_accuracy"] >= baseline),
            })
    return rows


def method_rows(statistics_by_method: Mapping[str, dict], baseline: str = "bare") -> list:
    """Per method and seed, `baseline`'s final and last-epochs test accuracy without and with AL2.

    `statistics_by_method` maps a method's name to its `seed_statistics`.
    """
    rows = []
    for method, statistics in statistics_by_method.items():
        without = statistics["variants"][variant_name(baseline, False)]
        with_al2 = statistics["variants"][variant_name(baseline, True)]
        for index, seed in enumerate(statistics["seeds"]):
            rows.append({
                "method": method, "seed": seed,
                "final_without_al2": without["final_test_accuracy"]["values"][index],
                "last_epochs_without_al2": without["last_epochs_test_accuracy"]["values"][index],
                "final_with_al2": with_al2["final_test_accuracy"]["values"][index],
                "last_epochs_with_al2": with_al2["last_epochs_test_accuracy"]["values"][index],
            })
    return rows
