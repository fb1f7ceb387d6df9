"""Seed parity: Table 1's eight variants trained by the PyTorch transcription and by al2_keras.

Each framework trains with its own initialization (PyTorch's default on the
transcription, Keras's on the port), its own batch order and its own label
corruption (the reference's `get_wrong_targets` on one side, `al2_keras`'s
`corrupt_labels` on the other), on the same seeded training subset and
protocol (`--preset quick`: 5,000 Fashion-MNIST images, 75% corrupted,
SGD 0.01/0.9, 40 epochs, the paper's schedule ten-fold compressed). For
every variant the final and last-5 test accuracy, L_c, L_r and the share of
corrupted labels memorized are set side by side, mean and sample standard
deviation (ddof 1) over seeds, with Welch's t-test p-value for each
difference.

The port's side is read from runs of `examples/label_randomization.py
--seeds ...` (`--ours DIR ...`, later directories overriding earlier ones
variant by variant); the transcription is trained here.

Run: python benchmarks/seed_parity.py --seeds 0,1,2 --ours RUN_DIR --out DIR
"""

import argparse
import json
import os
import time
from typing import Optional, Sequence

import numpy as np
import torch
import torch_reference as reference
from provenance import provenance
from scipy import stats

from al2_keras.experiments import datasets, results
from al2_keras.experiments.results import variant_name
from al2_keras.experiments.training.protocol import BASELINES, Protocol, quick_protocol

QUANTITIES = {
    "final_test_accuracy": ("final test acc %", 100),
    "last_epochs_test_accuracy": ("last-5 test acc %", 100),
    "final_cross_entropy": ("final L_c", 1),
    "final_activation_loss": ("final L_r", 1),
    "final_memorized": ("memorized %", 100),
}


def reference_data(protocol: Protocol, data: datasets.ImageData) -> tuple:
    """The protocol's training subset as the transcription sees it: `(x, labels, changed, x_test)`.

    The same seeded subset as the port's (`datasets.subset_indices`), the
    reference's label corruption and normalization, NCHW tensors.
    """
    index = datasets.subset_indices(len(data.x_train), protocol.train_size, protocol.seed)
    labels, changed = reference.wrong_targets(data.y_train[index], protocol.corrupt, data.num_classes,
                                              np.random.RandomState(protocol.seed))
    return (reference.to_tensor(data.x_train[index], data.name, protocol.scaling), labels, changed,
            reference.to_tensor(data.x_test, data.name, protocol.scaling))


