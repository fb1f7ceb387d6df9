"""Cumulative ablation (Sec. 5.2): zero a growing share of the representation.

Loads trained models (by default the quick preset's bare network without and
with AL2 shipped in saved_models/reference/), runs each trunk once over the
evaluation images, zeroes 0%, 10%, ..., 100% of the representation
(per-element random masks as the reference, or the same units for every
sample) and evaluates the head on every level, over several mask seeds.
As the paper (Sec. 5.2), the images are by default the *training samples* the
models were trained on (rebuilt from the protocol flags: the quick preset's
seeded subset), scored against their clean labels; --split test uses the
clean test set. Writes ablation.csv, ablation.md and ablation.png.

Run: python examples/ablation.py [--models A.keras B.keras] [--mode unit] [--split test]
"""

import argparse
import dataclasses
import os

import keras

import al2_keras  # noqa: F401  (registers the AL2 layer for loading)
from al2_keras import models
from al2_keras.experiments import analysis, arguments, atomic, cli, distribute, reports, training

DEFAULT_MODELS = [
    "saved_models/reference/small_net_quick_no_al2.keras",
    "saved_models/reference/small_net_quick_al2.keras",
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS, help=".keras files to compare")
    parser.add_argument("--split", choices=["train", "test"], default="train",
                        help="training samples (the paper's, clean labels; default) or the test set")
    parser.add_argument("--mode", choices=analysis.MODES, default="element")
    parser.add_argument("--seeds", type=arguments.positive_int, default=3, help="mask draws")
    cli.add_data_flags(parser)
    parser.add_argument("--seed", type=arguments.non_negative_int, default=0,
                        help="seed the models' training subset was drawn with")
    cli.add_output_flags(parser, output="runs/ablation")
    cli.add_strategy_flag(parser)
    return parser.parse_args()


def load_models(paths, strategy) -> dict:
    """Path -> model of every `.keras` file, each with a trunk output to ablate; or one error line."""
    loaded = {}
    for path in paths:
        try:
            with strategy.scope():
                loaded[path] = keras.saving.load_model(path)
            loaded[path].get_layer(models.FEATURES_NAME)
        except Exception as error:  # noqa: BLE001 - Keras raises many kinds for a file that is no model
            arguments.fail(f"{path} is not a model this script can ablate ({type(error).__name__}: "
                           f"{str(error).splitlines()[0][:200]}). Pass the .keras files that "
                           "label_randomization.py saves, whose trunk output is the layer named 'features'.")
    return loaded


def main():
    args = parse_args()
    strategy = cli.strategy_or_fail(args.strategy)
    chief = distribute.is_chief()  # only the chief writes
    missing = [path for path in args.models if not os.path.exists(path)]
    if missing:
        arguments.fail(f"no model file {missing}. Train them first with "
                       "`python examples/label_randomization.py --preset quick`, or pass --models.")
    if chief:
        cli.refuse_existing(args.output, hint="choose another --output")
    loaded = load_models(args.models, strategy)  # every file checked before any work
    protocol = cli.protocol_from_args(args, training.quick_protocol)
    if args.split == "test":  # no training subset needed
        protocol = dataclasses.replace(protocol, train_size=None)
    prepared = cli.prepare_or_fail(protocol)
    if args.split == "train":
        images, labels = prepared.x_train, prepared.noisy.clean_labels
    else:
        images, labels = prepared.x_test, prepared.y_test
    described = f"{len(images)} {args.split} images of {prepared.name} ({prepared.source}), clean labels"
    print(f"Ablating on {described}.", flush=True)
    curves = {}
    for path, model in loaded.items():
        label = os.path.relpath(path, "saved_models") if path.startswith("saved_models") else path
        try:
            curves[label] = analysis.cumulative_ablation(model, images, labels, mode=args.mode,
                                                         seeds=tuple(range(args.seeds)))
        except ValueError as error:  # e.g. a model trained on other images
            arguments.fail(f"{path}: {error}")
        print(f"{label}: " + " ".join(f"{100 * m:.1f}" for m in curves[label].mean), flush=True)
    if not chief:
        return
    rows = [{"model": label, "split": args.split, "ablated %": round(100 * f), "mean acc %": 100 * r.mean[i],
             "std %": 100 * r.std[i]} for label, r in curves.items() for i, f in enumerate(r.fractions)]
    table = reports.markdown_table(rows, list(rows[0]))
    atomic.write_text(os.path.join(args.output, "ablation.csv"), reports.csv_text(rows))
    atomic.write_text(os.path.join(args.output, "ablation.md"),
                      f"Mode: {args.mode}, {args.seeds} mask seeds, {described}.\n\n{table}\n")
    reports.plot_ablation(curves, os.path.join(args.output, "ablation.png"))
    print("\n" + table + f"\n\nWrote ablation.csv, ablation.md and ablation.png to {args.output}")


if __name__ == "__main__":
    main()
