"""The cost of one epoch of the reference's protocol, part by part, and against the PyTorch transcription.

At the paper's scale (`Protocol()`: 60,000 training images, batch 64, the
small CNN with AL2), each timed round measures, on one model:

1. training alone: `fit` over the runner's tf.data stream, no validation;
2. the test pass: `evaluate` on the 10,000 test images (every epoch);
3. the memorized-share pass: `training_set_accuracies`, one inference pass
   over the 60,000 training images (every epoch, or every K with
   `--memorized-every K`);
4. the PyTorch transcription's training epoch (`torch_reference.py`) on the
   same images, same batch size, rounds alternating so that both see the same
   machine load.

Prints images/s (medians over rounds) for training alone and for the whole
epoch with and without the memorized pass every epoch, and the ratio against
PyTorch. With no `--data-dir`, random images of MNIST's shape (the cost does
not depend on the pixels).

Run alone (other heavy jobs distort timings): python benchmarks/paper_epoch.py [--data-dir DIR]
"""

import argparse
import os
import statistics
import sys
import time

import keras
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_reference  # noqa: E402

from al2_keras.experiments import datasets, training  # noqa: E402
from al2_keras.experiments.training.callbacks import training_set_accuracies  # noqa: E402


def prepared_data(data_dir):
    protocol = training.paper_protocol(data_dir=data_dir)
    if data_dir:
        return protocol, training.prepare_data(protocol)
    rng = np.random.default_rng(0)
    images = datasets.ImageData("mnist", rng.integers(0, 256, (60000, 28, 28, 1), dtype=np.uint8),
                                rng.integers(0, 10, 60000), rng.integers(0, 256, (10000, 28, 28, 1), dtype=np.uint8),
                                rng.integers(0, 10, 10000), 10, "random images of MNIST's shape")
    return protocol, training.prepare_data(protocol, images)


def seconds(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None, help="MNIST's IDX files (default: random images)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (after one warm-up round)")
    parser.add_argument("--threads", type=int, default=2, help="PyTorch CPU threads (this machine: 2 cores)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    protocol, prepared = prepared_data(args.data_dir)
    count, steps = len(prepared.x_train), datasets.steps_per_epoch(len(prepared.x_train), protocol.batch_size)
    keras.utils.set_random_seed(0)
    model = training.build_model(protocol, prepared.x_train.shape[1:], prepared.num_classes, al2_weight=0.01)
    training.compile_for_protocol(model, protocol, steps_per_epoch=steps)
    train = datasets.make_dataset(prepared.x_train, prepared.noisy.labels, protocol.batch_size, shuffle=True,
                                  seed=0, first_epoch=0)
    test = datasets.make_dataset(prepared.x_test, prepared.y_test, 1024)
    reference = torch_reference.ReferenceSmallNet()
    optimizer = torch_reference.make_optimizer(reference, protocol.learning_rate, protocol.momentum)
    torch_x = torch.from_numpy(prepared.x_train.transpose(0, 3, 1, 2).copy())
    torch_y = torch.from_numpy(prepared.noisy.labels.astype(np.int64))
    parts = {"training": [], "test pass": [], "memorized pass": [], "PyTorch training": []}
    for round_ in range(args.rounds + 1):  # round 0 traces and warms up
        times = {
            "PyTorch training": seconds(lambda: torch_reference.train_epoch(
                reference, optimizer, torch_reference.loader(torch_x, torch_y, protocol.batch_size, seed=round_),
                0.01)),
            "training": seconds(lambda: model.fit(train, epochs=1, steps_per_epoch=steps, verbose=0)),
            "test pass": seconds(lambda: model.evaluate(test, verbose=0)),
            "memorized pass": seconds(lambda: training_set_accuracies(model, prepared)),
        }
        if round_:
            for part, value in times.items():
                parts[part].append(value)
        print(f"round {round_}{' (warm-up)' if not round_ else ''}: "
              + ", ".join(f"{part} {value:.2f} s" for part, value in times.items()), flush=True)
    median = {part: statistics.median(values) for part, values in parts.items()}
    epoch = median["training"] + median["test pass"]
    print(f"\nOne epoch of the reference's protocol ({count:,} training images, batch {protocol.batch_size}, "
          f"{prepared.source}); Keras {keras.__version__} ({keras.backend.backend()}), PyTorch {torch.__version__} "
          f"({args.threads} threads); medians of {args.rounds} rounds:")
    print(f"  training alone:                       {count / median['training']:8,.0f} images/s "
          f"({median['training']:.2f} s)")
    print(f"  epoch (training + test pass):         {count / epoch:8,.0f} images/s ({epoch:.2f} s)")
    print(f"  epoch + memorized pass every epoch:   {count / (epoch + median['memorized pass']):8,.0f} images/s "
          f"({epoch + median['memorized pass']:.2f} s; the pass is "
          f"{100 * median['memorized pass'] / (epoch + median['memorized pass']):.0f}% of it)")
    print(f"  PyTorch transcription, training alone: {count / median['PyTorch training']:8,.0f} images/s "
          f"({median['PyTorch training']:.2f} s)")
    print(f"  ratio Keras / PyTorch, training alone: {median['PyTorch training'] / median['training']:.2f}")


if __name__ == "__main__":
    main()
