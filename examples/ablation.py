"""Cumulative ablation (Sec. 5.2): zero a growing share of the representation.

Loads trained models (by default the quick preset's bare network without and
with AL2 shipped in saved_models/reference/), runs each trunk once over the clean test set,
zeroes 0%, 10%, ..., 100% of the representation (per-element random masks as
the reference, or the same units for every sample) and evaluates the head on
every level in one pass, over several mask seeds. Writes ablation.csv,
ablation.md and ablation.png to the output directory.

Run: python examples/ablation.py [--models A.keras B.keras] [--mode unit]
"""

import argparse
import csv
import os

import keras

import al2_keras  # noqa: F401  (registers the AL2 layer for loading)
from al2_keras import ablation, arguments, data, distribute, reports

DEFAULT_MODELS = [
    "saved_models/reference/small_net_quick_no_al2.keras",
    "saved_models/reference/small_net_quick_al2.keras",
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS, help=".keras files to compare")
    parser.add_argument("--dataset", default="fashion_mnist", choices=sorted(data.NUM_CLASSES))
    parser.add_argument("--data-dir", default=None, help="directory with the IDX files")
    parser.add_argument("--scaling", choices=data.SCALINGS, default="unit",
                        help="input scaling the models were trained with (quick preset: unit)")
    parser.add_argument("--mode", choices=ablation.MODES, default="element")
    parser.add_argument("--seeds", type=arguments.positive_int, default=3)
    parser.add_argument("--output", default="runs/ablation", help="output directory (must not exist)")
    distribute.add_strategy_argument(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    try:
        strategy = distribute.get_strategy(args.strategy)
    except ValueError as error:
        arguments.fail(f"{error}")
    chief = distribute.is_chief()  # only the chief writes
    missing = [path for path in args.models if not os.path.exists(path)]
    if missing:
        arguments.fail(f"no model file {missing}. Train them first with "
                         "`python examples/label_randomization.py --preset quick`, or pass --models.")
    if chief and os.path.exists(args.output):
        arguments.fail(f"{args.output} exists; choose another --output.")
    try:
        images = data.load(args.dataset, data_dir=args.data_dir)
    except (FileNotFoundError, ValueError) as error:
        arguments.fail(f"{error}")
    x_test = data.scale_images(images.x_test, images.name, args.scaling)
    curves = {}
    for path in args.models:
        label = os.path.relpath(path, "saved_models") if path.startswith("saved_models") else path
        with strategy.scope():
            model = keras.saving.load_model(path)
        curves[label] = ablation.cumulative_ablation(
            model, x_test, images.y_test, mode=args.mode, seeds=tuple(range(args.seeds)))
        print(f"{label}: " + " ".join(f"{100 * m:.1f}" for m in curves[label].mean), flush=True)

    if not chief:
        return
    os.makedirs(args.output)
    rows = [{"model": label, "ablated %": round(100 * f), "mean acc %": 100 * r.mean[i],
             "std %": 100 * r.std[i]} for label, r in curves.items() for i, f in enumerate(r.fractions)]
    with open(os.path.join(args.output, "ablation.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    table = reports.markdown_table(rows, list(rows[0]))
    with open(os.path.join(args.output, "ablation.md"), "w") as f:
        f.write(f"Mode: {args.mode}, {args.seeds} mask seeds, {len(x_test)} test images.\n\n{table}\n")
    reports.plot_ablation(curves, os.path.join(args.output, "ablation.png"))
    print("\n" + table + f"\n\nWrote ablation.csv, ablation.md and ablation.png to {args.output}")


if __name__ == "__main__":
    main()
