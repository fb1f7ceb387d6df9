"""Quickstart: the small CNN without and with AL2 under 75% label noise.

Trains the paper's small CNN on a seeded 5,000-image subset of real
Fashion-MNIST whose training labels are 75% corrupted, once without and once
with AL2 (the paper's schedule compressed ten-fold in time), and prints per
epoch the test accuracy on clean test labels, the training cross-entropy L_c,
the activation loss L_r and the AL2 weight, then a two-row summary.

Run: python examples/quickstart.py [--epochs 40] [--data-dir DIR]
"""

import argparse
import json

import al2_keras
from al2_keras import arguments, cli, distribute, results, training


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None,
                        help="directory with the Fashion-MNIST IDX files "
                             "(default: /usr/share/datasets/fashion-mnist, "
                             "else TFDS)")
    parser.add_argument("--epochs", type=arguments.positive_int, default=40)
    parser.add_argument("--train-size", type=arguments.positive_int, default=5000)
    parser.add_argument("--corrupt", type=arguments.fraction, default=0.75,
                        help="fraction of training labels corrupted")
    parser.add_argument("--scaling", choices=al2_keras.datasets.SCALINGS, default="unit",
                        help="input scaling: unit = x/255 (calibrated), "
                             "reference = (x/255 - 0.5)/0.5")
    parser.add_argument("--seed", type=arguments.non_negative_int, default=0)
    parser.add_argument("--output", default=None,
                        help="write the histories and summary as JSON here")
    cli.add_strategy_flag(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    strategy = cli.strategy_or_fail(args.strategy)
    if distribute.is_chief():
        cli.refuse_existing(args.output, hint="choose another --output")
    protocol = training.quick_protocol(
        data_dir=args.data_dir, epochs=args.epochs, train_size=args.train_size,
        corrupt=args.corrupt, scaling=args.scaling, seed=args.seed,
    )
    prepared = cli.prepare_or_fail(protocol)
    print(f"Fashion-MNIST from {prepared.source}: {len(prepared.x_train)} training "
          f"images, {100 * prepared.noisy.fraction_changed:.1f}% of labels "
          f"corrupted; {len(prepared.x_test)} clean test images.")
    print(f"SGD lr {protocol.learning_rate} momentum {protocol.momentum}, batch "
          f"{protocol.batch_size}, {protocol.epochs} epochs, scaling "
          f"{protocol.scaling!r}, AL2 schedule {protocol.weight_schedule()!r}.")
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
