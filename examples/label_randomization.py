"""Label randomization (the paper's Table 1): four baselines without and with AL2.

Trains the chosen architecture (default: the paper's small CNN) as bare, with
BatchNorm, Dropout 0.5 and weight decay, each without and with AL2, on partly
corrupted labels; records per epoch the test accuracy (clean labels), L_c, L_r,
the AL2 weight and the training accuracy on noisy and clean labels. Writes
results.json, epochs.csv, table.md (Table 1's layout), summary.md, curves.png;
models under saved_models/<run>/<variant>/epoch_<k>.keras. Presets: quick
(Fashion-MNIST, 5,000 images, 40 epochs, schedule compressed ten-fold; CPU) and
paper (MNIST, 60,000 images, SGD 0.001/0.5, 700 epochs; GPU).

`--schedule stable` trains the AL2 variants with StableSchedule instead of the
paper's schedule (add `--head-max-norm 1.0` to bound every variant's head,
so that without and with differ by AL2 alone); `--loss
gce|sce|bootstrap_soft|bootstrap_hard` and `--mixup ALPHA` train with the
methods users pick against label noise.

Run: python examples/label_randomization.py --preset quick [--seeds 0,1,2] [--resume]
"""

import argparse
import os

from al2_keras.experiments import arguments, cli, distribute, paper, reports, results, training


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=["quick", "paper"], default="quick")
    parser.add_argument("--baselines", type=arguments.name_list(tuple(training.BASELINES)),
                        default=list(training.BASELINES), metavar="B1,B2,...",
                        help=f"comma-separated, from {','.join(training.BASELINES)}")
    parser.add_argument("--seeds", type=arguments.int_list, default=None, metavar="S1,S2,...",
                        help="run every variant once per seed (e.g. 0,1,2; replaces --seed) into <run>/seed_<s>/, "
                             "then write the mean and spread over seeds (seeds.md, .csv, .json, .png)")
    parser.add_argument("--table-epochs", type=arguments.epoch_list, default=None,
                        help="epochs shown in table.md (default: 5 evenly spaced)")
    parser.add_argument("--save-epochs", type=arguments.epoch_list, default=None,
                        help="epochs at which models are saved (default: the last)")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run of the same --run: "
                        "finished variants are loaded, the unfinished one resumes from its last epoch")
    parser.add_argument("--variants", type=arguments.name_list(tuple(
        results.variant_name(b, al2) for b in training.BASELINES for al2 in (False, True))), default=None,
        metavar="V1,V2,...", help="train only these variants of --baselines (e.g. bare_al2), one run each")
    parser.add_argument("--memorized-every", type=arguments.positive_int, default=1, metavar="K",
                        help="measure the training-set accuracies (the memorized share) every K epochs and at the "
                             "last, not every epoch: each is one pass over the training images, about a fifth "
                             "of an epoch at the paper's scale (default 1: every epoch)")
    parser.add_argument("--until-epoch", type=arguments.positive_int, default=None, metavar="N",
                        help="train through epoch N and pause, keeping the state: the same command with "
                             "--resume (and a later or no --until-epoch) continues the run exactly")
    cli.add_data_flags(parser)
    cli.add_protocol_flags(parser)
    cli.add_output_flags(parser)
    cli.add_strategy_flag(parser)
    return parser, parser.parse_args()


def variants(args, protocol) -> dict:
    """Name -> `training.Variant`: every chosen baseline without and with AL2 (or those of --variants)."""
    chosen = {results.variant_name(baseline, al2): training.Variant(protocol, baseline, al2)
              for baseline in args.baselines for al2 in (False, True)}
    missing = sorted(set(args.variants or ()) - set(chosen))
    if missing:
        arguments.fail(f"--variants {','.join(missing)} needs its baseline in --baselines.")
    return {name: variant for name, variant in chosen.items() if not args.variants or name in args.variants}


def main():
    parser, args = parse_args()
    protocol = cli.protocol_from_args(
        args, training.quick_protocol if args.preset == "quick" else training.paper_protocol)
    for flag, epochs in (("--save-epochs", args.save_epochs), ("--table-epochs", args.table_epochs),
                         ("--until-epoch", [args.until_epoch] if args.until_epoch else [])):
        arguments.check_epochs_within(parser, flag, epochs or [], protocol.epochs)
    chosen = variants(args, protocol)  # flag errors before any work
    strategy = cli.strategy_or_fail(args.strategy)
    out, models_dir = cli.run_directories(args, f"{args.preset}_{protocol.dataset}")
    table_epochs = args.table_epochs or sorted({max(1, round(protocol.epochs * k / 5)) for k in range(1, 6)})
    paper_table = paper.table1_for(protocol.dataset)

    def write_views(seed, directory, runs):  # table.md, summary.md, curves.png of one seed
        print("\n" + reports.write_run_report(directory, runs, table_epochs, paper_table))
        print(f"\nWrote results.json, epochs.csv, table.md, summary.md, curves.png to {directory}")

    print(f"Strategy {args.strategy!r}: {strategy.num_replicas_in_sync} replica(s); "
          f"state for --resume in {os.path.join(out, 'state')} (per seed with --seeds)")
    by_seed = training.run_variants(
        chosen, args.seeds or [protocol.seed], out, prepare=cli.prepare_or_fail,
        describe=cli.describe, models_dir=models_dir, save_epochs=args.save_epochs or [protocol.epochs],
        strategy=strategy, seed_directories=args.seeds is not None, on_seed_end=write_views,
        until_epoch=args.until_epoch, training_set_every=args.memorized_every)
    if any("paused_at" in run for runs in by_seed.values() for run in runs.values()):
        return  # paused: the views come when the run finishes
    if args.seeds is not None and distribute.is_chief():
        statistics = results.seed_statistics(by_seed)
        results.write_seed_statistics(out, statistics)
        print("\n" + reports.write_seed_report(out, statistics, by_seed))
        print(f"\nWrote seeds.json, seeds.csv, seeds.md, seeds.png to {out}; models in {models_dir}")


if __name__ == "__main__":
    main()
