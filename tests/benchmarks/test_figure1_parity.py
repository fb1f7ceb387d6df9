"""Figure 1 on the transcription: instances in one module, one optimizer, one data order."""

import figure1_parity  # benchmarks/, on the path from conftest
import numpy as np
import torch


def test_instances_share_data_but_not_initial_weights_and_record_nhwc_snapshots():
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.random((96, 1, 28, 28), dtype=np.float32))
    y = torch.from_numpy(rng.integers(0, 10, 96))
    probe = x[:40]
    snapshots = figure1_parity.train_instances(x, y, probe, epochs=2, checkpoints={1, 2}, al2=True, instances=3)
    assert len(snapshots) == 3 and all(sorted(s) == [1, 2] for s in snapshots)
    assert snapshots[0][2].shape == (40, 4, 4, 50)  # pool2, channels last as the port records it
    assert not np.allclose(snapshots[0][2], snapshots[1][2])  # initial weights differ
    assert not np.allclose(snapshots[0][1], snapshots[0][2])  # training moved them
