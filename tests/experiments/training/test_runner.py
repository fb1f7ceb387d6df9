import dataclasses

import numpy as np
import pytest

from al2_keras.experiments import datasets, results, training


def _images(n_train=48, n_test=16):
    rng = np.random.default_rng(0)
    return datasets.ImageData(
        name="mnist",
        x_train=rng.integers(0, 256, (n_train, 28, 28, 1), dtype=np.uint8),
        y_train=rng.integers(0, 10, n_train),
        x_test=rng.integers(0, 256, (n_test, 28, 28, 1), dtype=np.uint8),
        y_test=rng.integers(0, 10, n_test),
        num_classes=10,
        source="synthetic",
    )


def test_prepare_data_subsets_scales_and_corrupts():
    protocol = training.quick_protocol(train_size=40, corrupt=0.5)
    prepared = training.prepare_data(protocol, _images())
    assert prepared.x_train.shape == (40, 28, 28, 1)
    # The reference's scaling of MNIST, (x / 255 - 0.1307) / 0.3081: black is -0.42, white 2.82.
    assert prepared.x_train.dtype == np.float32
    assert -0.4243 < prepared.x_train.min() and prepared.x_train.max() < 2.8216
    assert training.prepare_data(dataclasses.replace(protocol, scaling="unit"), _images()).x_train.max() <= 1.0
    np.testing.assert_array_equal(prepared.noisy.changed, prepared.noisy.labels != prepared.noisy.clean_labels)
    assert prepared.x_test.shape == (16, 28, 28, 1)


@pytest.mark.parametrize("al2", [False, True])
def test_train_variant_records_paper_quantities(al2):
    protocol = training.quick_protocol(
        train_size=48, epochs=2, time_scale=1, schedule_options={"start": 0.5, "growth": 2.0})
    prepared = training.prepare_data(protocol, _images())
    model, history = training.train_variant(protocol, prepared, al2=al2)
    for key in ("val_accuracy", "cross_entropy", "activation_loss", "loss"):
        assert len(history[key]) == 2
    if al2:
        assert history["al2_weight"] == [0.5, 1.0]
    else:
        assert "al2_weight" not in history
        np.testing.assert_allclose(history["loss"], history["cross_entropy"], rtol=1e-6)
    summary = results.summarize(history)
    accuracy = history["val_accuracy"]
    assert summary["final_test_accuracy"] == accuracy[-1]
    assert summary["peak_test_accuracy"] == max(accuracy)
    assert summary["final_activation_loss"] == history["activation_loss"][-1]
    accuracies = training.training_set_accuracies(model, prepared)
    predicted = np.argmax(model.predict(prepared.x_train, verbose=0), axis=-1)
    noisy, changed = prepared.noisy, prepared.noisy.changed
    assert accuracies == {
        "train_accuracy_noisy": pytest.approx(np.mean(predicted == noisy.labels)),
        "train_accuracy_clean": pytest.approx(np.mean(predicted == noisy.clean_labels)),
        "memorized": pytest.approx(np.mean(predicted[changed] == noisy.labels[changed])),
    }


def test_prepare_data_shrinks_then_appends_rotations_with_bookkeeping():
    protocol = training.quick_protocol(train_size=40, corrupt=0.5, shrink_percent=50, rotations=True)
    prepared = training.prepare_data(protocol, _images())
    assert prepared.x_train.shape == (40, 28, 28, 1)  # 40 -> 20 kept -> 20 + 20 rotated
    noisy = prepared.noisy
    np.testing.assert_array_equal(noisy.labels[:20], noisy.labels[20:])
    np.testing.assert_array_equal(noisy.changed, noisy.labels != noisy.clean_labels)
    rotated = [any(np.array_equal(np.rot90(prepared.x_train[i], k, axes=(0, 1)), prepared.x_train[20 + i])
                   for k in (1, 2, 3)) for i in range(20)]
    assert all(rotated)


def test_train_variant_with_mixup_trains_on_soft_labels():
    protocol = training.quick_protocol(train_size=48, epochs=2, mixup_alpha=0.4)
    prepared = training.prepare_data(protocol, _images())
    model, history = training.train_variant(protocol, prepared, al2=True)
    assert type(model.loss).__name__ == "CategoricalCrossentropy"
    assert np.isfinite(history["loss"]).all() and len(history["val_accuracy"]) == 2
    assert history["al2_weight"] == pytest.approx([0.01, 0.01 * 1.1**10])


_RESUME_SCRIPT = '''
import json, os, signal, sys
import numpy as np
import keras
import tensorflow as tf
tf.config.experimental.enable_op_determinism()
from al2_keras.experiments import datasets, results, training

state, models, out, kill = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "kill"
rng = np.random.default_rng(0)
images = datasets.ImageData(
    name="mnist", x_train=rng.integers(0, 256, (200, 28, 28, 1), dtype=np.uint8),
    y_train=rng.integers(0, 10, 200), x_test=rng.integers(0, 256, (40, 28, 28, 1), dtype=np.uint8),
    y_test=rng.integers(0, 10, 40), num_classes=10, source="synthetic")
protocol = training.quick_protocol(
    train_size=None, epochs=5, batch_size=32, time_scale=1, schedule_options={"start": 0.5, "growth": 2.0})
prepared = training.prepare_data(protocol, images)

if kill:  # a real SIGKILL in the AL2 run, in the middle of epoch 3 (0-based: 2), after its second step
    def on_train_batch_end(self, batch, logs=None):
        with_al2 = float(self.model.get_layer("al2").weight.numpy()) > 0
        if with_al2 and self.epoch_now == 2 and batch == 1:
            os.kill(os.getpid(), signal.SIGKILL)
    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_now = epoch
    training.TrainingSetAccuracy.on_train_batch_end = on_train_batch_end
    training.TrainingSetAccuracy.on_epoch_begin = on_epoch_begin

results = training.run_label_randomization(
    protocol, prepared, baselines=["dropout"], models_dir=models, save_epochs=[5],
    verbose=0, state_dir=state)
weights = {}
for name in results:
    model = keras.saving.load_model(os.path.join(models, name, "epoch_5.keras"))
    weights.update({f"{name}/{i}": w for i, w in enumerate(model.get_weights())})
np.savez(out + ".npz", **weights)
with open(out + ".json", "w") as f:
    json.dump(results, f)
'''


