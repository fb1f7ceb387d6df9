"""Search the AL2 penalty weight and its schedule with KerasTuner.

Carves a clean validation split from the training set before corrupting the
training labels, then searches the AL2 schedule (start, growth factors, or
no AL2 at all) of the small CNN, selecting on clean-validation accuracy. The
test set is never used for selection. Prints the trials, the best schedule,
and how its clean-validation accuracy (final epoch) compares with no AL2 and
with the paper's default schedule; writes trials.csv, trials.md, best_schedule.json
and the best model (saved_models/tuned_<project>.keras).

Run: python examples/tune_penalty.py --quick
Distributed (KerasTuner's chief/worker mode): start the same command as the
chief and as each worker with KERASTUNER_TUNER_ID=chief|tuner0|tuner1|...,
KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT; see the README's "Scaling out".
"""

import argparse
import csv
import json
import os

from al2_keras import ProgressiveSchedule, arguments, data, distribute, reports, tuning


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tuner", choices=["random", "bayesian", "hyperband"], default="random")
    parser.add_argument("--max-trials", type=arguments.positive_int, default=10)
    parser.add_argument("--epochs", type=arguments.positive_int, default=40,
                        help="epochs per trial (Hyperband: the maximum)")
    parser.add_argument("--dataset", default="fashion_mnist", choices=sorted(data.NUM_CLASSES))
    parser.add_argument("--data-dir", default=None, help="directory with the IDX files")
    parser.add_argument("--corrupt", type=arguments.fraction, default=0.75,
                        help="fraction of training labels corrupted")
    parser.add_argument("--train-size", type=arguments.positive_int, default=None,
                        help="training images (default: all)")
    parser.add_argument("--validation-size", type=arguments.positive_int, default=1000, help="clean validation images")
    parser.add_argument("--noisy-validation", action="store_true",
                        help="corrupt the validation labels too (selects for fitting noise; see docs)")
    parser.add_argument("--directory", default="runs/tuning", help="tuner state; a rerun resumes")
    parser.add_argument("--project", default="al2_schedule")
    parser.add_argument("--overwrite", action="store_true", help="start the search afresh")
    parser.add_argument("--quick", action="store_true",
                        help="5,000 training images, 5 trials of 25 epochs around the "
                             "time-compressed schedule (about 10 minutes on 2 CPU cores)")
    parser.add_argument("--seed", type=arguments.non_negative_int, default=0)
    parser.add_argument("--reference-runs", action=argparse.BooleanOptionalAction, default=True,
                        help="also train with no AL2 and with the paper's schedule for comparison")
    distribute.add_strategy_argument(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    if args.strategy == "multi-worker":
        # KerasTuner writes each trial's state from every process that runs
        # it, so a trial cannot span machines; machines share a search as
        # KerasTuner workers instead.
        arguments.fail("a search does not run under --strategy multi-worker. To use "
                         "several machines, run one KerasTuner worker per machine "
                         "(KERASTUNER_TUNER_ID, KERASTUNER_ORACLE_IP, KERASTUNER_ORACLE_PORT; "
                         "see the README's \"Scaling out\"); --strategy mirrored uses every "
                         "GPU of one machine.")
    strategy = distribute.get_strategy(args.strategy)
    if args.quick:
        args.train_size, args.max_trials, args.epochs = 5000, 5, 25
    try:
        images = data.load(args.dataset, data_dir=args.data_dir)
    except (FileNotFoundError, ValueError) as error:
        arguments.fail(f"{error}")
    split = tuning.noisy_split(images, corrupt=args.corrupt, train_size=args.train_size,
                               validation_size=args.validation_size,
                               noisy_validation=args.noisy_validation, seed=args.seed)
    print(f"{args.dataset} from {images.source}: {len(split.x_train)} training images "
          f"({100 * args.corrupt:.0f}% labels corrupted), {len(split.x_val)} "
          f"{'noisy' if args.noisy_validation else 'clean'} validation images.")

    # Around the paper's schedule compressed ten-fold in time (one epoch
    # stands for ten), since trials are short. "No AL2" is left out of the
    # quick search: its reference run below answers whether AL2 helps.
    space = tuning.ScheduleSearchSpace(
        start=tuning.Range(1e-3, 1e-1, log=True), threshold=5.0,
        growth=tuning.Range(1.0, 3.0), late_growth=tuning.Range(1.0, 1.2),
        include_no_al2=not args.quick)
    hypermodel = tuning.AL2HyperModel(
        tuning.default_model_builder(split.x_train.shape[1:], images.num_classes), space)
    tuner = tuning.make_tuner(args.tuner, hypermodel, max_trials=args.max_trials,
                              max_epochs=args.epochs, directory=args.directory,
                              project_name=args.project, overwrite=args.overwrite, seed=args.seed,
                              distribution_strategy=strategy)
    fit_kwargs = dict(validation_data=(split.x_val, split.y_val), batch_size=64, verbose=2)
    tuner.search(split.x_train, split.y_train, epochs=args.epochs, **fit_kwargs)
    if tuning.is_search_worker():
        print(f"Worker {os.environ['KERASTUNER_TUNER_ID']}: no trials left; the chief reports.")
        return

    rows = tuning.trial_rows(tuner)
    columns = ["trial", "mode", "start", "threshold", "growth", "late_growth", "objective", "epochs"]
    out = os.path.join(args.directory, args.project)
    with open(os.path.join(out, "trials.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    table = reports.markdown_table(rows, columns)
    with open(os.path.join(out, "trials.md"), "w") as f:
        f.write(table + "\n")
    best = tuning.best_schedule(tuner)
    # The schedule's config: ProgressiveSchedule.from_config (or
    # ConstantSchedule.from_config, when no or a constant AL2 won) reads it back.
    with open(os.path.join(out, "best_schedule.json"), "w") as f:
        json.dump(best.get_config(), f, indent=1)
    os.makedirs("saved_models", exist_ok=True)
    model_path = os.path.join("saved_models", f"tuned_{args.project}.keras")
    counter = 2
    while os.path.exists(model_path):  # never overwrite an earlier model
        model_path = os.path.join("saved_models", f"tuned_{args.project}_{counter}.keras")
        counter += 1
    tuner.get_best_models(1)[0].save(model_path)

    print("\n" + table)
    print(f"\nBest schedule: {best!r}")
    if args.reference_runs:
        print("Reference runs (same model, data and epochs):")
        print(f"  {'best found (its trial)':>30}: clean-validation accuracy {100 * rows[0]['objective']:.2f}%")
        for label, schedule in (("no AL2", 0.0),
                                ("paper default, compressed 10x", ProgressiveSchedule.time_compressed(10))):
            accuracy = tuning.evaluate_schedule(hypermodel, schedule, split, args.epochs,
                                                seed=args.seed, strategy=strategy)
            print(f"  {label:>30}: clean-validation accuracy {100 * accuracy:.2f}%", flush=True)
    print(f"\nWrote {out}/trials.csv, trials.md, best_schedule.json and {model_path}")


if __name__ == "__main__":
    main()
