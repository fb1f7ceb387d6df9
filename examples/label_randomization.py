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
paper's schedule, and every variant with a bounded head (so that without and
with differ by AL2 alone); `--loss gce|sce|bootstrap_soft|bootstrap_hard`
and `--mixup ALPHA` train with the methods users pick against label noise.

Run: python examples/label_randomization.py --preset quick [--seeds 0,1,2] [--resume]
"""

import argparse
import dataclasses
import os
import shutil

from al2_keras import arguments, cli, distribute, paper, reports, results, training


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=["quick", "paper"], default="quick")
    parser.add_argument("--baselines", default=",".join(training.BASELINES),
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
    cli.add_data_flags(parser)
    cli.add_protocol_flags(parser)
    cli.add_output_flags(parser)
    cli.add_strategy_flag(parser)
    return parser, parser.parse_args()


def write_run(protocol, run_results, out, table_epochs) -> None:
    """The views (table.md, summary.md, curves.png), then epochs.csv and results.json (marks the seed done)."""
    text = reports.write_run_report(out, run_results, table_epochs,
                                    paper.table1() if protocol.dataset == "mnist" else None)
    results.write_run(out, protocol.settings(), run_results)
    print("\n" + text)


def run_seed(args, protocol, out, models_dir, strategy):
    """Trains every variant of one seed into `out` (resuming from its state); returns the results."""
    if os.path.exists(os.path.join(out, results.RESULTS_FILE)):  # only reached with --resume
        print(f"\n##### seed {protocol.seed}: finished earlier, loaded from {out}", flush=True)
        try:
            return results.read_run(out)
        except ValueError as error:
            arguments.fail(f"{error}")
    state_dir = os.path.join(out, "state")
    table_epochs = args.table_epochs or sorted({max(1, round(protocol.epochs * k / 5)) for k in range(1, 6)})
    prepared = cli.prepare_or_fail(protocol)
    print(cli.describe(protocol, prepared))
    print(f"Strategy {args.strategy!r}: {strategy.num_replicas_in_sync} replica(s); state for --resume in {state_dir}")
    run_results = training.run_label_randomization(
        protocol, prepared, baselines=args.baselines.split(","), models_dir=models_dir,
        save_epochs=args.save_epochs or [protocol.epochs], strategy=strategy, state_dir=state_dir)
    if distribute.is_chief():
        write_run(protocol, run_results, out, table_epochs)
        shutil.rmtree(state_dir)  # every number is in results.json now
        print(f"\nWrote results.json, epochs.csv, table.md, summary.md, curves.png to {out}; models in {models_dir}")
    return run_results


def write_seed_summary(results_by_seed, out) -> None:
    """seeds.json, seeds.csv (results), seeds.md and seeds.png (views)."""
    statistics = results.seed_statistics(results_by_seed)
    results.write_seed_statistics(out, statistics)
    print("\n" + reports.write_seed_report(out, statistics, results_by_seed))
    print(f"\nWrote seeds.json, seeds.csv, seeds.md, seeds.png to {out}")


def main():
    parser, args = parse_args()
    protocol = cli.protocol_from_args(
        args, training.quick_protocol if args.preset == "quick" else training.paper_protocol)
    for flag, epochs in (("--save-epochs", args.save_epochs), ("--table-epochs", args.table_epochs)):
        arguments.check_epochs_within(parser, flag, epochs or [], protocol.epochs)
    unknown = sorted(set(args.baselines.split(",")) - set(training.BASELINES))
    if unknown:
        parser.error(f"argument --baselines: unknown {unknown}; choose from {','.join(training.BASELINES)}")
    strategy = cli.strategy_or_fail(args.strategy)
    run = args.run or f"{args.preset}_{protocol.dataset}"
    out, models_dir = os.path.join(args.runs_dir, run), os.path.join(args.models_dir, run)
    chief = distribute.is_chief()  # only the chief writes; other workers just train
    if chief and not args.resume:
        cli.refuse_existing(out, models_dir, hint="choose another --run, or --resume an interrupted run")
    if args.seeds is None:
        if chief and args.resume and not os.path.isdir(os.path.join(out, "state")):
            arguments.fail(f"--resume found no interrupted run in {os.path.join(out, 'state')}.")
        run_seed(args, protocol, out, models_dir, strategy)
        return
    if chief and args.resume and not os.path.isdir(out):
        arguments.fail(f"--resume found no run in {out}.")
    results_by_seed = {}
    for number, seed in enumerate(args.seeds, start=1):
        print(f"\n##### seed {seed} ({number} of {len(args.seeds)})", flush=True)
        results_by_seed[seed] = run_seed(
            args, dataclasses.replace(protocol, seed=seed), os.path.join(out, f"seed_{seed}"),
            os.path.join(models_dir, f"seed_{seed}"), strategy)
    if chief:
        write_seed_summary(results_by_seed, out)


if __name__ == "__main__":
    main()
