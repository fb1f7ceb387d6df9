"""A PyTorch transcription of the AL2 reference experiment, and our throughput against it.

The reference is the paper's code, majedelhelou/AL2 (`code/`, PyTorch 0.4).
Each piece below is written from reading it and names the file and function
it follows; nothing is copied. One network instance (`total_instances=1`) is
the AL2 experiment: the reference then replaces its mapping loss by
`((activations - 0) ** 2).mean()` on the trunk output
(`funnelNet_utils.epoch_train_funnelNet`).

The parity harness (`weight_transfer.py`, `step_parity.py`, `seed_parity.py`)
trains this transcription side by side with `al2_keras`. Run as a script,
this file is a throughput benchmark: images/s of `fit` on the runner's
tf.data stream against the transcription's `DataLoader` loop, epochs
alternating (torch, keras, torch, ...) so that both see the same machine
load, the first epoch of each a warm-up; then the same on one fixed batch
(no input pipeline), the compute-only bound (target ours / torch >= 1.5 on
CPU). PyTorch is a test and benchmark dependency only:
`pip install "torch==2.13.*"` (a CPU build where one is served).

Run alone (other heavy jobs distort timings): python benchmarks/torch_reference.py
"""

import argparse
import math
import statistics
import time
from typing import Optional, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

# `code/train.py`, `normalizations`: ToTensor (x / 255) then Normalize(mean, std).
NORMALIZATION = {"mnist": (0.1307, 0.3081), "fashion_mnist": (0.5, 0.5)}


class ReferenceSmallNet(nn.Module):
    """One instance of the reference's funnelNet with its small CNN.

    `funnelNet_utils.funnelNet.get_smallNet_trunk`: Conv2d(in, 20, 5), ReLU,
    MaxPool2d(2, 2), Conv2d(20, 50, 5), [BatchNorm2d(50, eps=1e-5,
    momentum=0.1)], ReLU, MaxPool2d(2, 2), [Dropout(p)]: Dropout, when set,
    ends the trunk. `get_smallNet_fcs`: Linear(width * width * 50, 500),
    ReLU, Linear(500, classes), LogSoftmax. PyTorch's default initialization
    (the reference applies `weights_init_kaiming` to DenseNet only).
    `forward` returns what `funnelNet.forward` gives per instance: the
    log-probabilities and the trunk output flattened in NCHW order.
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, width: int = 4,
                 batch_norm: bool = False, dropout_rate: float = 0.0):
        super().__init__()
        self.options = dict(in_channels=in_channels, num_classes=num_classes, width=width, batch_norm=batch_norm,
                            dropout_rate=dropout_rate)
        layers = [nn.Conv2d(in_channels, 20, 5, 1), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Conv2d(20, 50, 5, 1)]
        if batch_norm:
            layers.append(nn.BatchNorm2d(50, eps=1e-05, momentum=0.1))
        layers += [nn.ReLU(), nn.MaxPool2d(2, 2)]
        if dropout_rate > 0:
            layers.append(nn.Dropout(p=dropout_rate))
        self.trunk = nn.Sequential(*layers)
        self.fcs = nn.Sequential(nn.Linear(width * width * 50, 500), nn.ReLU(),
                                 nn.Linear(500, num_classes), nn.LogSoftmax(dim=1))

    def forward(self, images: torch.Tensor) -> tuple:
        features = self.trunk(images).flatten(1)
        return self.fcs(features), features


def weights_init_kaiming(module: nn.Module) -> None:
    """`code/train.py`, `weights_init_kaiming` (applied with `model.apply`; DenseNet only).

    Conv and Linear weights: Kaiming normal, fan-in, a=0; BatchNorm: gamma
    from N(0, 2/9/64) clamped to [-0.025, 0.025], beta 0. Biases keep
    PyTorch's default.
    """
    name = type(module).__name__
    if "Conv" in name or "Linear" in name:
        nn.init.kaiming_normal_(module.weight.data, a=0, mode="fan_in")
    elif "BatchNorm" in name:
        module.weight.data.normal_(mean=0, std=math.sqrt(2.0 / 9.0 / 64.0)).clamp_(-0.025, 0.025)
        nn.init.constant_(module.bias.data, 0.0)


def map_weights(epochs: int, start: float = 0.01, threshold: float = 5.0, growth: float = 1.1,
                late_growth: float = 1.01) -> list:
    """The AL2 weight of each epoch: `funnelNet_utils.get_map_weights` (funnelNet case).

    Epoch 0 gets `start`; each next epoch multiplies the previous weight by
    `growth` while that weight is below `threshold`, else by `late_growth`.
    """
    weights = [start]
    for _ in range(1, epochs):
        weights.append(weights[-1] * (growth if weights[-1] < threshold else late_growth))
    return weights[:epochs]


def compressed_map_weights(epochs: int, time_scale: float = 1.0, al2: bool = True) -> list:
    """The weight of each of `epochs` epochs when one epoch stands for `time_scale` of the reference's.

    Epoch k takes `map_weights`' value at the reference's epoch `time_scale * k`
    (what `ProgressiveSchedule.time_compressed(time_scale)` gives); all 0 without AL2.
    """
    paper = map_weights(int((epochs - 1) * time_scale) + 1)
    return [paper[int(epoch * time_scale)] if al2 else 0.0 for epoch in range(epochs)]


def wrong_targets(targets: np.ndarray, fraction: float, num_classes: int,
                  rng: np.random.RandomState) -> tuple:
    """`MNIST_utils.get_wrong_targets`, vectorized: returns `(labels, changed)`.

    Each label is chosen with probability `fraction` (the reference's
    `np.random.choice([1, 0], p=[p, 1 - p])`) and replaced by a class drawn
    uniformly among the `num_classes - 1` others. The draws come from `rng`
    in another order than the reference's per-sample loop: the same
    distribution, not the same stream.
    """
    targets = np.asarray(targets).astype(np.int64)
    changed = rng.choice([1, 0], size=len(targets), p=[fraction, 1 - fraction]).astype(bool)
    others = rng.randint(0, num_classes - 1, size=len(targets))  # k-th class other than the true one
    replaced = others + (others >= targets)
    return np.where(changed, replaced, targets), changed


def to_tensor(images: np.ndarray, dataset: str = "fashion_mnist", scaling: str = "reference",
              dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """uint8 images (N, H, W[, C]) as the reference's transform makes them, NCHW.

    `code/train.py`: `transforms.ToTensor()` (x / 255) then
    `transforms.Normalize(*normalizations[dataset])`; `scaling="unit"`
    stops after ToTensor (the quick preset's pixels in [0, 1]).
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., None]
    x = torch.from_numpy(images.transpose(0, 3, 1, 2).astype(np.float32) / np.float32(255.0))
    if scaling == "reference":
        mean, std = NORMALIZATION[dataset]
        x = (x - mean) / std
    return x.to(dtype)


