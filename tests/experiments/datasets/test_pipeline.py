
import numpy as np
import pytest

from al2_keras.experiments import datasets


def test_make_dataset_batches_every_sample_once():
    x = np.arange(10, dtype=np.float32)[:, None]
    batches = list(datasets.make_dataset(x, np.arange(10), batch_size=4, shuffle=True, seed=0))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    seen = np.concatenate([b[1].numpy() for b in batches])
    assert sorted(seen) == list(range(10))
    np.testing.assert_array_equal(np.concatenate([b[0].numpy()[:, 0] for b in batches]), seen)


@pytest.mark.parametrize("batch_size", [0, -8])
def test_make_dataset_refuses_a_batch_size_below_one(batch_size):
    with pytest.raises(ValueError, match=f"batch_size={batch_size}"):
        datasets.make_dataset(np.zeros((4, 2), np.float32), np.zeros(4, np.int64), batch_size)


def test_epoch_stream_resumed_at_epoch_k_gives_the_uninterrupted_batches():
    images, labels = np.arange(30, dtype=np.float32)[:, None], np.arange(30)
    steps = datasets.steps_per_epoch(30, 8)
    whole = iter(datasets.make_dataset(images, labels, 8, shuffle=True, seed=5, first_epoch=0))
    epochs = [np.concatenate([next(whole)[1].numpy() for _ in range(steps)]) for _ in range(4)]
    resumed = iter(datasets.make_dataset(images, labels, 8, shuffle=True, seed=5, first_epoch=2))
    for epoch in (2, 3):
        np.testing.assert_array_equal(np.concatenate([next(resumed)[1].numpy() for _ in range(steps)]),
                                      epochs[epoch])
    assert all(sorted(order) == list(range(30)) for order in epochs)  # each epoch: every sample once
    assert not np.array_equal(epochs[0], epochs[1])
