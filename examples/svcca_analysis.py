"""The paper's Figure 1: how similar are representations that differ only in their initialization?

As the reference's analysis (`code/evaluate.py`): per condition (without and
with AL2), 4 instances share the data subset, the noisy labels and the batch
order and differ only in their initial weights; the trunk output after the
second pool (4x4x50) is recorded on all 10,000 test images (160,000
datapoints x 50 channels) at checkpoints that reach the late, strong-weight
phase of the schedule; every pair within a condition (6 pairs) is compared with
mean CCA, SVCCA (K=10), PWCCA (epsilon 1e-10) and linear CKA, and the first
instance with uniform noise (the chance level). The quick protocol compresses
the schedule ten-fold in time: epoch k stands for the paper's epoch 10 k, so
checkpoints 1, 11, ..., 51 stand for the reference's 1, 101, ..., 501.
Writes similarity.csv (every pair), summary.csv/.md (mean, std, min, max over
pairs, the noise control) and similarity.png.

Run: python examples/svcca_analysis.py            (the reference's protocol, ~20 min on 2 CPU cores)
The earlier, lighter settings: --instances 2 --probe-images 2000 --keep 20 --epochs 20 --snapshots 1,5,10,20
"""

import argparse
import dataclasses
import os

from al2_keras.experiments import analysis, arguments, atomic, cli, distribute, reports, training

# The representation compared: the small CNN's last convolution block, as the reference's evaluate.py.
RECORDED_LAYER = "pool2"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=arguments.positive_int, default=4,
                        help="instances per condition, differing only in initial weights (>= 2)")
    parser.add_argument("--snapshots", type=arguments.epoch_list, default=[1, 11, 21, 31, 41, 51],
                        help="epochs at which to compare (default: the reference's 1, 101, ..., 501, compressed)")
    parser.add_argument("--probe-images", type=arguments.positive_int, default=None,
                        help="test images the representations are recorded on (default: all; x16 positions)")
    parser.add_argument("--keep", type=arguments.positive_int, default=10, help="SVCCA directions kept (K)")
    cli.add_data_flags(parser)
    cli.add_protocol_flags(parser)
    cli.add_output_flags(parser, output="runs/svcca_analysis")
    cli.add_strategy_flag(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    if args.instances < 2:
        arguments.fail("--instances must be at least 2 (pairs are compared).")
    strategy = cli.strategy_or_fail(args.strategy)
    chief = distribute.is_chief()  # only the chief writes
    if chief:
        cli.refuse_existing(args.output, hint="choose another --output")
    base = cli.protocol_from_args(args, training.quick_protocol)
    if args.epochs is None:
        base = dataclasses.replace(base, epochs=max(args.snapshots))
    snapshots = sorted(e for e in args.snapshots if e <= base.epochs)
    if not snapshots:
        arguments.fail(f"no --snapshots epoch is within --epochs {base.epochs}.")
    prepared = cli.prepare_or_fail(base)  # one subset, one set of noisy labels, one batch order
    probe = prepared.x_test[: args.probe_images]
    model = training.build_model(base, prepared.x_train.shape[1:], prepared.num_classes)  # for its shapes only
    try:
        analysis.check_comparable(model, RECORDED_LAYER, len(probe), args.keep)
    except ValueError as error:  # the library names the counts; the script names its flags
        arguments.fail(f"{error} Here: --probe-images, --keep or --model (the analysis records the model's "
                       f"{RECORDED_LAYER}).")
    print(cli.describe(base, prepared) + f"; probe: {len(probe)} test images; snapshots {snapshots}")
    rows = []
    for label, use_al2 in (("without AL2", False), ("with AL2", True)):
        runs = []
        for instance in range(args.instances):
            recorder = analysis.FeatureSnapshots(RECORDED_LAYER, probe, snapshots)
            print(f"Training {label}, instance {instance} (init seed {base.seed + 1 + instance}), "
                  f"{base.epochs} epochs ...", flush=True)
            training.train_variant(
                dataclasses.replace(base, init_seed=base.seed + 1 + instance), prepared, al2=use_al2,
                strategy=strategy, callbacks=[recorder, training.EpochPrinter(f"{label} i{instance}")])
            runs.append(recorder.snapshots)
        for row in analysis.similarity_across_runs(runs, keep=args.keep, seed=base.seed):
            rows.append({"variant": label, **row})
            print(f"{label:>12} epoch {row['epoch']:>3} {row['pair']:>10}: "
                  + " ".join(f"{m}={row[m]:.4f}" for m in analysis.MEASURES), flush=True)
    if not chief:
        return
    summary = [{"variant": variant, **stats} for variant in ("without AL2", "with AL2")
               for stats in analysis.pair_statistics([r for r in rows if r["variant"] == variant])]
    atomic.write_text(os.path.join(args.output, "similarity.csv"),
                      reports.csv_text(rows, ["variant", "epoch", "pair", *analysis.MEASURES]))
    atomic.write_text(os.path.join(args.output, "summary.csv"), reports.csv_text(summary))
    table = reports.similarity_summary_table(summary, analysis.MEASURES)
    atomic.write_text(os.path.join(args.output, "summary.md"),
                      f"{args.instances} instances per condition ({summary[0]['pairs']} pairs), "
                      f"{len(probe)} test images, SVCCA K={args.keep}; mean ± std (ddof 0) over pairs "
                      f"[min, max]; noise: instance 0 vs uniform noise.\n\n{table}\n")
    reports.plot_similarity(summary, analysis.MEASURES, os.path.join(args.output, "similarity.png"))
    print("\n" + table + f"\n\nWrote similarity.csv, summary.csv, summary.md, similarity.png in {args.output}")


if __name__ == "__main__":
    main()
