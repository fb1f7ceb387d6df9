"""Label randomization (the paper's Table 1): four baselines without and with AL2.

Trains the small CNN as bare, with BatchNorm, with Dropout 0.5 and with weight
decay, each without and with AL2, on training labels of which a share is
corrupted, and records per epoch the test accuracy (clean test labels), the
training cross-entropy L_c, the activation loss L_r, the AL2 weight and the
training accuracy on noisy and clean labels. Writes to the run directory:
results.json (every number), epochs.csv, table.md (the paper's layout, with
the paper's numbers beside ours on MNIST), summary.md and curves.png; saves
models at chosen epochs under saved_models/<run>/<variant>/epoch_<k>.keras.

Presets: quick (real Fashion-MNIST, 5,000 images, 40 epochs, the schedule
compressed ten-fold in time: minutes per variant on 2 CPU cores) and paper
(the reference protocol: MNIST, 60,000 images, SGD 0.001/0.5, 700 epochs; GPU).

Run: python examples/label_randomization.py --preset quick
With --seeds 0,1,2 every variant runs once per seed (each seed's outputs in
<run>/seed_<s>/), and seeds.md, seeds.csv, seeds.json and seeds.png give each
figure's mean and spread over the seeds and AL2's effect per baseline.
An interrupted run continues with the same command plus --resume. For several
GPUs or machines, see --strategy and the README's "Scaling out".
"""

import argparse
import csv
import dataclasses
import io
import os
import shutil

from al2_keras import ProgressiveSchedule, arguments, atomic, distribute, experiments, paper, reports


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=["quick", "paper"], default="quick")
    parser.add_argument("--baselines", default=",".join(experiments.BASELINES),
                        help=f"comma-separated, from {','.join(experiments.BASELINES)}")
    parser.add_argument("--dataset", default=None, help="override the preset's dataset")
    parser.add_argument("--data-dir", default=None, help="directory with the IDX files")
    parser.add_argument("--corrupt", type=arguments.fraction, default=None, help="fraction of labels corrupted")
    parser.add_argument("--train-size", type=arguments.positive_int, default=None)
    parser.add_argument("--epochs", type=arguments.positive_int, default=None)
    parser.add_argument("--lr", type=arguments.positive_float, default=None, help="SGD learning rate")
    parser.add_argument("--momentum", type=arguments.momentum, default=None)
    parser.add_argument("--batch-size", type=arguments.positive_int, default=None)
    parser.add_argument("--scaling", choices=["unit", "reference"], default=None)
    parser.add_argument("--time-compression", type=arguments.positive_float, default=None,
                        help="epochs of the paper's schedule per epoch (quick: 10)")
    parser.add_argument("--seed", type=arguments.non_negative_int, default=0)
    parser.add_argument("--seeds", type=arguments.int_list, default=None, metavar="S1,S2,...",
                        help="run every variant once per seed (e.g. 0,1,2; replaces --seed) into "
                             "<run>/seed_<s>/, then write the mean and spread over seeds "
                             "(seeds.md, seeds.csv, seeds.json, seeds.png)")
    parser.add_argument("--shrink", type=arguments.percent, default=None, metavar="PERCENT",
                        help="keep only this %% of the training set (the reference's percent_shrink_data)")
    parser.add_argument("--rotations", action="store_true",
                        help="append a copy of every training image rotated by 90/180/270 degrees")
    parser.add_argument("--mixup", type=arguments.positive_float, default=None, metavar="ALPHA",
                        help="train with mixup, Beta(ALPHA, ALPHA) mixing weights")
    parser.add_argument("--dropout-position", choices=["before_al2", "after_al2"], default=None,
                        help="Dropout before the AL2 layer, as the reference (default), or after it")
    parser.add_argument("--table-epochs", type=arguments.epoch_list, default=None,
                        help="epochs shown in table.md (default: 5 evenly spaced)")
    parser.add_argument("--save-epochs", type=arguments.epoch_list, default=None,
                        help="epochs at which models are saved (default: the last)")
    parser.add_argument("--run", default=None, help="run name (default: preset_dataset)")
    parser.add_argument("--runs-dir", default="runs")
    parser.add_argument("--models-dir", default="saved_models")
    parser.add_argument("--resume", action="store_true",
                        help="continue an interrupted run of the same --run name: finished "
                             "variants are loaded, the unfinished one resumes from its last epoch")
    distribute.add_strategy_argument(parser)
    return parser, parser.parse_args()