def make_optimizer(model: nn.Module, learning_rate: float, momentum: float,
                   weight_decay: float = 0.0) -> torch.optim.SGD:
    """`code/train.py`: SGD over every parameter, coupled weight decay included."""
    return torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=momentum, weight_decay=weight_decay)


def training_step(model: nn.Module, optimizer: torch.optim.Optimizer, images: torch.Tensor,
                  labels: torch.Tensor, map_weight: float) -> dict:
    """One step of `funnelNet_utils.epoch_train_funnelNet` with one instance (no mixup).

    Loss: `nll_loss(log-probabilities, labels)`, plus `map_weight` times the
    mean of the squared trunk output when the weight is not 0. Returns the
    step's loss, L_c and L_r, measured before the update as the reference
    logs them, and the batch size.
    """
    optimizer.zero_grad()
    log_probabilities, features = model(images)
    cross_entropy = F.nll_loss(log_probabilities, labels)
    activation_loss = ((features - 0) ** 2).mean()
    loss = cross_entropy if map_weight == 0 else cross_entropy + map_weight * activation_loss
    loss.backward()
    optimizer.step()
    return {"loss": loss.item(), "cross_entropy": cross_entropy.item(), "activation_loss": activation_loss.item(),
            "size": len(labels)}


def train_epoch(model: nn.Module, optimizer: torch.optim.Optimizer, batches, map_weight: float) -> list:
    """`epoch_train_funnelNet`: `training_step` over `batches` in train mode; per-step logs."""
    model.train()
    return [training_step(model, optimizer, images, labels, map_weight) for images, labels in batches]


def evaluate(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000) -> dict:
    """`funnelNet_utils.test_funnelNet` with one instance: eval mode, no gradients.

    Returns the accuracy in % of `labels`, the mean cross-entropy and the
    per-sample mean of L_r.
    """
    model.eval()
    correct, cross_entropy, activation_loss = 0, 0.0, 0.0
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            x, y = images[start:start + batch_size], labels[start:start + batch_size]
            log_probabilities, features = model(x)
            cross_entropy += F.nll_loss(log_probabilities, y, reduction="sum").item()
            activation_loss += (features ** 2).mean().item() * len(x)
            correct += (log_probabilities.argmax(dim=1) == y).sum().item()
    return {"accuracy": 100.0 * correct / len(images), "cross_entropy": cross_entropy / len(images),
            "activation_loss": activation_loss / len(images)}


