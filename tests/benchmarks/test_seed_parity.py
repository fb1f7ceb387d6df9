"""Seed parity's pieces: the transcription's training under a protocol, and the comparison."""

import numpy as np
import pytest
import seed_parity  # benchmarks/, on the path from conftest
import torch_reference

from al2_keras.experiments import datasets, results
from al2_keras.experiments.training.protocol import quick_protocol


def _images(n=192, seed=0):
    rng = np.random.default_rng(seed)
    return datasets.ImageData(name="fashion_mnist", x_train=rng.integers(0, 256, (n, 28, 28, 1), dtype=np.uint8),
                              y_train=rng.integers(0, 10, n), x_test=rng.integers(0, 256, (64, 28, 28, 1),
                                                                                   dtype=np.uint8),
                              y_test=rng.integers(0, 10, 64), num_classes=10, source="random")


def test_reference_history_has_the_runner_keys_and_the_compressed_schedule():
    protocol = quick_protocol(train_size=128, epochs=3)
    history = seed_parity.train_reference(protocol, _images(), "bare", al2=True)
    assert {len(values) for values in history.values()} == {3}
    paper = torch_reference.map_weights(21)
    assert history["al2_weight"] == [paper[0], paper[10], paper[20]]
    assert all(0.0 <= a <= 1.0 for a in history["val_accuracy"] + history["memorized"])
    # The summary reads both frameworks' histories alike.
    assert results.summarize(history)["final_test_accuracy"] == history["val_accuracy"][-1]


def test_reference_label_noise_changes_the_asked_share_to_another_class():
    targets = np.arange(20000) % 10
    labels, changed = torch_reference.wrong_targets(targets, 0.75, 10, np.random.RandomState(0))
    assert changed.mean() == pytest.approx(0.75, abs=0.01)
    assert np.all(labels[changed] != targets[changed]) and np.all(labels[~changed] == targets[~changed])
    # Uniform among the 9 other classes.
    offsets = (labels[changed] - targets[changed]) % 10
    assert np.bincount(offsets, minlength=10)[1:] / changed.sum() == pytest.approx(np.full(9, 1 / 9), abs=0.01)


def test_map_weights_follow_get_map_weights():
    weights = torch_reference.map_weights(70)
    assert weights[0] == 0.01 and weights[1] == pytest.approx(0.011)
    crossing = next(e for e, w in enumerate(weights) if w >= 5)
    assert weights[crossing + 1] == pytest.approx(weights[crossing] * 1.01)
    assert weights[crossing - 1] * 1.1 == pytest.approx(weights[crossing])


def test_comparison_sets_both_sides_per_variant_with_welch_p():
    def run(accuracy):
        history = {"val_accuracy": [accuracy] * 5, "cross_entropy": [2.0] * 5, "activation_loss": [0.1] * 5,
                   "memorized": [0.1] * 5}
        return {"bare_al2": {"baseline": "bare", "al2": True, "history": history}}

    ours = results.seed_statistics({0: run(0.60), 1: run(0.62), 2: run(0.61)})
    theirs = results.seed_statistics({0: run(0.30), 1: run(0.31), 2: run(0.33)})
    rows = {row["quantity"]: row for row in seed_parity.comparison(ours, theirs)}
    assert rows["final test acc %"]["al2_keras"] == pytest.approx([60, 62, 61])
    assert rows["final test acc %"]["difference"] == pytest.approx(29.6667, abs=1e-3)
    assert rows["final test acc %"]["welch_p"] < 0.01 and rows["final test acc %"]["more_than_one_std_apart"]
    assert rows["final L_c"]["welch_p"] == 1.0  # both constant and equal
    assert "| bare_al2 | final test acc % | 61 ± 1 | 31.3 ± 1.5 | +29.7 |" in seed_parity.markdown(list(rows.values()))