def build_protocol(args) -> experiments.Protocol:
    overrides = {key: value for key, value in dict(
        dataset=args.dataset, data_dir=args.data_dir, corrupt=args.corrupt, train_size=args.train_size,
        epochs=args.epochs, learning_rate=args.lr, momentum=args.momentum, batch_size=args.batch_size,
        scaling=args.scaling, seed=args.seed, shrink_percent=args.shrink,
        mixup_alpha=args.mixup, dropout_position=args.dropout_position).items() if value is not None}
    if args.rotations:
        overrides["rotations"] = True
    if args.time_compression is not None:
        overrides["schedule"] = ProgressiveSchedule.time_compressed(args.time_compression)
    preset = experiments.quick_protocol if args.preset == "quick" else experiments.paper_protocol
    return preset(**overrides)


def write_run(protocol, results, out, table_epochs) -> None:
    """results.json, epochs.csv, table.md, summary.md and curves.png of one seed."""
    settings = {k: v for k, v in vars(protocol).items() if k != "schedule"}
    settings["schedule"] = protocol.schedule.get_config()
    # results.json last: its presence marks the seed finished (--resume).
    rows = io.StringIO()
    keys = sorted({k for r in results.values() for k in r["history"]})
    writer = csv.writer(rows)
    writer.writerow(["variant", "baseline", "al2", "epoch", *keys])
    for name, r in results.items():
        for i in range(len(r["history"]["loss"])):
            writer.writerow([name, r["baseline"], r["al2"], i + 1,
                             *[r["history"].get(k, [None] * (i + 1))[i] for k in keys]])
    atomic.write_text(os.path.join(out, "epochs.csv"), rows.getvalue())
    table = reports.label_randomization_table(
        results, table_epochs, paper.table1() if protocol.dataset == "mnist" else None)
    summary = reports.summary_table(results)
    atomic.write_text(os.path.join(out, "table.md"),
                      f"TA: test accuracy (%), L_c: training cross-entropy, L_r: activation loss x 100.\n\n{table}\n")
    atomic.write_text(os.path.join(out, "summary.md"), summary + "\n")
    reports.plot_label_randomization(results, os.path.join(out, "curves.png"))
    atomic.write_json(os.path.join(out, "results.json"), {"protocol": settings, "results": results}, indent=1)
    print("\n" + table + "\n\n" + summary)


def run_seed(args, protocol, out, models_dir, strategy):
    """Trains every variant of one seed into `out` (resuming from its state); returns the results."""
    finished = os.path.join(out, "results.json")
    if os.path.exists(finished):  # only reached with --resume
        print(f"\n##### seed {protocol.seed}: finished earlier, loaded from {finished}", flush=True)
        try:
            return atomic.read_json(finished, "results file")["results"]
        except ValueError as error:
            arguments.fail(f"{error}")
    state_dir = os.path.join(out, "state")
    epochs = protocol.epochs
    table_epochs = args.table_epochs or sorted({max(1, round(epochs * k / 5)) for k in range(1, 6)})
    save_epochs = args.save_epochs or [epochs]
    try:
        prepared = experiments.prepare_data(protocol)
    except (FileNotFoundError, ValueError) as error:
        arguments.fail(f"{error}")
    print(f"{protocol.dataset} from {prepared.source}, seed {protocol.seed}: {len(prepared.x_train)} "
          f"training images, {100 * prepared.noisy.fraction_changed:.1f}% labels corrupted; SGD lr "
          f"{protocol.learning_rate} momentum {protocol.momentum}, batch {protocol.batch_size}, "
          f"{epochs} epochs, scaling {protocol.scaling!r}, schedule {protocol.schedule!r}"
          + "".join(f", {name} {value}" for name, value in (
              ("shrink %", protocol.shrink_percent), ("rotations", protocol.rotations or None),
              ("mixup alpha", protocol.mixup_alpha)) if value is not None))
    print(f"Strategy {args.strategy!r}: {strategy.num_replicas_in_sync} replica(s); "
          f"state for --resume in {state_dir}")
    results = experiments.run_label_randomization(
        protocol, prepared, baselines=args.baselines.split(","), models_dir=models_dir,
        save_epochs=save_epochs, strategy=strategy, state_dir=state_dir)
    if distribute.is_chief():
        write_run(protocol, results, out, table_epochs)
        shutil.rmtree(state_dir)  # every number is in results.json now
        print(f"\nWrote results.json, epochs.csv, table.md, summary.md, curves.png to {out}; "
              f"models in {models_dir}")
    return results


