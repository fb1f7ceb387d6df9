"""Figure 1 on both: representation similarity across instances, PyTorch transcription beside al2_keras.

The transcription trains as the reference's Figure 1 experiment does
(`code/train.py` with `funnelNet_utils.funnelNet`, read by
`code/evaluate.py`): 4 instances of the small CNN in one module, one SGD
optimizer over all of them and one data order, the loss summed over the
instances (`epoch_train_funnelNet`), with the AL2 term on every instance in
place of the mapping loss (the released code applies its L2 only with one
instance). Instances differ only in their initial weights (drawn one after
the other from one seed). At checkpoints 1, 11, ..., 51 of the quick
protocol (the reference's 1, 101, ..., 501, compressed ten-fold) the
output of the second pool (4x4x50) on the 10,000 clean test images is
compared pair by pair with `al2_keras.experiments.analysis.similarity_across_runs` (mean
CCA, SVCCA K=10, PWCCA, linear CKA; noise control), the measures the port's
`examples/svcca_analysis.py` uses, so only the training differs.

Writes summary.csv/.md (the transcription's), similarity.csv and one plot
with both frameworks (the port's curves from `--ours`, a committed
`svcca_analysis.py` output).

Run: python benchmarks/figure1_parity.py --ours saved_models/reference/figure1 --out DIR
"""

import argparse
import csv
import json
import os
from typing import Optional, Sequence

import numpy as np
import torch
import torch_reference as reference
from provenance import provenance
from seed_parity import reference_data
from torch import nn

from al2_keras.experiments import analysis, datasets, reports
from al2_keras.experiments.training.protocol import quick_protocol


def train_instances(x, y, probe, epochs, checkpoints, al2, instances=4, seed=0, learning_rate=0.01,
                    momentum=0.9, batch_size=64, time_scale=10.0) -> list:
    """Trains `instances` small CNNs as one module; returns per instance {epoch: pool2 output (N, 4, 4, 50)}."""
    torch.manual_seed(seed)
    nets = nn.ModuleList(reference.ReferenceSmallNet() for _ in range(instances))
    optimizer = reference.make_optimizer(nets, learning_rate, momentum)
    weights = reference.compressed_map_weights(epochs, time_scale, al2)
    batches = reference.loader(x, y, batch_size, seed=seed)
    snapshots = [{} for _ in range(instances)]
    for epoch in range(epochs):
        weight = weights[epoch]
        nets.train()
        for images, labels in batches:
            optimizer.zero_grad()
            outputs = [net(images) for net in nets]
            loss = sum(nn.functional.nll_loss(log_probabilities, labels) for log_probabilities, _ in outputs)
            if weight:
                loss = loss + weight * sum((features ** 2).mean() for _, features in outputs)
            loss.backward()
            optimizer.step()
        if epoch + 1 in checkpoints:
            nets.eval()
            with torch.no_grad():
                for snapshot, net in zip(snapshots, nets):  # the trunk up to the second pool, NHWC
                    pooled = torch.cat([net.trunk(probe[s:s + 1000]) for s in range(0, len(probe), 1000)])
                    snapshot[epoch + 1] = pooled.numpy().transpose(0, 2, 3, 1).astype(np.float64)
        print(f"{'with' if al2 else 'without'} AL2: epoch {epoch + 1}/{epochs} (weight {weight:.4g})", flush=True)
    return snapshots


def read_summary(path: str, framework: str) -> list:
    """A committed summary.csv, its variants renamed '<framework> <variant>'."""
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [{key: (f"{framework} {value}" if key == "variant" else float(value)) for key, value in row.items()}
            for row in rows]


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ours", required=True, help="a svcca_analysis.py output directory (summary.csv)")
    parser.add_argument("--out", required=True, help="output directory (must not exist)")
    parser.add_argument("--checkpoints", default="1,11,21,31,41,51")
    parser.add_argument("--instances", type=int, default=4)
    parser.add_argument("--data-dir", default=None, help="Fashion-MNIST IDX files (found by itself if None)")
    args = parser.parse_args(argv)
    if os.path.exists(args.out):
        parser.error(f"--out {args.out} exists; name a new directory (nothing is overwritten).")
    origin = provenance("figure1_parity.py", argv)
    ours = read_summary(os.path.join(args.ours, "summary.csv"), "al2_keras")
    checkpoints = sorted(int(c) for c in args.checkpoints.split(","))
    protocol = quick_protocol(seed=0)
    data = datasets.load("fashion_mnist", data_dir=args.data_dir)
    x, labels, _, probe = reference_data(protocol, data)
    rows = []
    for variant, al2 in (("without AL2", False), ("with AL2", True)):
        snapshots = train_instances(x, torch.from_numpy(labels), probe, max(checkpoints), set(checkpoints), al2,
                                    args.instances, protocol.seed, protocol.learning_rate, protocol.momentum,
                                    protocol.batch_size, protocol.time_scale)
        for row in analysis.similarity_across_runs(snapshots, keep=10, seed=protocol.seed):
            rows.append({"variant": variant, **row})
            print(f"{variant} epoch {row['epoch']} {row['pair']}: cca={row['cca']:.4f}", flush=True)
    summary = [{"variant": variant, **stats} for variant in ("without AL2", "with AL2")
               for stats in analysis.pair_statistics([r for r in rows if r["variant"] == variant])]
    os.makedirs(args.out)
    with open(os.path.join(args.out, "similarity.csv"), "w") as f:
        f.write(reports.csv_text(rows, ["variant", "epoch", "pair", *analysis.MEASURES]))
    with open(os.path.join(args.out, "summary.csv"), "w") as f:
        f.write(reports.csv_text(summary))
    table = reports.similarity_summary_table(summary, analysis.MEASURES)
    with open(os.path.join(args.out, "summary.md"), "w") as f:
        f.write(f"PyTorch transcription, {args.instances} instances per condition in one module; mean ± std "
                f"(ddof 0) over pairs [min, max]; noise: instance 0 vs uniform noise.\n\n{table}\n")
    both = ours + [{**row, "variant": f"reference {row['variant']}"} for row in summary]
    reports.plot_similarity(both, ("cca", "svcca", "pwcca"), os.path.join(args.out, "figure1_both.png"))
    origin.update(data=data.source, protocol=protocol.settings(), ours=args.ours)
    with open(os.path.join(args.out, "provenance.json"), "w") as f:
        json.dump(origin, f, indent=1)
    print(table)


if __name__ == "__main__":
    main()
