"""One table of methods against label noise, each without and with AL2, from finished runs.

Each method is a multi-seed run of `label_randomization.py` (its `seeds.json` and
per-seed results, as a run writes them or as saved_models/reference/ ships them),
e.g. one per loss (`--loss gce`, `--loss sce`, ...) or with `--mixup 1`. Writes
methods.md and methods.csv (final and last-5 test accuracy without and with
AL2, AL2's effect per seed) and methods.png (mean test accuracy curves).

Run: python examples/compare_methods.py --method cross_entropy=runs/quick_seeds --method gce=runs/losses_gce ...
"""

import argparse
import os

from al2_keras.experiments import arguments, atomic, cli, reports, results


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--method", action="append", required=True, metavar="NAME=RUN_DIR",
                        help="a method's name and its label_randomization.py --seeds run directory (repeat)")
    parser.add_argument("--baseline", default="bare", help="the baseline compared without / with AL2")
    cli.add_output_flags(parser, output="runs/methods")
    return parser, parser.parse_args()


def read_methods(parser, pairs) -> dict:
    """Name -> (seed statistics, results by seed) of each `NAME=RUN_DIR`, or one error line."""
    methods = {}
    for pair in pairs:
        name, _, directory = pair.partition("=")
        if not name or not directory:
            parser.error(f"argument --method: expected NAME=RUN_DIR, got {pair!r}")
        if name in methods:
            parser.error(f"argument --method: {name!r} is given twice")
        try:
            methods[name] = results.read_seeds(directory)
        except FileNotFoundError as error:
            arguments.fail(f"{error} Run label_randomization.py --seeds ... --run {os.path.basename(directory)} "
                           "first, or name the run's directory.")
        except (OSError, ValueError) as error:
            arguments.fail(f"{error}")
    return methods


def main():
    parser, args = parse_args()
    methods = read_methods(parser, args.method)
    statistics_by_method = {name: statistics for name, (statistics, _) in methods.items()}
    variants = [results.variant_name(args.baseline, al2) for al2 in (False, True)]
    for name, statistics in statistics_by_method.items():
        if not set(variants) <= set(statistics["variants"]):
            arguments.fail(f"The run of {name!r} lacks {variants}; it holds {sorted(statistics['variants'])}.")
    cli.refuse_existing(args.output, hint="choose another --output")
    os.makedirs(args.output)
    table = reports.method_table(statistics_by_method, args.baseline)
    atomic.write_text(os.path.join(args.output, "methods.md"), table + "\n")
    atomic.write_text(os.path.join(args.output, "methods.csv"),
                      reports.csv_text(results.method_rows(statistics_by_method, args.baseline)))
    reports.plot_methods({name: by_seed for name, (_, by_seed) in methods.items()}, args.baseline,
                         os.path.join(args.output, "methods.png"))
    print(table + f"\n\nWrote methods.md, methods.csv, methods.png to {args.output}")


if __name__ == "__main__":
    main()