def write_seed_summary(results_by_seed, out) -> None:
    """seeds.json, seeds.csv, seeds.md and seeds.png: every seed's summary, mean and spread."""
    statistics = experiments.seed_statistics(results_by_seed)
    atomic.write_json(os.path.join(out, "seeds.json"), statistics, indent=1)
    rows = io.StringIO()
    writer = csv.writer(rows)
    quantities = list(next(iter(statistics["variants"].values())))
    writer.writerow(["seed", "variant", *quantities])
    for index, seed in enumerate(statistics["seeds"]):
        for name, spreads in statistics["variants"].items():
            writer.writerow([seed, name, *[spreads[q]["values"][index] for q in quantities]])
    atomic.write_text(os.path.join(out, "seeds.csv"), rows.getvalue())
    tables = reports.seed_tables(statistics)
    atomic.write_text(os.path.join(out, "seeds.md"), tables + "\n")
    reports.plot_seed_curves(results_by_seed, os.path.join(out, "seeds.png"))
    print("\n" + tables)
    print(f"\nWrote seeds.json, seeds.csv, seeds.md, seeds.png to {out}")


def main():
    parser, args = parse_args()
    protocol = build_protocol(args)
    for flag, epochs in (("--save-epochs", args.save_epochs), ("--table-epochs", args.table_epochs)):
        arguments.check_epochs_within(parser, flag, epochs or [], protocol.epochs)
    unknown = sorted(set(args.baselines.split(",")) - set(experiments.BASELINES))
    if unknown:
        parser.error(f"argument --baselines: unknown {unknown}; choose from {','.join(experiments.BASELINES)}")
    try:
        strategy = distribute.get_strategy(args.strategy)
    except ValueError as error:
        arguments.fail(str(error))
    seeds = args.seeds
    run = args.run or f"{args.preset}_{protocol.dataset}"
    out, models_dir = os.path.join(args.runs_dir, run), os.path.join(args.models_dir, run)
    chief = distribute.is_chief()  # only the chief writes; other workers just train
    if chief and not args.resume:
        for path in (out, models_dir):
            if os.path.exists(path):
                arguments.fail(f"{path} exists; choose another --run, or --resume "
                               "an interrupted run (nothing is overwritten).")
    if seeds is None:
        if chief and args.resume and not os.path.isdir(os.path.join(out, "state")):
            arguments.fail(f"--resume found no interrupted run in {os.path.join(out, 'state')}.")
        run_seed(args, protocol, out, models_dir, strategy)
        return
    if chief and args.resume and not os.path.isdir(out):
        arguments.fail(f"--resume found no run in {out}.")
    results_by_seed = {}
    for seed in seeds:
        print(f"\n##### seed {seed} ({seeds.index(seed) + 1} of {len(seeds)})", flush=True)
        results_by_seed[seed] = run_seed(
            args, dataclasses.replace(protocol, seed=seed), os.path.join(out, f"seed_{seed}"),
            os.path.join(models_dir, f"seed_{seed}"), strategy)
    if chief:
        write_seed_summary(results_by_seed, out)


if __name__ == "__main__":
    main()