def predict(model: nn.Module, images: torch.Tensor, batch_size: int = 1000) -> np.ndarray:
    """Predicted classes in eval mode."""
    model.eval()
    with torch.no_grad():
        return torch.cat([model(images[s:s + batch_size])[0].argmax(dim=1)
                          for s in range(0, len(images), batch_size)]).numpy()


def loader(images: torch.Tensor, labels: torch.Tensor, batch_size: int = 64,
           seed: Optional[int] = None) -> torch.utils.data.DataLoader:
    """`code/train.py`'s training `DataLoader`: shuffled batches, the last one partial."""
    generator = None if seed is None else torch.Generator().manual_seed(seed)
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=batch_size,
                                       shuffle=True, generator=generator)


# --- Throughput: ours against the transcription -------------------------------------------------------------


def alternating_rates(torch_data, keras_data, steps: int, images: int, epochs: int, lr: float, momentum: float,
                      weight_decay: float) -> dict:
    """Variant -> median images/s of each framework, epochs alternating (the first one a warm-up)."""
    import keras

    import al2_keras

    rates = {}
    for variant, weight in (("bare", 0.0), ("with AL2", 0.01)):
        torch.manual_seed(0)
        reference = ReferenceSmallNet()
        optimizer = make_optimizer(reference, lr, momentum, weight_decay)
        keras.utils.set_random_seed(0)
        ours = al2_keras.small_net(al2=weight > 0, weight_decay=weight_decay)
        ours.compile(keras.optimizers.SGD(lr, momentum=momentum), "sparse_categorical_crossentropy")
        times = {"torch": [], "keras": []}
        for epoch in range(epochs + 1):  # epoch 0: warm-up (tracing, allocation)
            start = time.perf_counter()
            train_epoch(reference, optimizer, torch_data, weight)
            torch_rate = images / (time.perf_counter() - start)
            start = time.perf_counter()
            ours.fit(keras_data, epochs=1, steps_per_epoch=steps, verbose=0)
            keras_rate = images / (time.perf_counter() - start)
            if epoch:
                times["torch"].append(torch_rate)
                times["keras"].append(keras_rate)
        rates[variant] = {name: statistics.median(values) for name, values in times.items()}
    return rates


def print_rates(title: str, rates: dict) -> None:
    print(title)
    print("| variant | PyTorch reference (images/s) | al2_keras (images/s) | ours / reference |")
    print("|---|---|---|---|")
    for variant, rate in rates.items():
        print(f"| {variant} | {rate['torch']:,.0f} | {rate['keras']:,.0f} | {rate['keras'] / rate['torch']:.2f} |")


def main(argv: Optional[Sequence[str]] = None) -> None:
    import keras
    import tensorflow as tf

    from al2_keras.experiments import datasets

    parser = argparse.ArgumentParser(description="Training throughput: al2_keras against the PyTorch transcription.")
    parser.add_argument("--images", type=int, default=20000, help="training images per epoch")
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per framework and variant")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="PyTorch CPU threads (this machine: 2 cores)")
    parser.add_argument("--weight-decay", type=float, default=0.0,
                        help="coupled weight decay of both (PyTorch SGD's; small_net(weight_decay=...))")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    x = rng.random((args.images, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, args.images)
    torch_x, torch_y = torch.from_numpy(x.transpose(0, 3, 1, 2).copy()), torch.from_numpy(y)
    # The runner's pipeline: an endless stream of shuffled epochs (index shuffle + gather).
    dataset = datasets.make_dataset(x, y, args.batch_size, shuffle=True, seed=0, first_epoch=0)
    steps = datasets.steps_per_epoch(args.images, args.batch_size)
    settings = dict(steps=steps, epochs=args.epochs, lr=0.01, momentum=0.9, weight_decay=args.weight_decay)
    rates = alternating_rates(loader(torch_x, torch_y, args.batch_size, seed=0), dataset, images=args.images,
                              **settings)
    # Compute only: the training step on one fixed batch, repeated.
    b = args.batch_size
    fixed_torch = [(torch_x[:b], torch_y[:b])] * steps
    fixed_keras = tf.data.Dataset.from_tensors((x[:b], y[:b])).repeat()
    floor = alternating_rates(fixed_torch, fixed_keras, images=steps * b, **settings)
    print(f"Small CNN, batch {b}, {args.images:,} images per epoch, CPU, Keras {keras.__version__} "
          f"({keras.backend.backend()}), PyTorch {torch.__version__} ({torch.get_num_threads()} threads); "
          f"median of {args.epochs} alternating epochs")
    print_rates("", rates)
    print_rates("\nCompute only (one fixed batch, no input pipeline):", floor)


if __name__ == "__main__":
    main()
