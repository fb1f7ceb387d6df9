"""Long training: the paper's AL2 schedule, the stable one, and Dropout alone.

Trains, per seed, the bare small CNN with AL2 under the paper's schedule
(`bare_al2_paper`), under `StableSchedule` with a bounded head
(`bare_al2_stable`), and Dropout 0.5 without AL2 (`dropout_no_al2`, the
comparison), on partly corrupted labels for longer than the paper's 700 epochs
(quick preset: 80 epochs = paper epoch 800). Writes per seed results.json and
epochs.csv; over seeds holding.md/.csv (does each AL2 variant hold, i.e. end
within 3 points of its own peak, and is its last-5 mean at or above Dropout's?), seeds.md/.json/.csv,
seeds.png (test accuracy, L_r) and weights.png (AL2 weight, L_c).

Run: python examples/stable_schedule.py --seeds 0,1,2 [--scaling reference] [--resume]
"""

import argparse
import dataclasses
import os

from al2_keras import arguments, atomic, cli, reports, results, training
from al2_keras.head_bound import DEFAULT_MAX_NORM

REFERENCE = "dropout_no_al2"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=arguments.int_list, default=[0, 1, 2], metavar="S1,S2,...")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run of the same --run")
    cli.add_data_flags(parser)
    cli.add_protocol_flags(parser)
    cli.add_output_flags(parser)
    parser.set_defaults(epochs=80)
    return parser.parse_args()


def variants(args) -> dict:
    """Name -> `training.Variant`: the paper's schedule, the stable one (head bounded), Dropout alone."""
    if args.schedule != "paper":
        arguments.fail("--schedule is not an option here: this script runs both schedules.")
    paper = dataclasses.replace(cli.protocol_from_args(args, training.quick_protocol), head_max_norm=None)
    # The flags' stable protocol: the preset's time scale, the head bounded (--head-max-norm, "initial" here).
    stable = cli.protocol_from_args(argparse.Namespace(**{**vars(args), "schedule": "stable"}),
                                    training.quick_protocol)
    stable = dataclasses.replace(stable, head_max_norm=stable.head_max_norm or DEFAULT_MAX_NORM)
    return {"bare_al2_paper": training.Variant(paper, "bare"),
            "bare_al2_stable": training.Variant(stable, "bare"),
            REFERENCE: training.Variant(paper, "dropout", al2=False)}


def main():
    args = parse_args()
    arms = variants(args)  # flag errors before any work
    out = os.path.join(args.runs_dir, args.run or "stable_schedule")
    if not args.resume:
        cli.refuse_existing(out, hint="choose another --run, or --resume an interrupted run")
    elif not os.path.isdir(out):
        arguments.fail(f"--resume found no run in {out}.")
    by_seed = training.run_variants(arms, args.seeds, out, prepare=cli.prepare_or_fail, describe=cli.describe)
    rows = results.holding(by_seed, REFERENCE)
    table = reports.holding_table(rows, REFERENCE)
    atomic.write_text(os.path.join(out, "holding.md"), table + "\n")
    atomic.write_text(os.path.join(out, "holding.csv"), reports.csv_text(rows))
    statistics = results.seed_statistics(by_seed)
    results.write_seed_statistics(out, statistics)
    print("\n" + table + "\n\n" + reports.write_seed_report(out, statistics, by_seed))
    reports.plot_weights(by_seed, os.path.join(out, "weights.png"))
    print(f"\nWrote holding.md/.csv, seeds.md/.json/.csv, seeds.png, weights.png to {out}")


if __name__ == "__main__":
    main()