def train_reference(protocol: Protocol, data: datasets.ImageData, baseline: str, al2: bool) -> dict:
    """Trains the transcription on the protocol's subset; returns a per-epoch history.

    The history has the keys of `al2_keras`'s runner (`val_accuracy` as a
    fraction, `cross_entropy` and `activation_loss` as per-sample epoch
    means, `memorized`, `al2_weight`), so `results.seed_statistics` reads
    both sides alike.
    """
    options = BASELINES[baseline]
    seed = protocol.seed
    x, labels, changed, x_test = reference_data(protocol, data)
    y = torch.from_numpy(labels)
    y_test = torch.from_numpy(np.asarray(data.y_test).astype(np.int64))
    torch.manual_seed(seed)
    width = ((x.shape[2] - 4) // 2 - 4) // 2
    net = reference.ReferenceSmallNet(x.shape[1], data.num_classes, width, options.get("batch_norm", False),
                                      options.get("dropout", 0.0))
    optimizer = reference.make_optimizer(net, protocol.learning_rate, protocol.momentum,
                                         options.get("weight_decay", 0.0))
    weights = reference.compressed_map_weights(protocol.epochs, protocol.time_scale, al2)
    batches = reference.loader(x, y, protocol.batch_size, seed=seed)
    history = {key: [] for key in ("val_accuracy", "cross_entropy", "activation_loss", "memorized", "al2_weight")}
    for epoch in range(protocol.epochs):
        weight = weights[epoch]
        steps = reference.train_epoch(net, optimizer, batches, weight)
        sizes = [step["size"] for step in steps]
        test = reference.evaluate(net, x_test, y_test)
        predicted = reference.predict(net, x)
        history["val_accuracy"].append(test["accuracy"] / 100)
        for key in ("cross_entropy", "activation_loss"):
            history[key].append(float(np.average([step[key] for step in steps], weights=sizes)))
        history["memorized"].append(float(np.mean(predicted[changed] == labels[changed])))
        history["al2_weight"].append(weight)
    return history


def reference_seed(protocol: Protocol, data: datasets.ImageData, baselines: Sequence[str]) -> dict:
    """Every variant of one seed, in `run_label_randomization`'s layout."""
    run = {}
    for baseline in baselines:
        for al2 in (False, True):
            start = time.perf_counter()
            history = train_reference(protocol, data, baseline, al2)
            run[variant_name(baseline, al2)] = {"baseline": baseline, "al2": al2, "history": history}
            print(f"seed {protocol.seed} {variant_name(baseline, al2)}: final test "
                  f"{100 * history['val_accuracy'][-1]:.2f}% ({time.perf_counter() - start:.0f} s)", flush=True)
    return run


def read_ours(directories: Sequence[str], seeds: Sequence[int]) -> dict:
    """Seed -> variant -> run, from `label_randomization.py --seeds` runs (later directories win)."""
    ours = {seed: {} for seed in seeds}
    for directory in directories:
        for seed in seeds:
            path = os.path.join(directory, f"seed_{seed}_results.json")
            if not os.path.exists(path):
                path = os.path.join(directory, f"seed_{seed}", results.RESULTS_FILE)
            with open(path) as f:
                ours[seed].update(json.load(f)["results"])
    return ours


def welch(ours: Sequence[float], theirs: Sequence[float]) -> float:
    """Welch's two-sided t-test p-value (1.0 when both sides are constant and equal)."""
    if np.ptp(ours) == 0 and np.ptp(theirs) == 0:
        return 1.0 if ours[0] == theirs[0] else 0.0
    return float(stats.ttest_ind(ours, theirs, equal_var=False).pvalue)


def comparison(ours: dict, theirs: dict) -> list:
    """One row per variant and quantity: both sides' spreads, the difference and Welch's p."""
    rows = []
    for name, quantities in theirs["variants"].items():
        for quantity, (label, scale) in QUANTITIES.items():
            a, b = ours["variants"][name][quantity], quantities[quantity]
            rows.append({"variant": name, "quantity": label, "al2_keras": [scale * v for v in a["values"]],
                         "reference": [scale * v for v in b["values"]],
                         "difference": scale * (a["mean"] - b["mean"]), "welch_p": welch(a["values"], b["values"]),
                         "more_than_one_std_apart": abs(a["mean"] - b["mean"]) > max(a["std"], b["std"])})
    return rows


def effect_rows(ours: dict, theirs: dict) -> list:
    """Per baseline, AL2's effect (with - without, points) on each side, final and last-5, per seed."""
    rows = []
    for baseline in theirs["effects"]:
        for quantity, label in (("final_difference", "final"), ("last_epochs_difference", "last-5")):
            a, b = ours["effects"][baseline][quantity], theirs["effects"][baseline][quantity]
            rows.append({"baseline": baseline, "quantity": label, "al2_keras": [100 * v for v in a["values"]],
                         "reference": [100 * v for v in b["values"]], "welch_p": welch(a["values"], b["values"])})
    return rows


def effects_markdown(rows: list) -> str:
    lines = ["| baseline | AL2's effect (points) | al2_keras: mean ± std (per seed) | "
             "reference: mean ± std (per seed) | Welch p |", "|---|---|---|---|---|"]
    for row in rows:
        sides = [f"{_spread(np.asarray(row[side]))} ({' / '.join(f'{v:+.1f}' for v in row[side])})"
                 for side in ("al2_keras", "reference")]
        lines.append(f"| {row['baseline']} | {row['quantity']} | {sides[0]} | {sides[1]} | {row['welch_p']:.2f} |")
    return "\n".join(lines) + "\n"


def _spread(values: np.ndarray) -> str:
    return f"{values.mean():.3g} ± {values.std(ddof=1):.2g}" if len(values) > 1 else f"{values.mean():.3g}"


def markdown(rows: list) -> str:
    lines = ["| variant | quantity | al2_keras mean ± std | reference mean ± std | difference | Welch p |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        a, b = np.asarray(row["al2_keras"]), np.asarray(row["reference"])
        lines.append(f"| {row['variant']} | {row['quantity']} | {_spread(a)} | {_spread(b)} | "
                     f"{row['difference']:+.3g} | {row['welch_p']:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds")
    parser.add_argument("--baselines", default=",".join(BASELINES), help="comma-separated baselines")
    parser.add_argument("--scaling", default=None, choices=datasets.SCALINGS, help="override the preset's")
    parser.add_argument("--ours", nargs="+", required=True, help="label_randomization.py run directories")
    parser.add_argument("--data-dir", default=None, help="Fashion-MNIST IDX files (found by itself if None)")
    parser.add_argument("--reference-runs", default=None,
                        help="a seed_parity.json whose transcription runs to reuse instead of training")
    parser.add_argument("--out", required=True, help="output directory (must not exist)")
    args = parser.parse_args(argv)
    if os.path.exists(args.out):
        parser.error(f"--out {args.out} exists; name a new directory (nothing is overwritten).")
    origin = provenance("seed_parity.py", argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    baselines = args.baselines.split(",")
    ours = read_ours(args.ours, seeds)  # read first: a missing run fails before any training
    overrides = {"scaling": args.scaling} if args.scaling else {}
    data = datasets.load("fashion_mnist", data_dir=args.data_dir)
    trained_by = None
    if args.reference_runs:
        with open(args.reference_runs) as f:
            saved = json.load(f)
        trained_by = saved["provenance"].get("reference_runs_trained_by", saved["provenance"])
        theirs = {seed: {name: run for name, run in saved["reference_runs"][str(seed)].items()
                         if run["baseline"] in baselines} for seed in seeds}
    else:
        theirs = {seed: reference_seed(quick_protocol(seed=seed, **overrides), data, baselines) for seed in seeds}
    wanted = {seed: {name: ours[seed][name] for name in theirs[seed]} for seed in seeds}
    ours_statistics, theirs_statistics = results.seed_statistics(wanted), results.seed_statistics(theirs)
    rows = comparison(ours_statistics, theirs_statistics)
    effects = effect_rows(ours_statistics, theirs_statistics)
    os.makedirs(args.out)
    origin.update(data=data.source, protocol=quick_protocol(**overrides).settings(), ours=args.ours,
                  **({"reference_runs_trained_by": trained_by} if trained_by else {}))
    with open(os.path.join(args.out, "seed_parity.json"), "w") as f:
        json.dump({"provenance": origin, "rows": rows, "effects": effects, "reference_runs": theirs}, f, indent=1)
    with open(os.path.join(args.out, "provenance.json"), "w") as f:
        json.dump(origin, f, indent=1)
    text = (f"Seeds {seeds}; mean ± sample standard deviation (ddof 1); Welch's t-test p-value per difference "
            f"(`{origin['command']}`).\n\n{markdown(rows)}\nAL2's effect, with - without AL2, per side:\n\n"
            f"{effects_markdown(effects)}")
    with open(os.path.join(args.out, "seed_parity.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
