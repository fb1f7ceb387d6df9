"""Training-step overhead of the AL2 layer on the paper's small CNN.

Builds the small CNN (28x28x1 inputs, batch 64) with and without the AL2 layer,
then times blocks of training steps of the two models interleaved, so both
see the same machine load. Prints the median step time of each and the ratio
AL2 / bare (target <= 1.03 on CPU).

Runs on any Keras backend: `--backend jax` (or torch, tensorflow) sets
KERAS_BACKEND before Keras is imported.

Run alone (other heavy jobs distort timings): python benchmarks/overhead.py
"""

import argparse
import os
import statistics
import time

import numpy as np


def build(al2: bool, jit_compile):
    import keras

    import al2_keras

    keras.utils.set_random_seed(0)
    model = al2_keras.small_net(al2=al2)
    model.compile(
        optimizer=keras.optimizers.SGD(0.01, momentum=0.9),
        loss="sparse_categorical_crossentropy",
        jit_compile=jit_compile,
    )
    return model


def time_block(model, batches, steps: int) -> float:
    """Seconds per step over `steps` training steps."""
    start = time.perf_counter()
    for i in range(steps):
        x, y = batches[i % len(batches)]
        model.train_on_batch(x, y)  # returns NumPy values: waits for the step
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blocks", type=int, default=15)
    parser.add_argument("--steps", type=int, default=40, help="steps per block")
    parser.add_argument("--jit", choices=["auto", "on", "off"], default="auto")
    parser.add_argument("--backend", choices=["tensorflow", "jax", "torch"], default=None,
                        help="Keras backend (default: KERAS_BACKEND, else tensorflow)")
    args = parser.parse_args()
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    import keras

    jit = {"auto": "auto", "on": True, "off": False}[args.jit]

    rng = np.random.default_rng(0)
    batches = [
        (keras.ops.convert_to_tensor(rng.random((64, 28, 28, 1), dtype=np.float32)),
         keras.ops.convert_to_tensor(rng.integers(0, 10, 64)))
        for _ in range(8)
    ]
    models = {"bare": build(False, jit), "al2": build(True, jit)}
    for model in models.values():
        time_block(model, batches, 20)  # trace and warm up

    times = {name: [] for name in models}
    for block in range(args.blocks):
        order = list(models) if block % 2 == 0 else list(models)[::-1]
        for name in order:
            times[name].append(time_block(models[name], batches, args.steps))

    bare = statistics.median(times["bare"])
    al2 = statistics.median(times["al2"])
    ratios = [a / b for a, b in zip(times["al2"], times["bare"])]
    print(f"small CNN, backend {keras.backend.backend()}, batch 64, 28x28x1, jit_compile={args.jit}, "
          f"{args.blocks} interleaved blocks of {args.steps} steps")
    print("| model | median step (ms) | min step (ms) |")
    print("|---|---|---|")
    print(f"| bare | {1e3 * bare:.2f} | {1e3 * min(times['bare']):.2f} |")
    print(f"| with AL2 | {1e3 * al2:.2f} | {1e3 * min(times['al2']):.2f} |")
    print(f"ratio AL2 / bare: median of medians {al2 / bare:.3f}, "
          f"median of per-block ratios {statistics.median(ratios):.3f} (target <= 1.03)")


if __name__ == "__main__":
    main()
