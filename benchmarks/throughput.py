"""Training throughput of the small CNN, and the cost of cumulative ablation.

1. Images per second over a full epoch of 60,000 28x28x1 images at batch 64
   (tf.data input included), without and with the AL2 layer, alternating
   epochs so that both see the same machine load; prints medians and the ratio.
2. Time to evaluate the 11 cumulative-ablation levels (one seed) on 10,000
   test images, with per-element masks and with per-unit masks, relative to
   one plain evaluation of the same images (target <= 1.5x).

Run alone (other heavy jobs distort timings): python benchmarks/throughput.py
"""

import argparse
import statistics
import time

import keras
import numpy as np

import al2_keras
from al2_keras.experiments import analysis, datasets


def build(al2: bool) -> keras.Model:
    keras.utils.set_random_seed(0)
    model = al2_keras.small_net(al2=al2)
    model.compile(keras.optimizers.SGD(0.01, momentum=0.9), "sparse_categorical_crossentropy")
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per model")
    parser.add_argument("--skip-training", action="store_true", help="only the ablation timings")
    parser.add_argument("--repeats", type=int, default=5, help="timed ablation/evaluation repeats")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.random((60000, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, 60000)
    # The runner's pipeline: an endless stream of shuffled epochs (index shuffle + gather).
    dataset = datasets.make_dataset(x, y, batch_size=64, shuffle=True, seed=0, first_epoch=0)
    steps = datasets.steps_per_epoch(len(x), 64)
    models = {"bare": build(False), "with AL2": build(True)}
    for model in models.values():
        model.fit(dataset.take(20), epochs=1, verbose=0)  # trace and warm up
    rates = {name: [] for name in models}
    for _ in range(0 if args.skip_training else args.epochs):
        for name, model in models.items():
            start = time.perf_counter()
            model.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0)
            rates[name].append(len(x) / (time.perf_counter() - start))
    if not args.skip_training:
        print("Training throughput, small CNN, batch 64, 60,000 images per epoch (tf.data included):")
        for name, values in rates.items():
            print(f"  {name:>9}: {statistics.median(values):,.0f} images/s (median of {args.epochs} epochs)")
        print(f"  ratio with AL2 / bare: "
              f"{statistics.median(rates['with AL2']) / statistics.median(rates['bare']):.3f}")

    model = models["with AL2"]
    x_test, y_test = x[:10000], y[:10000]
    model.evaluate(x_test, y_test, batch_size=1024, verbose=0)
    modes = ("element", "unit")
    for mode in modes:
        analysis.ablation.cumulative_ablation(model, x_test, y_test, mode=mode, seeds=(0,))
    plain, ablated = [], {mode: [] for mode in modes}
    for _ in range(args.repeats):  # interleaved, so that drifts hit all alike
        start = time.perf_counter()
        model.evaluate(x_test, y_test, batch_size=1024, verbose=0)
        plain.append(time.perf_counter() - start)
        for mode in modes:
            start = time.perf_counter()
            analysis.ablation.cumulative_ablation(model, x_test, y_test, mode=mode, seeds=(0,))
            ablated[mode].append(time.perf_counter() - start)
    print(f"\nAblation, 11 levels x 10,000 images, one seed; one plain evaluation "
          f"{statistics.median(plain):.2f} s (medians of {args.repeats}):")
    for mode in modes:
        ratio = statistics.median(ablated[mode]) / statistics.median(plain)
        print(f"  {mode:>7} masks: {statistics.median(ablated[mode]):.2f} s, ratio {ratio:.2f}x (target <= 1.5x)")

if __name__ == "__main__":
    main()
