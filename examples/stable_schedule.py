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

from al2_keras.experiments import arguments, cli, distribute, reports, training
from al2_keras.head_bound import DEFAULT_MAX_NORM

REFERENCE = "dropout_no_al2"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cli.add_comparison_flags(parser, epochs=80)
    return parser.parse_args()


def variants(args) -> dict:
    """Name -> `training.Variant`: the paper's schedule, the stable one (head bounded), Dropout alone."""
    if args.schedule is not None or args.schedule_options is not None:
        arguments.fail("--schedule and --schedule-options are not options here: this script runs both schedules "
                       "with their defaults.")
    flags = cli.protocol_from_args(args, training.quick_protocol)
    paper = dataclasses.replace(flags, head_max_norm=None)
    # The flags' time scale, the head bounded (--head-max-norm, "initial" here).
    stable = dataclasses.replace(flags, schedule="stable", head_max_norm=flags.head_max_norm or DEFAULT_MAX_NORM)
    return {"bare_al2_paper": training.Variant(paper, "bare"),
            "bare_al2_stable": training.Variant(stable, "bare"),
            REFERENCE: training.Variant(paper, "dropout", al2=False)}


def main():
    args = parse_args()
    arms = variants(args)  # flag errors before any work
    prepare = cli.scoring_prepare(args)
    out = cli.comparison_directory(args, "stable_schedule")
    strategy = cli.strategy_or_fail(args.strategy)
    by_seed = training.run_variants(arms, args.seeds, out, prepare=prepare, describe=cli.describe,
                                    strategy=strategy)
    if not distribute.is_chief():  # only the chief writes
        return
    print("\n" + reports.write_comparison_report(out, by_seed, REFERENCE))


if __name__ == "__main__":
    main()
