"""Quickstart: the small CNN without and with AL2 under 75% label noise.

Trains the paper's small CNN on a seeded 5,000-image subset of real
Fashion-MNIST whose training labels are 75% corrupted, once without and once
with AL2 (the paper's schedule compressed ten-fold in time), and prints per
epoch the test accuracy on clean test labels, the training cross-entropy L_c,
the activation loss L_r and the AL2 weight, then a two-row summary.

Run: python examples/quickstart.py [--epochs 40] [--data-dir DIR] (every flag of the runners; --help)
"""

import argparse
import json

from al2_keras.experiments import cli, distribute, results, training


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default=None,
                        help="write the histories and summary as JSON here")
    cli.add_data_flags(parser)
    cli.add_protocol_flags(parser)  # unset flags keep the quick preset's values
    cli.add_strategy_flag(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    strategy = cli.strategy_or_fail(args.strategy)
    if distribute.is_chief():
        cli.refuse_existing(args.output, hint="choose another --output")
    protocol = cli.protocol_from_args(args, training.quick_protocol)
    prepared = cli.prepare_or_fail(protocol)
    print(cli.describe(protocol, prepared) + f"; {len(prepared.x_test)} clean test images.")
    runs = {}
    for label, use_al2 in (("without AL2", False), ("with AL2", True)):
        model, history = training.train_variant(
            protocol, prepared, al2=use_al2, strategy=strategy,
            callbacks=[training.EpochPrinter(label)],
        )
        summary = results.summarize(history)
        summary["memorized_corrupted_labels"] = training.training_set_accuracies(model, prepared)["memorized"]
        runs[label] = {"summary": summary, "history": history}

    print("\n| run | final test acc | mean of last 5 epochs | peak test acc (epoch; test-set epoch picking) "
          "| final L_c | final L_r | corrupted labels memorized |")
    print("|---|---|---|---|---|---|---|")
    for label, result in runs.items():
        s = result["summary"]
        print(f"| {label} | {100 * s['final_test_accuracy']:.2f}% | "
              f"{100 * s['last_epochs_test_accuracy']:.2f}% | "
              f"{100 * s['peak_test_accuracy']:.2f}% ({s['peak_epoch']}) | "
              f"{s['final_cross_entropy']:.4f} | {s['final_activation_loss']:.3e} | "
              f"{100 * s['memorized_corrupted_labels']:.1f}% |")
    if args.output and distribute.is_chief():
        with open(args.output, "w") as f:
            json.dump(runs, f, indent=1)
        print(f"Wrote {args.output}")


if __name__ == "__main__":
    main()
