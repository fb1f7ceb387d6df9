"""Retrains variants of a committed results file from its own protocol and compares every logged number.

Reads the file's protocol (`training.Protocol.from_settings`, older files
included), trains each chosen variant as the runner trains it
(`training.run_variants`, into a scratch directory), and prints, per variant, the largest absolute
difference of every logged quantity over the epochs
(`results.largest_differences`). Exits 1 if one exceeds `--tolerance`.

Bit-for-bit agreement needs the thread setting the file was made with: the
runs made with the default threads reproduce with the default; runs made with
`TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1` (see the folder's
provenance.json) need the same environment.

Run: python tools/reproduce.py saved_models/reference/quick_seeds/seed_0_results.json \
         --variants bare_no_al2,bare_al2
"""

import argparse
import dataclasses
import json
import sys
import tempfile
from typing import Optional, Sequence


def protocols_of(saved: dict) -> dict:
    """Variant -> `Protocol` of a results file: its one protocol, or each variant's."""
    from al2_keras.experiments import training

    settings = saved["protocol"]
    fields = {field.name for field in dataclasses.fields(training.Protocol)}
    shared = set(settings) <= fields
    return {name: training.Protocol.from_settings(settings if shared else settings[name])
            for name in saved["results"]}


def reproduce(path: str, variants: Optional[Sequence[str]] = None, data_dir: Optional[str] = None) -> dict:
    """Trains `variants` (default: all) of the results file `path` again; returns `results.largest_differences`."""
    from al2_keras.experiments import results, training

    with open(path, encoding="utf-8") as f:
        saved = json.load(f)
    protocols = protocols_of(saved)
    names = list(variants or saved["results"])
    unknown = sorted(set(names) - set(saved["results"]))
    if unknown:
        raise ValueError(f"{path} has no variant {unknown}; it holds {sorted(saved['results'])}.")
    variants = {}
    for name in names:
        run, protocol = saved["results"][name], protocols[name]
        if run["baseline"] not in training.BASELINES:  # a comparison arm: its results record its name instead
            raise ValueError(f"{name}: the file does not record which baseline it trained ({run['baseline']!r}); "
                             "only variants of one protocol (Table 1's layout) can be retrained from it.")
        if data_dir is not None:
            protocol = dataclasses.replace(protocol, data_dir=data_dir)
        variants[name] = training.Variant(protocol, run["baseline"], run["al2"])
    seed = next(iter(variants.values())).protocol.seed
    with tempfile.TemporaryDirectory() as scratch:  # the runner's files; only the numbers are compared
        retrained = training.run_variants(variants, [seed], scratch, seed_directories=False)[seed]
    return results.largest_differences(retrained, saved["results"])


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results_file", help="a results.json or a shipped seed_<s>_results.json")
    parser.add_argument("--variants", default=None, metavar="V1,V2,...", help="the variants to retrain (default: all)")
    parser.add_argument("--data-dir", default=None,
                        help="where the dataset is, if not where the file's protocol says (default: its data_dir)")
    parser.add_argument("--tolerance", type=float, default=0.0,
                        help="largest absolute difference allowed (default 0: bit for bit)")
    args = parser.parse_args(argv)
    try:
        differences = reproduce(args.results_file, args.variants.split(",") if args.variants else None,
                                args.data_dir)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n| variant | quantity | largest difference |\n|---|---|---|")
    for name, by_key in differences.items():
        for key, difference in sorted(by_key.items()):
            print(f"| {name} | {key} | {difference:.3g} |")
    largest = max(difference for by_key in differences.values() for difference in by_key.values())
    counted = sum(len(by_key) for by_key in differences.values())
    print(f"\n{counted} series over {len(differences)} variants; largest difference {largest:.3g} "
          f"(tolerance {args.tolerance:g})")
    return 0 if largest <= args.tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
