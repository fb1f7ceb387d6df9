"""Speed and agreement of al2_keras's CCA, SVCCA and PWCCA against NumPy.

Times our TensorFlow implementations against `svcca_numpy.py` (a NumPy
float64 transcription of svcca's `cca_core` recipe), side by side in one run,
on synthetic ReLU activations at (neurons x datapoints) 50 x 160,000,
500 x 10,000 and 2,048 x 20,000. Prints the median time of each, the ratio
NumPy / ours and the largest coefficient difference; then the peak memory
(VmHWM of a fresh process) of the streaming accumulator over 100,000 and
1,000,000 datapoints.

Run alone (other heavy jobs distort timings): python benchmarks/similarity.py
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import svcca_numpy  # noqa: E402

import al2_keras  # noqa: E402

SIZES = [(50, 160_000), (500, 10_000), (2048, 20_000)]
METHODS = ("CCA", "SVCCA", "PWCCA")


def activations(neurons, datapoints, seed):
    """Two ReLU representations sharing a low-dimensional signal."""
    rng = np.random.default_rng(seed)
    rank = min(64, neurons)
    signal = rng.standard_normal((rank, datapoints))
    x = np.maximum(rng.standard_normal((neurons, rank)) @ signal
                   + rng.standard_normal((neurons, datapoints)), 0.0)
    y = np.maximum(rng.standard_normal((neurons, rank)) @ signal
                   + rng.standard_normal((neurons, datapoints)), 0.0)
    return x, y


def median_time(function, repeats):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def compare(neurons, datapoints, repeats, keep, methods=METHODS):
    x, y = activations(neurons, datapoints, seed=neurons)
    rows = []
    cases = {
        "CCA": (lambda: al2_keras.cca(x, y).coefficients,
                lambda: svcca_numpy.cca(x, y)[0]),
        f"SVCCA (keep {keep})": (lambda: al2_keras.svcca(x, y, keep=keep).coefficients,
                                 lambda: svcca_numpy.svcca(x, y, keep=keep)),
        # svcca's definition on both sides (our default, Morcos et al.'s on
        # centred activations, is a different number on uncentred inputs).
        "PWCCA": (lambda: np.array([al2_keras.pwcca(x, y, svcca_compatible=True).mean]),
                  lambda: np.array([svcca_numpy.pwcca(x, y)[0]])),
    }
    for name, (ours, numpy_version) in cases.items():
        if name.split()[0] not in methods:
            continue
        ours()  # warm up (graph building, thread pools)
        t_numpy, expected = median_time(numpy_version, repeats)
        t_ours, got = median_time(ours, repeats)
        rows.append((name, t_ours, t_numpy, float(np.max(np.abs(got - expected)))))
    return rows


def streaming_peak_rss(datapoints, neurons=50, batch=10_000):
    """Peak resident memory (VmHWM, MiB) of a fresh process streaming `datapoints`."""
    code = f"""
import numpy as np, al2_keras
acc = al2_keras.CovarianceAccumulator()
rng = np.random.default_rng(0)
for start in range(0, {datapoints}, {batch}):
    x = np.maximum(rng.standard_normal(({neurons}, {batch})), 0)
    acc.update(x, x[::-1] + rng.standard_normal(({neurons}, {batch})))
result = acc.pwcca()
peak = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(int(peak) / 1024, acc.count)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    peak, count = out.stdout.split()[-2:]
    return float(peak), int(count)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--keep", type=int, default=20)
    sizes_group = parser.add_mutually_exclusive_group()
    sizes_group.add_argument("--skip-large", action="store_true", help="skip 2,048 x 20,000")
    sizes_group.add_argument("--only-large", action="store_true", help="only 2,048 x 20,000")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated subset of {','.join(METHODS)}")
    parser.add_argument("--skip-streaming", action="store_true", help="skip the streaming memory check")
    args = parser.parse_args()
    sizes = SIZES[:-1] if args.skip_large else SIZES
    sizes = SIZES[-1:] if args.only_large else sizes
    methods = [m.strip().upper() for m in args.methods.split(",")]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown --methods {unknown}; choose from {','.join(METHODS)}")
    print(f"float64, median of {args.repeats} runs each, side by side in one process")
    print("| neurons x datapoints | method | ours (s) | NumPy svcca recipe (s) | speed-up | max |diff| |")
    print("|---|---|---|---|---|---|")
    for neurons, datapoints in sizes:
        for name, t_ours, t_numpy, diff in compare(neurons, datapoints, args.repeats, args.keep, methods):
            print(f"| {neurons} x {datapoints:,} | {name} | {t_ours:.3f} | {t_numpy:.3f} | "
                  f"{t_numpy / t_ours:.2f}x | {diff:.1e} |", flush=True)
    if args.skip_streaming:
        return
    print("\nStreaming accumulator (50 + 50 neurons, batches of 10,000), peak resident memory of a fresh process:")
    for datapoints in (100_000, 1_000_000):
        peak, count = streaming_peak_rss(datapoints)
        print(f"  {count:>9,} datapoints: {peak:.0f} MiB", flush=True)


if __name__ == "__main__":
    main()
