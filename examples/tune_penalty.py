"""Search the AL2 penalty weight and its schedule with KerasTuner.

Carves a clean validation split from the training set before corrupting the
training labels, then searches the AL2 schedule (start, growth factors, or
no AL2 at all) of the small CNN, selecting on clean-validation accuracy. The
test set is never used for selection. Prints the trials and the best schedule,
then retrains the best schedule, the paper's default schedule and no AL2 the
way the runner trains and scores all three on the held-out test set, which no
trial saw (final epoch and mean of the last 5 epochs); writes trials.csv,
trials.md, best_schedule.json, comparison.md/.json and the best model
(saved_models/tuned_<project>.keras).

Run: python examples/tune_penalty.py --quick
Distributed (KerasTuner's chief/worker mode): start the same command as the
chief and as each worker with KERASTUNER_TUNER_ID=chief|tuner0|tuner1|...,
KERASTUNER_ORACLE_IP and KERASTUNER_ORACLE_PORT; see docs/scaling-out.md.
"""

import argparse
import os

from al2_keras import tuning
from al2_keras.experiments import arguments, atomic, cli, reports, training


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tuner", choices=["random", "bayesian", "hyperband"], default="random")
    parser.add_argument("--max-trials", type=arguments.positive_int, default=10)
    parser.add_argument("--validation-size", type=arguments.positive_int, default=1000, help="clean validation images")
    parser.add_argument("--noisy-validation", action="store_true",
                        help="corrupt the validation labels too (selects for fitting noise; see docs)")
    parser.add_argument("--directory", default="runs/tuning", help="tuner state; a rerun resumes")
    parser.add_argument("--project", default="al2_schedule")
    parser.add_argument("--overwrite", action="store_true", help="start the search afresh")
    parser.add_argument("--quick", action="store_true",
                        help="5,000 training images, 5 trials of 25 epochs around the "
                             "time-compressed schedule (about 10 minutes on 2 CPU cores)")
    parser.add_argument("--reference-runs", action=argparse.BooleanOptionalAction, default=True,
                        help="also train the best, the paper's and no AL2 and score them on the test set")
    cli.add_data_flags(parser)
    cli.add_protocol_flags(parser)
    cli.add_strategy_flag(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    if args.schedule is not None or args.schedule_options is not None:
        arguments.fail("--schedule and --schedule-options are not options here: the search space gives the schedules, "
                       "and the paper's schedule is the reference the search is compared with.")
    if args.strategy == "multi-worker":
        # KerasTuner writes each trial's state from every process that runs
        # it, so a trial cannot span machines; machines share a search as
        # KerasTuner workers instead.
        arguments.fail("a search does not run under --strategy multi-worker. To use "
                       "several machines, run one KerasTuner worker per machine "
                       "(KERASTUNER_TUNER_ID, KERASTUNER_ORACLE_IP, KERASTUNER_ORACLE_PORT; "
                       "see docs/scaling-out.md); --strategy mirrored uses every "
                       "GPU of one machine.")
    strategy = cli.strategy_or_fail(args.strategy)
    max_trials = 5 if args.quick else args.max_trials
    defaults = dict(train_size=5000, epochs=25) if args.quick else dict(train_size=None)
    protocol = cli.protocol_from_args(args, lambda **o: training.quick_protocol(**{**defaults, **o}))
    prepared = cli.prepare_or_fail(protocol, validation_size=args.validation_size,
                                   noisy_validation=args.noisy_validation)
    print(cli.describe(protocol, prepared) + f"; {len(prepared.x_val)} "
          f"{'noisy' if args.noisy_validation else 'clean'} validation images carved from the training set.")

    # Around the paper's schedule, in the paper's units (growth per paper epoch), at the protocol's time
    # scale (the quick preset's: one epoch stands for ten). "No AL2" is left out of the quick search: its
    # reference run below answers whether AL2 helps.
    space = tuning.ScheduleSearchSpace(
        start=tuning.Range(1e-3, 1e-1, log=True), threshold=5.0,
        growth=tuning.Range(1.0, 1.2), late_growth=tuning.Range(1.0, 1.05),
        include_no_al2=not args.quick, time_scale=protocol.time_scale)
    hypermodel = tuning.AL2HyperModel(
        tuning.default_model_builder(prepared.x_train.shape[1:], prepared.num_classes, protocol), space)
    tuner = tuning.make_tuner(args.tuner, hypermodel, max_trials=max_trials,
                              max_epochs=protocol.epochs, directory=args.directory,
                              project_name=args.project, overwrite=args.overwrite, seed=protocol.seed,
                              distribution_strategy=strategy)
    tuner.search(prepared.x_train, prepared.noisy.labels, epochs=protocol.epochs,
                 validation_data=(prepared.x_val, prepared.y_val), batch_size=protocol.batch_size, verbose=2)
    if tuning.is_search_worker():
        print(f"Worker {os.environ['KERASTUNER_TUNER_ID']}: no trials left; the chief reports.")
        return

    rows = tuning.trial_rows(tuner)
    columns = ["trial", "mode", "start", "threshold", "growth", "late_growth", "objective", "epochs"]
    out = os.path.join(args.directory, args.project)
    atomic.write_text(os.path.join(out, "trials.csv"), reports.csv_text(rows, columns))
    table = reports.markdown_table(rows, columns)
    atomic.write_text(os.path.join(out, "trials.md"), table + "\n")
    best = tuning.best_schedule(tuner)
    # The schedule's config: ProgressiveSchedule.from_config (or
    # ConstantSchedule.from_config) reads it back; null when no AL2 won.
    atomic.write_json(os.path.join(out, "best_schedule.json"), best.get_config() if best else None, indent=1)
    os.makedirs("saved_models", exist_ok=True)
    model_path = os.path.join("saved_models", f"tuned_{args.project}.keras")
    counter = 2
    while os.path.exists(model_path):  # never overwrite an earlier model
        model_path = os.path.join("saved_models", f"tuned_{args.project}_{counter}.keras")
        counter += 1
    tuner.get_best_models(1)[0].save(model_path)
    print("\n" + table + f"\n\nBest schedule: {best!r}")
    if args.reference_runs:
        print("Held-out comparison (trained as the runner trains; scored on the test set, which no trial saw):")
        rows = tuning.held_out_comparison(protocol, prepared, best, strategy)
        table = reports.markdown_table(rows, list(rows[0]))
        atomic.write_text(os.path.join(out, "comparison.md"), "Scored on the test set, which no trial saw (trials "
                          f"select on the validation split carved from the training set).\n\n{table}\n")
        atomic.write_json(os.path.join(out, "comparison.json"), rows, indent=1)
        print(table)
    print(f"\nWrote {out}/trials.csv, trials.md, best_schedule.json"
          + (", comparison.md" if args.reference_runs else "") + f" and {model_path}")


if __name__ == "__main__":
    main()
