"""tf.distribute training and distributed KerasTuner search, run for real on localhost.

The multi-worker tests start separate processes (a two-worker
MultiWorkerMirroredStrategy cluster, or a KerasTuner chief and two workers) on
127.0.0.1 with free ports, bound every wait, and kill whatever is left.
"""

import contextlib
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
import tensorflow as tf

import al2_keras
import al2_keras.similarity
from al2_keras import ProgressiveSchedule
from al2_keras.experiments import datasets, distribute, training
from tests import similarity_worker
from tests.experiments.datasets.test_loading import _write_dataset

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LABEL_RANDOMIZATION = os.path.join(ROOT, "examples", "label_randomization.py")
TUNE_PENALTY = os.path.join(ROOT, "examples", "tune_penalty.py")
# Per-epoch numbers of a distributed run equal the single-process run's up to
# float32 summation order (measured: 1e-7 relative).
PARITY_RTOL = 1e-5


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _base_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_CONFIG", "KERASTUNER_"))}
    # Worker scratch files land here, so the test can see that none is left.
    os.makedirs(tmp_path / "tmp", exist_ok=True)
    return {**env, "TF_CPP_MIN_LOG_LEVEL": "2", "TMPDIR": str(tmp_path / "tmp")}


def _start_cluster(script_args, cwd, env, workers=2):
    """Starts one process per worker of a localhost TF_CONFIG cluster."""
    addresses = [f"127.0.0.1:{port}" for port in _free_ports(workers)]
    processes = []
    for index in range(workers):
        tf_config = {"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}}
        log = open(os.path.join(cwd, f"worker{index}.{time.monotonic_ns()}.log"), "w")
        processes.append(subprocess.Popen(
            [sys.executable, *script_args], cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
            env={**env, "TF_CONFIG": json.dumps(tf_config)}, text=True))
        processes[-1].log_path = log.name
    return processes


def _wait(processes, timeout):
    deadline = time.monotonic() + timeout
    for process in processes:
        process.wait(timeout=max(1.0, deadline - time.monotonic()))
    return [process.returncode for process in processes]


def _output(process):
    with open(process.log_path) as f:
        return f.read()


@contextlib.contextmanager
def _reaped(processes):
    """Kills every process still running when the block exits."""
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)


@pytest.fixture
def idx_dir(tmp_path):
    directory = tmp_path / "data"
    directory.mkdir()
    _write_dataset(str(directory), n_train=256, n_test=64)
    return str(directory)


def test_get_strategy_names_and_errors(monkeypatch):
    assert distribute.get_strategy("default") is tf.distribute.get_strategy()
    with pytest.raises(ValueError, match="Unknown strategy 'ring'"):
        distribute.get_strategy("ring")
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(ValueError, match="TF_CONFIG"):
        distribute.get_strategy("multi-worker")
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        distribute.get_strategy("multi-worker")


@pytest.mark.parametrize("cluster, task, chief", [
    (None, None, True),
    ({"worker": ["a:1", "b:1"]}, {"type": "worker", "index": 0}, True),
    ({"worker": ["a:1", "b:1"]}, {"type": "worker", "index": 1}, False),
    ({"chief": ["c:1"], "worker": ["a:1"]}, {"type": "chief", "index": 0}, True),
    ({"chief": ["c:1"], "worker": ["a:1"]}, {"type": "worker", "index": 0}, False),
])
def test_is_chief_reads_tf_config(monkeypatch, cluster, task, chief):
    if cluster is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": cluster, "task": task}))
    assert distribute.is_chief() is chief


def _tiny_prepared():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 256)
    images = rng.random((256, 28, 28, 1), dtype=np.float32) + labels[:, None, None, None] / 10
    return datasets.PreparedData(
        x_train=images, noisy=datasets.corrupt_labels(labels, 0.5, 10, seed=0),
        x_val=images[:0], y_val=labels[:0], x_test=images[:64], y_test=labels[:64], num_classes=10,
        source="synthetic")


def _train_on_replicas(strategy, prepared, epochs):
    protocol = training.quick_protocol(epochs=epochs, batch_size=64)
    _, history = training.train_variant(
        protocol, prepared, al2=True, strategy=strategy,
        callbacks=[training.TrainingSetAccuracy(prepared)])
    return history


def test_mirrored_over_two_cpus_matches_one_replica(two_cpu_strategy):
    prepared = _tiny_prepared()
    one = _train_on_replicas(tf.distribute.MirroredStrategy(["/cpu:0"]), prepared, epochs=2)
    two = _train_on_replicas(two_cpu_strategy, prepared, epochs=2)
    assert np.allclose(two["al2_weight"], [0.01, 0.01 * 1.1**10])
    for key in ("loss", "cross_entropy", "activation_loss", "accuracy", "val_accuracy",
                "train_accuracy_noisy"):
        np.testing.assert_allclose(two[key], one[key], rtol=PARITY_RTOL, err_msg=key)


