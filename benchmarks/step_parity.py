"""Step parity: al2_keras and the PyTorch transcription of the reference, step for step.

Both sides start from the same weights (the transcription's PyTorch
initialization, transferred with `weight_transfer.torch_to_keras`), train
on the same batches in the same order with the same corrupted labels
(`torch_reference.wrong_targets`), and move the AL2 weight across epochs:
the Keras side through `fit` with `AL2Scheduler(ProgressiveSchedule)`, the
PyTorch side with the reference's `get_map_weights` list
(`torch_reference.map_weights`). Every step's L_c, L_r and total loss are
compared (the total includes weight decay's `wd / 2 * sum(w ** 2)`, which
Keras adds to its loss and the reference applies in SGD), then the weights,
BatchNorm's running statistics and the eval-mode logits after the last step.

Keras keeps an optimizer's learning rate and momentum in float32 variables,
so the PyTorch side uses those float32-rounded values. Dropout draws its
masks from each framework's own generator: it is compared statistically
(`seed_parity.py`), not step for step.

Run: python benchmarks/step_parity.py --out saved_models/reference/parity/step
"""

import argparse
import json
import os
from typing import Optional, Sequence

import keras
import numpy as np
import torch
import torch_reference as reference
import weight_transfer
from provenance import provenance

import al2_keras

# The Table 1 baselines compared step for step (Dropout: see the module docstring).
BASELINES = {"bare": {}, "bn": {"batch_norm": True}, "weight_decay": {"weight_decay": 5e-4}}


class StepLog(keras.callbacks.Callback):
    """Resets the metrics before each step and keeps each step's own logs."""

    def __init__(self):
        super().__init__()
        self.steps = []

    def on_train_batch_begin(self, batch, logs=None):
        self.model.reset_metrics()

    def on_train_batch_end(self, batch, logs=None):
        self.steps.append({key: float(value) for key, value in logs.items()})


def relative(ours, theirs) -> float:
    """max |ours - theirs| / max |theirs| (0 when both are 0)."""
    ours, theirs = np.asarray(ours, np.float64), np.asarray(theirs, np.float64)
    scale = np.max(np.abs(theirs))
    return float(np.max(np.abs(ours - theirs)) / scale) if scale else float(np.max(np.abs(ours)))


