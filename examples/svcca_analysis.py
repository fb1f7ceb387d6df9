"""The paper's Figure 1: how similar are independently trained representations?

Trains the small CNN twice (two seeds) without AL2 and twice with AL2 under the
quick label-noise protocol (real Fashion-MNIST, 75% corrupted labels), records
the trunk's conv representation (4x4x50, before flattening) on fixed test
images at several epochs, and compares the two seeds with CCA, SVCCA, PWCCA and
linear CKA, against a random-representation baseline. Writes a CSV, a
Markdown table and a PNG plot of similarity against epoch.

Run: python examples/svcca_analysis.py [--epochs 20] [--probe-images 2000]
"""

import argparse
import dataclasses
import os

from al2_keras import analysis, arguments, atomic, cli, distribute, reports, training

MEASURES = ("cca", "svcca", "pwcca", "cka")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None, help="directory with the Fashion-MNIST IDX files")
    parser.add_argument("--epochs", type=arguments.positive_int, default=20)
    parser.add_argument("--snapshots", type=arguments.epoch_list, default=[1, 5, 10, 20],
                        help="comma-separated epochs at which to compare")
    parser.add_argument("--probe-images", type=arguments.positive_int, default=2000,
                        help="test images the representations are recorded on "
                             "(x16 positions = datapoints)")
    parser.add_argument("--train-size", type=arguments.positive_int, default=5000)
    parser.add_argument("--keep", type=arguments.positive_int, default=20, help="SVCCA directions kept")
    parser.add_argument("--output", default="runs/svcca_analysis",
                        help="output directory (must not exist)")
    distribute.add_strategy_argument(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    strategy = cli.strategy_or_fail(args.strategy)
    chief = distribute.is_chief()  # only the chief writes
    if chief:
        cli.refuse_existing(args.output, hint="choose another --output")
    snapshots = sorted(e for e in args.snapshots if e <= args.epochs)
    if not snapshots:
        arguments.fail(f"no --snapshots epoch is within --epochs {args.epochs}.")
    base = training.quick_protocol(data_dir=args.data_dir, epochs=args.epochs,
                                      train_size=args.train_size, seed=0)
    # Every run shares the data subset and the label noise (seed 0); the
    # seeds differ in initialization and shuffling only.
    prepared = cli.prepare_or_fail(base)
    probe = prepared.x_test[: args.probe_images]
    rows = []
    for label, use_al2 in (("without AL2", False), ("with AL2", True)):
        runs = []
        for seed in (0, 1):
            recorder = analysis.FeatureSnapshots("pool2", probe, snapshots)
            print(f"Training {label}, seed {seed}, {args.epochs} epochs ...", flush=True)
            training.train_variant(
                dataclasses.replace(base, seed=seed), prepared, al2=use_al2, strategy=strategy,
                callbacks=[recorder, training.EpochPrinter(f"{label} s{seed}")])
            runs.append(recorder.snapshots)
        for row in analysis.similarity_across_runs(runs, keep=args.keep):
            rows.append({"variant": label, **row})
            print(f"{label:>12} epoch {row['epoch']:>3} {row['pair']:>17}: "
                  + " ".join(f"{m}={row[m]:.4f}" for m in MEASURES), flush=True)

    if not chief:
        return
    columns = ["variant", "epoch", "pair", *MEASURES]
    csv_path = os.path.join(args.output, "similarity.csv")
    atomic.write_text(csv_path, reports.csv_text(rows, columns))
    table = reports.markdown_table(rows, columns)
    atomic.write_text(os.path.join(args.output, "similarity.md"), table + "\n")
    reports.plot_similarity(rows, MEASURES, os.path.join(args.output, "similarity.png"))
    print("\n" + table)
    print(f"\nWrote {csv_path}, similarity.md and similarity.png in {args.output}")


if __name__ == "__main__":
    main()