def _run_resume_script(tmp_path, *args):
    import subprocess
    import sys

    script = tmp_path / "resume_run.py"
    script.write_text(_RESUME_SCRIPT)
    return subprocess.run([sys.executable, str(script), *map(str, args)],
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_sigkilled_and_resumed_run_is_bit_identical_to_an_uninterrupted_one(tmp_path):
    """Dropout (random state), AL2 (schedule), momentum: every number and weight equal."""
    import json
    import signal

    killed = _run_resume_script(tmp_path, tmp_path / "state_a", tmp_path / "models_a", tmp_path / "a", "kill")
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    journal = training.read_journal(str(tmp_path / "state_a" / "dropout_no_al2.epochs.jsonl"))
    assert len(journal["loss"]) == 5  # the first variant finished before the kill ...
    assert len(training.read_journal(str(tmp_path / "state_a" / "dropout_al2.epochs.jsonl"))["loss"]) == 2
    resumed = _run_resume_script(tmp_path, tmp_path / "state_a", tmp_path / "models_a", tmp_path / "a", "run")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    fresh = _run_resume_script(tmp_path, tmp_path / "state_b", tmp_path / "models_b", tmp_path / "b", "run")
    assert fresh.returncode == 0, fresh.stderr[-3000:]

    resumed_results = json.loads((tmp_path / "a.json").read_text())
    fresh_results = json.loads((tmp_path / "b.json").read_text())
    assert resumed_results == fresh_results  # every per-epoch number, exactly
    resumed_weights, fresh_weights = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    assert sorted(resumed_weights.files) == sorted(fresh_weights.files)
    for key in fresh_weights.files:
        np.testing.assert_array_equal(resumed_weights[key], fresh_weights[key], err_msg=key)


def test_training_images_with_nan_are_refused_before_training():
    protocol = training.quick_protocol(train_size=40, epochs=3)
    prepared = training.prepare_data(protocol, _images())
    prepared.x_train[3, 5, 5, 0] = np.nan
    with pytest.raises(ValueError, match=r"`images` hold 1 NaN or infinite value"):
        training.train_variant(protocol, prepared, al2=True)


def test_init_seed_changes_the_initial_weights_only(monkeypatch):
    from al2_keras.experiments.training import runner

    first_labels = []
    make_dataset = runner.datasets.make_dataset

    def recording(*args, **kwargs):
        dataset = make_dataset(*args, **kwargs)
        if kwargs.get("shuffle"):
            first_labels.append(next(iter(dataset))[1].numpy())
        return dataset

    monkeypatch.setattr(runner.datasets, "make_dataset", recording)
    prepared = training.prepare_data(training.quick_protocol(train_size=40, corrupt=0.5), _images())
    kernels = []
    for init_seed in (None, 1, 2):
        protocol = training.quick_protocol(train_size=40, corrupt=0.5, epochs=1, batch_size=8,
                                           init_seed=init_seed, learning_rate=1e-9)
        model, _ = training.train_variant(protocol, prepared, al2=True)
        kernels.append(model.get_layer("conv1").kernel.numpy())
    # The same batches (data order from `seed`), different initial weights.
    np.testing.assert_array_equal(first_labels[0], first_labels[1])
    np.testing.assert_array_equal(first_labels[1], first_labels[2])
    assert not np.allclose(kernels[1], kernels[2]) and not np.allclose(kernels[0], kernels[1])


def test_run_label_randomization_trains_only_the_chosen_variants_and_names_unknown_ones():
    protocol = training.quick_protocol(train_size=48, epochs=1)
    prepared = training.prepare_data(protocol, _images())
    run = training.run_label_randomization(protocol, prepared, baselines=["bare", "dropout"],
                                           variants=["bare_al2", "dropout_no_al2"], verbose=0)
    assert sorted(run) == ["bare_al2", "dropout_no_al2"]
    with pytest.raises(ValueError, match=r"Unknown variants \['bn_al2'\]"):
        training.run_label_randomization(protocol, prepared, baselines=["bare"], variants=["bn_al2"])


def test_stable_schedule_with_a_bounded_head_trains_and_logs_its_weights():
    protocol = training.quick_protocol(train_size=48, epochs=3, head_max_norm=0.5, schedule="stable", time_scale=1,
                                       schedule_options={"start": 1.0, "threshold": 1.5, "growth": 2.0})
    prepared = training.prepare_data(protocol, _images())
    model, history = training.train_variant(protocol, prepared, al2=True)
    assert history["al2_weight"][:2] == [1.0, 2.0]
    assert 2.0 / 1.01 - 1e-9 <= history["al2_weight"][2] <= 2.0 * 1.01 + 1e-9
    assert model.get_layer("fc1").kernel.constraint.max_value == 0.5
