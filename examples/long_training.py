"""Long training: AL2 against the methods users pick, past the paper's horizon.

Trains, per seed, under one protocol and one learning-rate policy (quick preset,
80 epochs = paper epoch 800 by default): the bare small CNN with AL2 as the flags
set it (`bare_al2`: --schedule, --head-max-norm), with the paper's schedule and a
free head (`bare_al2_paper`), Dropout 0.5 alone (`dropout_no_al2`), GCE and SCE
alone (`gce_no_al2`, `sce_no_al2`), with --flood the AL2 arm without it
(`bare_al2_no_flood`) and the flooding alone (`flood_no_al2`), and with
--baselines the flags' AL2 on other
baselines (`bn_al2`, `dropout_al2`, `weight_decay_al2`). Writes per seed
results.json and epochs.csv; over seeds seeds.md/.json/.csv, seeds.png,
weights.png and holding.md/.csv (does each run hold, i.e. end within 3 points of
its own peak, and is its last-5 mean at or above GCE's?).

Run: python examples/long_training.py --schedule stable --head-max-norm 1.0 --flood noise_floor \
         --lr-schedule cosine --seeds 0,1,2
"""

import argparse
import dataclasses

from al2_keras.experiments import arguments, cli, distribute, reports, training

REFERENCE = "gce_no_al2"
ARMS = ("bare_al2", "bare_al2_paper", "dropout_no_al2", "gce_no_al2", "sce_no_al2", "bare_al2_no_flood",
        "flood_no_al2")
OTHER_BASELINES = ("bn", "dropout", "weight_decay")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baselines", type=arguments.name_list(OTHER_BASELINES), default=[], metavar="B1,B2,...",
                        help=f"also train the flags' AL2 on these baselines ({', '.join(OTHER_BASELINES)})")
    parser.add_argument("--variants", type=arguments.name_list(ARMS + tuple(f"{b}_al2" for b in OTHER_BASELINES)),
                        default=None, metavar="V1,V2,...", help="train only these arms (default: all)")
    cli.add_comparison_flags(parser, epochs=80)
    return parser.parse_args()


def variants(args) -> dict:
    """Name -> `training.Variant` of every arm, all under the flags' data, epochs and learning-rate policy."""
    al2 = cli.protocol_from_args(args, training.quick_protocol)
    plain = dataclasses.replace(al2, head_max_norm=None, flood_level=None, schedule="paper", schedule_options={})
    arms = {
        "bare_al2": training.Variant(al2, "bare"),
        "bare_al2_paper": training.Variant(plain, "bare"),
        "dropout_no_al2": training.Variant(plain, "dropout", al2=False),
        "gce_no_al2": training.Variant(dataclasses.replace(plain, loss="gce"), "bare", al2=False),
        "sce_no_al2": training.Variant(dataclasses.replace(plain, loss="sce"), "bare", al2=False),
    }
    if al2.flood_level is not None:  # the AL2 arm's two parts apart: without its flooding, the flooding alone
        arms["bare_al2_no_flood"] = training.Variant(dataclasses.replace(al2, flood_level=None), "bare")
        arms["flood_no_al2"] = training.Variant(dataclasses.replace(plain, flood_level=al2.flood_level), "bare",
                                                al2=False)
    arms.update({f"{baseline}_al2": training.Variant(al2, baseline) for baseline in args.baselines})
    if args.variants:
        missing = sorted(set(args.variants) - set(arms))
        if missing:
            arguments.fail(f"--variants {','.join(missing)} needs --baselines with their baseline.")
        arms = {name: arm for name, arm in arms.items() if name in args.variants}
    return arms


def main():
    args = parse_args()
    arms = variants(args)  # flag errors before any work
    prepare = cli.scoring_prepare(args)
    out = cli.comparison_directory(args, "long_training")
    strategy = cli.strategy_or_fail(args.strategy)
    by_seed = training.run_variants(arms, args.seeds, out, prepare=prepare, describe=cli.describe,
                                    strategy=strategy)
    if not distribute.is_chief():  # only the chief writes
        return
    reference = REFERENCE if REFERENCE in arms else None  # without GCE: whether each run holds, only
    print("\n" + reports.write_comparison_report(out, by_seed, reference))


if __name__ == "__main__":
    main()