def _results(run_dir):
    with open(os.path.join(run_dir, "results.json")) as f:
        return json.load(f)["results"]


@pytest.mark.slow
def test_two_worker_run_matches_single_process(tmp_path, idx_dir):
    args = [LABEL_RANDOMIZATION, "--data-dir", idx_dir, "--baselines", "bare", "--epochs", "2",
            "--train-size", "256", "--batch-size", "64"]
    env = _base_env(tmp_path)
    started = time.monotonic()
    with _reaped(_start_cluster([*args, "--strategy", "multi-worker", "--run", "cluster"],
                                str(tmp_path), env)) as workers:
        codes = _wait(workers, timeout=300)
        assert codes == [0, 0], _output(workers[0])[-3000:] + _output(workers[1])[-3000:]
    cluster_seconds = time.monotonic() - started
    # The reference: one process, one replica, the same global batch of 64.
    single = subprocess.run([sys.executable, *args, "--strategy", "mirrored", "--run", "single"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert single.returncode == 0, single.stderr[-3000:]
    assert "2 replica(s)" in _output(workers[0]) and "1 replica(s)" in single.stdout

    cluster, reference = _results(tmp_path / "runs" / "cluster"), _results(tmp_path / "runs" / "single")
    largest = 0.0
    for variant in ("bare_no_al2", "bare_al2"):
        for key in ("loss", "cross_entropy", "activation_loss", "accuracy", "val_accuracy",
                    "al2_weight", "train_accuracy_noisy", "train_accuracy_clean"):
            ours, theirs = cluster[variant]["history"][key], reference[variant]["history"][key]
            np.testing.assert_allclose(ours, theirs, rtol=PARITY_RTOL, err_msg=f"{variant} {key}")
            if key == "loss":
                largest = max(largest, float(np.max(np.abs(np.subtract(ours, theirs)))))
    print(f"two workers: {cluster_seconds:.0f} s; largest loss difference {largest:.2e}")
    # Only the chief wrote: one copy of every output, no scratch left behind.
    assert sorted(os.listdir(tmp_path / "saved_models" / "cluster")) == ["bare_al2", "bare_no_al2"]
    assert os.listdir(tmp_path / "saved_models" / "cluster" / "bare_al2") == ["epoch_2.keras"]
    assert not os.path.exists(tmp_path / "runs" / "cluster" / "state")
    assert os.listdir(tmp_path / "tmp") == []


def _journal_lines(path):
    if not os.path.exists(path):
        return 0
    with open(path) as f:
        return sum(1 for line in f if line.strip())


@pytest.mark.slow
def test_killed_worker_resumes_from_backup(tmp_path, idx_dir):
    args = [LABEL_RANDOMIZATION, "--data-dir", idx_dir, "--baselines", "bare", "--epochs", "3",
            "--train-size", "256", "--batch-size", "64", "--strategy", "multi-worker", "--run", "r"]
    # Deterministic ops: without them two clusters' all-reduces may differ in the last bit.
    env = {**_base_env(tmp_path), "TF_DETERMINISTIC_OPS": "1"}
    journal = tmp_path / "runs" / "r" / "state" / "bare_no_al2.epochs.jsonl"
    with _reaped(_start_cluster(args, str(tmp_path), env)) as workers:
        deadline = time.monotonic() + 240
        # Two epochs journaled: the backup of the first one is complete.
        while _journal_lines(journal) < 2:
            assert time.monotonic() < deadline, _output(workers[0])[-3000:]
            assert all(w.poll() is None for w in workers), _output(workers[0])[-3000:]
            time.sleep(0.05)
        os.kill(workers[1].pid, signal.SIGKILL)
        # The chief notices the lost peer (collectives fail) and exits.
        code = _wait(workers[:1], timeout=120)[0]
        assert code != 0
    interrupted_epochs = _journal_lines(journal)
    assert interrupted_epochs < 3

    with _reaped(_start_cluster([*args, "--resume"], str(tmp_path), env)) as workers:
        codes = _wait(workers, timeout=300)
        chief_log = _output(workers[0])
        assert codes == [0, 0], chief_log[-3000:] + _output(workers[1])[-3000:]
    results = _results(tmp_path / "runs" / "r")
    schedule = ProgressiveSchedule.time_compressed(10)
    for variant, weights in (("bare_no_al2", [0.0] * 3),
                             ("bare_al2", [schedule(e) for e in range(3)])):
        history = results[variant]["history"]
        assert len(history["loss"]) == 3 and np.isfinite(history["loss"]).all()
        np.testing.assert_allclose(history["al2_weight"], weights, rtol=1e-12)
    # The interrupted variant resumed after its backup instead of starting over.
    first_variant_log = chief_log.split("=== bare_al2 ===")[0]
    assert "Epoch 1/3" not in first_variant_log and "Epoch 3/3" in first_variant_log
    assert "Epoch 1/3" in chief_log.split("=== bare_al2 ===")[1]
    assert os.path.exists(tmp_path / "saved_models" / "r" / "bare_no_al2" / "epoch_3.keras")

    # The restarted cluster's numbers are those of a cluster never interrupted, bit for bit.
    uninterrupted_args = [*args[:-1], "u"]
    with _reaped(_start_cluster(uninterrupted_args, str(tmp_path), env)) as workers:
        codes = _wait(workers, timeout=300)
        assert codes == [0, 0], _output(workers[0])[-3000:]
    uninterrupted = _results(tmp_path / "runs" / "u")
    for variant in ("bare_no_al2", "bare_al2"):
        assert results[variant]["history"] == uninterrupted[variant]["history"], variant


@pytest.mark.slow
def test_distributed_tuning_runs_every_trial_once(tmp_path, idx_dir):
    port = _free_ports(1)[0]
    env = {**_base_env(tmp_path), "KERASTUNER_ORACLE_IP": "127.0.0.1",
           "KERASTUNER_ORACLE_PORT": str(port)}
    args = [TUNE_PENALTY, "--data-dir", idx_dir, "--train-size", "128", "--validation-size", "64",
            "--max-trials", "4", "--epochs", "1", "--directory", "tuning", "--no-reference-runs"]
    processes = []
    for tuner_id in ("chief", "tuner0", "tuner1"):
        log = open(tmp_path / f"{tuner_id}.log", "w")
        processes.append(subprocess.Popen(
            [sys.executable, *args], cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT,
            env={**env, "KERASTUNER_TUNER_ID": tuner_id}, text=True))
        processes[-1].log_path = log.name
    with _reaped(processes):
        codes = _wait(processes, timeout=300)
        logs = [_output(p) for p in processes]
        assert codes == [0, 0, 0], "\n".join(log[-2000:] for log in logs)

    with open(tmp_path / "tuning" / "al2_schedule" / "trials.csv") as f:
        trials = list(csv.DictReader(f))
    assert sorted(int(t["trial"]) for t in trials) == [0, 1, 2, 3]
    # Each trial trains one epoch (one Keras log line, "... - loss: ..."); a trial with AL2 logs the
    # weight it used (its schedule's start; "no AL2" trials have no
    # scheduler): every trial ran exactly once, on one of the two workers,
    # and the chief ran none.
    epochs = [sum(" - loss: " in line for line in log.splitlines()) for log in logs]
    assert epochs[0] == 0 and epochs[1] >= 1 and epochs[2] >= 1 and sum(epochs) == 4, epochs
    ran = [[float(line.rsplit("al2_weight: ", 1)[1].split()[0])
            for line in log.splitlines() if "al2_weight: " in line] for log in logs]
    expected = sorted(float(t["start"]) for t in trials if t["mode"] != "none")
    np.testing.assert_allclose(sorted(ran[1] + ran[2]), expected, atol=1e-4)
    assert "no trials left" in logs[1] and "no trials left" in logs[2]
    assert "Best schedule:" in logs[0]


@pytest.mark.slow
def test_streaming_similarity_across_two_workers_equals_in_memory(tmp_path):
    env = _base_env(tmp_path)
    outputs = [tmp_path / f"worker{i}.json" for i in range(2)]
    script = os.path.join(ROOT, "tests", "similarity_worker.py")
    # Each worker writes <output dir>/worker<index>.json.
    with _reaped(_start_cluster([script, str(tmp_path)], str(tmp_path), env)) as processes:
        codes = _wait(processes, timeout=180)
        assert codes == [0, 0], _output(processes[0])[-3000:] + _output(processes[1])[-3000:]

    x, y = similarity_worker.activations()  # every worker's datapoints, in memory
    measures = al2_keras.similarity
    expected = {"cca": measures.cca(x, y).coefficients, "svcca": measures.svcca(x, y, keep=6).mean,
                "pwcca": measures.pwcca(x, y).mean, "cka": measures.linear_cka(x, y)}
    for output in outputs:
        result = json.loads(output.read_text())
        assert result["count"] == 3000
        for key, value in expected.items():
            np.testing.assert_allclose(result[key], value, rtol=1e-9, err_msg=key)


def _backed_up_model(tmp_path, epochs=2):
    import keras

    keras.utils.set_random_seed(0)
    model = al2_keras.small_net(dropout=0.5)
    model.compile("sgd", "sparse_categorical_crossentropy")
    x = np.random.default_rng(0).random((16, 28, 28, 1)).astype("float32")
    backup = distribute.BackupAndRestore(str(tmp_path / "backup"), delete_checkpoint=False)
    model.fit(x, np.arange(16) % 10, epochs=epochs, verbose=0, callbacks=[backup])
    return model, backup


def test_backup_keeps_one_complete_epoch_directory_with_random_state(tmp_path):
    _, backup = _backed_up_model(tmp_path)
    assert sorted(os.listdir(tmp_path / "backup")) == ["epoch_2"]
    assert sorted(os.listdir(tmp_path / "backup" / "epoch_2")) == [
        "epoch.json", "model.weights.h5", "random_state.npz"]
    assert backup.restore_epoch() == 2


def test_damaged_newest_backup_falls_back_to_the_previous_one(tmp_path):
    import shutil

    _, backup = _backed_up_model(tmp_path)
    root = tmp_path / "backup"
    shutil.copytree(root / "epoch_2", root / "epoch_1")  # as if epoch 2's save were in flight
    (root / "epoch_1" / "epoch.json").write_text('{"epoch": 1}')
    weights = root / "epoch_2" / "model.weights.h5"
    weights.write_bytes(weights.read_bytes()[:5000])  # cut
    with pytest.warns(UserWarning, match=r"damaged backup: .*epoch_2"):
        assert backup.restore_epoch() == 1


def test_every_backup_damaged_is_an_error_naming_the_directory_and_the_fix(tmp_path):
    _, backup = _backed_up_model(tmp_path)
    (tmp_path / "backup" / "epoch_2" / "epoch.json").write_text('{"epo')
    with pytest.raises(ValueError, match=r"Every backup in .*backup is damaged.*Delete .*backup"):
        backup.restore_epoch()


def test_backup_refuses_batch_frequency():
    with pytest.raises(ValueError, match="save_freq=100"):
        distribute.BackupAndRestore("somewhere", save_freq=100)


def _tiny_al2_model():
    import keras

    inputs = keras.Input((6,))
    features = al2_keras.AL2(name="al2")(keras.layers.Dense(5, activation="relu")(inputs))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(features))
    model.compile("sgd", "sparse_categorical_crossentropy",
                  metrics=[keras.metrics.SparseCategoricalCrossentropy(name="cross_entropy")])
    return model


class _CrashAtEpoch:
    """A callback that raises at the start of one epoch (built lazily: keras is imported in tests)."""

    def __new__(cls, epoch):
        import keras

        class Crash(keras.callbacks.Callback):
            def on_epoch_begin(self, index, logs=None):
                if index == epoch:
                    raise RuntimeError("simulated crash")

        return Crash()


def test_a_learning_schedule_resumes_exactly_from_a_backup(tmp_path):
    """StableSchedule learns from L_c; its state goes into each backup with `stateful`."""
    import keras

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(32, 6)).astype("float32"), rng.integers(0, 3, 32)

    def fit(extra, backup):
        keras.utils.set_random_seed(0)
        model = _tiny_al2_model()
        scheduler = al2_keras.AL2Scheduler(al2_keras.StableSchedule(
            start=0.05, threshold=0.2, growth=2.0, late_growth=1.5, doubling_drop=0.001))
        callbacks = [scheduler, *extra]
        if backup:
            callbacks.append(distribute.BackupAndRestore(backup, stateful=[scheduler]))
        history = model.fit(x, y, batch_size=8, epochs=7, verbose=0, shuffle=False, callbacks=callbacks)
        return history.history["al2_weight"], scheduler.get_state()

    whole, whole_state = fit([], None)
    backup = str(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="simulated crash"):
        fit([_CrashAtEpoch(5)], backup)
    with open(tmp_path / "backup" / "epoch_5" / "epoch.json") as f:
        assert json.load(f)["states"][0]["reference"] is not None
    resumed, resumed_state = fit([], backup)
    assert resumed == pytest.approx(whole[5:], rel=1e-6)
    assert resumed_state == pytest.approx(whole_state, rel=1e-6)


def test_backup_with_other_stateful_callbacks_is_an_error_naming_the_fix(tmp_path):
    model = _tiny_al2_model()
    x = np.zeros((8, 6), "float32")
    scheduler = al2_keras.AL2Scheduler(al2_keras.StableSchedule())
    model.fit(x, np.zeros(8), epochs=1, verbose=0,
              callbacks=[scheduler, distribute.BackupAndRestore(str(tmp_path), delete_checkpoint=False,
                                                                stateful=[scheduler])])
    with pytest.raises(ValueError, match="holds the state of 1 callback.*passes 0"):
        _tiny_al2_model().fit(x, np.zeros(8), epochs=2, verbose=0,
                              callbacks=[distribute.BackupAndRestore(str(tmp_path))])
