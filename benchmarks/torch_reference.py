"""Training throughput: ours (Keras) against a PyTorch transcription of the reference.

The PyTorch side transcribes the reference's training loop (the paper's code,
PyTorch 0.4): the small CNN (Conv2d(1, 20, 5) ReLU MaxPool(2) Conv2d(20, 50, 5)
ReLU MaxPool(2) -> 800 features; Linear(800, 500) ReLU Linear(500, 10)),
`SGD(lr, momentum, weight_decay)` (coupled weight decay), cross-entropy on the
logits plus `weight * mean(features ** 2)` for AL2, and a shuffling
`DataLoader` over in-memory tensors. Ours is `al2_keras.small_net` compiled as
the runner compiles it, trained by `fit` on the runner's tf.data stream
(`datasets.make_dataset(..., first_epoch=0)`).

Both train on the same images and batch size in one process; epochs
alternate (torch, keras, torch, keras, ...) so that both see the same machine
load, and the first epoch of each is a warm-up. Prints images/s (median over
the timed epochs) for each, without and with AL2, and the ratio ours / torch
(target >= 1.5 on CPU). Then the same training steps on one fixed in-memory
batch (no input pipeline, no shuffling): the compute-only rate of each
framework's kernels, which bounds what any input pipeline can reach. PyTorch is a benchmark dependency only:
`pip install "torch==2.13.*"` (a CPU build where one is served).

Run alone (other heavy jobs distort timings): python benchmarks/torch_reference.py
"""

import argparse
import statistics
import time

import keras
import numpy as np
import tensorflow as tf
import torch
from torch import nn

import al2_keras
from al2_keras import datasets


class ReferenceNet(nn.Module):
    """The reference's small CNN: trunk (features) and head (logits)."""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.trunk = nn.Sequential(
            nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(20, 50, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
        self.head = nn.Sequential(nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, num_classes))

    def forward(self, images):
        features = self.trunk(images)
        return self.head(features), features


def torch_epoch(model, optimizer, loader, al2_weight, device) -> int:
    """One epoch of the reference's training step; returns the images seen."""
    model.train()
    seen = 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        logits, features = model(images)
        loss = nn.functional.cross_entropy(logits, labels)
        if al2_weight:
            loss = loss + al2_weight * features.pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        seen += len(images)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return seen


def keras_model(al2: bool, lr: float, momentum: float, weight_decay: float) -> keras.Model:
    keras.utils.set_random_seed(0)
    model = al2_keras.small_net(al2=al2, weight_decay=weight_decay)
    model.compile(keras.optimizers.SGD(lr, momentum=momentum), "sparse_categorical_crossentropy")
    return model


def alternating_rates(torch_data, keras_data, steps, images, epochs, device, lr, momentum, weight_decay) -> dict:
    """Variant -> median images/s of each framework, epochs alternating (the first one a warm-up)."""
    rates = {}
    for variant, weight in (("bare", 0.0), ("with AL2", 0.01)):
        torch.manual_seed(0)
        reference = ReferenceNet().to(device)
        optimizer = torch.optim.SGD(reference.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
        ours = keras_model(weight > 0, lr, momentum, weight_decay)
        times = {"torch": [], "keras": []}
        for epoch in range(epochs + 1):  # epoch 0: warm-up (tracing, allocation)
            start = time.perf_counter()
            seen = torch_epoch(reference, optimizer, torch_data, weight, device)
            torch_rate = seen / (time.perf_counter() - start)
            start = time.perf_counter()
            ours.fit(keras_data, epochs=1, steps_per_epoch=steps, verbose=0)
            keras_rate = images / (time.perf_counter() - start)
            if epoch:
                times["torch"].append(torch_rate)
                times["keras"].append(keras_rate)
        rates[variant] = {name: statistics.median(values) for name, values in times.items()}
    return rates


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=20000, help="training images per epoch")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per framework and variant")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="PyTorch CPU threads (this machine: 2 cores)")
    parser.add_argument("--weight-decay", type=float, default=0.0,
                        help="coupled weight decay of both (PyTorch SGD's; small_net(weight_decay=...))")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    lr, momentum, weight_decay = 0.01, 0.9, args.weight_decay

    rng = np.random.default_rng(0)
    x = rng.random((args.images, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, args.images)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x.transpose(0, 3, 1, 2).copy()), torch.from_numpy(y)),
        batch_size=args.batch_size, shuffle=True)
    # The runner's pipeline: an endless stream of shuffled epochs (index shuffle + gather).
    dataset = datasets.make_dataset(x, y, args.batch_size, shuffle=True, seed=0, first_epoch=0)
    steps = datasets.steps_per_epoch(args.images, args.batch_size)

    settings = dict(steps=steps, epochs=args.epochs, device=device, lr=lr, momentum=momentum,
                    weight_decay=weight_decay)
    rates = alternating_rates(loader, dataset, images=args.images, **settings)
    # Compute only: the training step on one fixed batch, repeated.
    xb, yb = x[: args.batch_size], y[: args.batch_size]
    fixed_torch = [(torch.from_numpy(xb.transpose(0, 3, 1, 2).copy()), torch.from_numpy(yb))] * steps
    fixed_keras = tf.data.Dataset.from_tensors((xb, yb)).repeat()
    floor = alternating_rates(fixed_torch, fixed_keras, images=steps * args.batch_size, **settings)

    print(f"Small CNN, batch {args.batch_size}, {args.images:,} images per epoch, device {device.type}, "
          f"Keras {keras.__version__} ({keras.backend.backend()}), PyTorch {torch.__version__} "
          f"({torch.get_num_threads()} threads); median of {args.epochs} alternating epochs")
    print("| variant | PyTorch reference (images/s) | al2_keras (images/s) | ours / reference |")
    print("|---|---|---|---|")
    for variant, rate in rates.items():
        print(f"| {variant} | {rate['torch']:,.0f} | {rate['keras']:,.0f} | {rate['keras'] / rate['torch']:.2f} |")
    print("\nCompute only (one fixed batch, no input pipeline):")
    print("| variant | PyTorch reference (images/s) | al2_keras (images/s) | ours / reference |")
    print("|---|---|---|---|")
    for variant, rate in floor.items():
        print(f"| {variant} | {rate['torch']:,.0f} | {rate['keras']:,.0f} | {rate['keras'] / rate['torch']:.2f} |")


if __name__ == "__main__":
    main()