def compare(baseline: str, al2: bool, images: np.ndarray, labels: np.ndarray, steps: int = 200,
            steps_per_epoch: int = 20, batch_size: int = 64, dtype: str = "float64", seed: int = 0,
            learning_rate: float = 0.01, momentum: float = 0.9, time_scale: float = 10.0,
            unbiased_batch_norm: bool = True) -> dict:
    """Trains both sides `steps` steps on `images` (uint8, N >= steps_per_epoch * batch_size).

    Returns the per-step logs of both sides and the largest relative
    differences: per-step L_c, L_r and loss, the weights (and BatchNorm
    statistics) after the last step, and the eval-mode logits on the
    training images. `unbiased_batch_norm=False` gives the Keras side
    Keras's own biased running variance (to measure that difference).
    """
    options = BASELINES[baseline]
    pool = steps_per_epoch * batch_size
    torch_dtype = getattr(torch, dtype)
    x = reference.to_tensor(images[:pool], scaling="reference", dtype=torch_dtype)
    y = torch.from_numpy(labels[:pool].astype(np.int64))
    x_keras = x.numpy().transpose(0, 2, 3, 1)
    epochs = -(-steps // steps_per_epoch)
    order = np.random.RandomState(seed)
    orders = [order.permutation(pool) for _ in range(epochs)]
    weights = reference.compressed_map_weights(epochs, time_scale, al2)

    torch.manual_seed(seed)
    net = reference.ReferenceSmallNet(batch_norm=options.get("batch_norm", False)).to(torch_dtype)
    # Keras's SGD holds lr and momentum in float32 variables.
    optimizer = reference.make_optimizer(net, float(np.float32(learning_rate)), float(np.float32(momentum)),
                                         options.get("weight_decay", 0.0))
    previous = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx(dtype)
    keras.config.set_dtype_policy(dtype)
    try:
        keras.utils.set_random_seed(seed)
        model = al2_keras.small_net(al2=True, al2_weight=0.0, **options)
        if options.get("batch_norm"):
            model.get_layer("batch_norm").unbiased = unbiased_batch_norm
        weight_transfer.torch_to_keras(net, model)
        model.compile(keras.optimizers.SGD(learning_rate, momentum=momentum), "sparse_categorical_crossentropy",
                      metrics=[keras.metrics.SparseCategoricalCrossentropy(name="cross_entropy")])
        log = StepLog()
        callbacks = [al2_keras.AL2Scheduler(al2_keras.ProgressiveSchedule.time_compressed(time_scale))] if al2 else []
        theirs = []
        decay = options.get("weight_decay", 0.0)
        for epoch in range(epochs):
            batches = [orders[epoch][s:s + batch_size] for s in range(0, pool, batch_size)]
            batches = batches[: steps - epoch * steps_per_epoch]
            for index in batches:
                penalty = decay / 2 * sum(float((p.detach() ** 2).sum()) for p in net.parameters())
                net.train()
                step = reference.training_step(net, optimizer, x[index], y[index], weights[epoch])
                theirs.append({**step, "loss": step["loss"] + penalty})
            index = np.concatenate(batches)
            model.fit(x_keras[index], y.numpy()[index], batch_size=batch_size, epochs=epoch + 1,
                      initial_epoch=epoch, shuffle=False, verbose=0, callbacks=[*callbacks, log])
        ours = log.steps
        keras_logits = keras.Model(model.inputs, model.get_layer("logits").output).predict(x_keras, verbose=0)
        keras_state = weight_transfer.keras_weights_as_torch(model, net)
    finally:
        keras.config.set_floatx(previous[0])
        keras.config.set_dtype_policy(previous[1])
    net.eval()
    with torch.no_grad():
        torch_logits = net.fcs[:-1](net.trunk(x).flatten(1)).numpy()
    torch_state = {k: v.numpy() for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    keys = ("cross_entropy", "activation_loss", "loss")
    return {
        "baseline": baseline, "al2": al2, "steps": len(ours), "dtype": dtype,
        "al2_weights": weights,
        "per_step": {side: {k: [s[k] for s in logs] for k in keys} for side, logs in (("keras", ours),
                                                                                        ("torch", theirs))},
        "max_relative_difference": {
            **{k: max(relative(o[k], t[k]) for o, t in zip(ours, theirs)) for k in keys},
            "weights": max(relative(keras_state[k], torch_state[k]) for k in torch_state
                           if not k.startswith("trunk.4.running")),
            **({"batch_norm_running_statistics": max(relative(keras_state[k], torch_state[k])
                                                     for k in torch_state if k.startswith("trunk.4.running"))}
               if options.get("batch_norm") else {}),
            "eval_logits": relative(keras_logits, torch_logits),
        },
    }


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=200, help="training steps per variant")
    parser.add_argument("--steps-per-epoch", type=int, default=20, help="steps between two AL2 weights")
    parser.add_argument("--dtype", default="float64", choices=["float64", "float32"])
    parser.add_argument("--data-dir", default=None, help="Fashion-MNIST IDX files (found by itself if None)")
    parser.add_argument("--out", default=None, help="directory for parity.json and parity.md")
    args = parser.parse_args(argv)
    origin = provenance("step_parity.py", argv)
    from al2_keras.experiments import datasets

    data = datasets.load("fashion_mnist", data_dir=args.data_dir)
    labels, _ = reference.wrong_targets(data.y_train, 0.75, 10, np.random.RandomState(0))
    rows, results = [], []
    for baseline in BASELINES:
        for al2 in (False, True):
            result = compare(baseline, al2, data.x_train, labels, steps=args.steps,
                             steps_per_epoch=args.steps_per_epoch, dtype=args.dtype)
            if baseline == "bn":
                biased = compare(baseline, al2, data.x_train, labels, steps=args.steps,
                                 steps_per_epoch=args.steps_per_epoch, dtype=args.dtype, unbiased_batch_norm=False)
                result["keras_biased_running_variance"] = biased["max_relative_difference"]
            results.append(result)
            diff = result["max_relative_difference"]
            rows.append(f"| {baseline} | {'with' if al2 else 'without'} | "
                        + " | ".join(f"{diff[k]:.1e}" for k in ("cross_entropy", "activation_loss", "loss",
                                                                  "weights", "eval_logits")) + " |")
            print(rows[-1], flush=True)
    table = ("| baseline | AL2 | L_c | L_r | loss | weights | eval logits |\n|---|---|---|---|---|---|---|\n"
             + "\n".join(rows) + "\n")
    print(table)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        origin["data"] = data.source
        with open(os.path.join(args.out, "parity.json"), "w") as f:
            json.dump({"provenance": origin, "results": results}, f, indent=1)
        with open(os.path.join(args.out, "provenance.json"), "w") as f:
            json.dump(origin, f, indent=1)
        with open(os.path.join(args.out, "parity.md"), "w") as f:
            f.write(f"Largest relative difference, al2_keras against the PyTorch transcription, {args.steps} steps, "
                    f"{args.dtype} (`{origin['command']}`, commit {origin['commit']}).\n\n{table}")


if __name__ == "__main__":
    main()
