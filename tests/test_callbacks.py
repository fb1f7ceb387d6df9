import keras
import numpy as np
import pytest

from al2_keras import AL2, AL2Scheduler, ProgressiveSchedule, StableSchedule

SCHEDULE = ProgressiveSchedule(start=0.2, threshold=1.0, growth=2.0, late_growth=1.25)


def _model():
    inputs = keras.Input((6,))
    features = keras.layers.Dense(5, activation="relu")(inputs)
    features = AL2(name="al2")(features)
    outputs = keras.layers.Dense(3, activation="softmax")(features)
    model = keras.Model(inputs, outputs)
    model.compile(
        "sgd",
        "sparse_categorical_crossentropy",
        metrics=[keras.metrics.SparseCategoricalCrossentropy(name="cross_entropy")],
    )
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(32, 6)).astype("float32"), rng.integers(0, 3, 32)


def _weights_used(history):
    """The weight each epoch trained with, read back from loss = L_c + w L_r."""
    return [
        (loss - ce) / lr
        for loss, ce, lr in zip(history["loss"], history["cross_entropy"], history["activation_loss"])
    ]


def test_each_epoch_uses_and_logs_the_schedule_weight():
    x, y = _data()
    history = _model().fit(x, y, batch_size=8, epochs=4, verbose=0,
                           callbacks=[AL2Scheduler(SCHEDULE)]).history
    expected = [SCHEDULE(e) for e in range(4)]
    assert history["al2_weight"] == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(_weights_used(history), expected, rtol=1e-3)


def test_resume_with_initial_epoch_continues_schedule():
    x, y = _data()
    history = _model().fit(x, y, epochs=5, initial_epoch=3, verbose=0,
                           callbacks=[AL2Scheduler(SCHEDULE)]).history
    assert history["al2_weight"] == pytest.approx([SCHEDULE(3), SCHEDULE(4)])
    np.testing.assert_allclose(_weights_used(history), [SCHEDULE(3), SCHEDULE(4)], rtol=1e-3)


class _CrashAtEpoch(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("simulated crash")


def test_backup_and_restore_resumes_at_the_crashed_epoch(tmp_path):
    x, y = _data()
    backup = str(tmp_path / "backup")
    model = _model()
    with pytest.raises(RuntimeError, match="simulated crash"):
        model.fit(x, y, epochs=5, verbose=0, callbacks=[
            keras.callbacks.BackupAndRestore(backup), AL2Scheduler(SCHEDULE), _CrashAtEpoch(3)])
    resumed = _model()
    history = resumed.fit(x, y, epochs=5, verbose=0, callbacks=[
        keras.callbacks.BackupAndRestore(backup), AL2Scheduler(SCHEDULE)]).history
    assert history["al2_weight"] == pytest.approx([SCHEDULE(3), SCHEDULE(4)])
    np.testing.assert_allclose(_weights_used(history), [SCHEDULE(3), SCHEDULE(4)], rtol=1e-3)
    assert float(resumed.get_layer("al2").weight.numpy()) == pytest.approx(SCHEDULE(4))


def test_sets_every_al2_layer_including_nested_models():
    inner_inputs = keras.Input((6,))
    inner = keras.Model(inner_inputs, AL2(name="inner_al2")(inner_inputs), name="inner")
    inputs = keras.Input((6,))
    x = AL2(name="outer_al2", metric_name="outer_activation_loss")(inner(inputs))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))
    model.compile("sgd", "sparse_categorical_crossentropy")
    x_data, y_data = _data()
    history = model.fit(x_data, y_data, epochs=2, verbose=0,
                        callbacks=[AL2Scheduler(SCHEDULE)]).history
    assert float(inner.get_layer("inner_al2").weight.numpy()) == pytest.approx(SCHEDULE(1))
    assert float(model.get_layer("outer_al2").weight.numpy()) == pytest.approx(SCHEDULE(1))
    assert "activation_loss" in history and "outer_activation_loss" in history


def test_model_without_al2_layer_raises_clear_error():
    inputs = keras.Input((6,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    model.compile("sgd", "sparse_categorical_crossentropy")
    x, y = _data()
    with pytest.raises(ValueError, match="no AL2 layer"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[AL2Scheduler()])


def test_invalid_weight_from_user_schedule_names_epoch():
    x, y = _data()
    with pytest.raises(ValueError, match="epoch 1"):
        _model().fit(x, y, epochs=3, verbose=0,
                     callbacks=[AL2Scheduler(lambda e: float("nan") if e == 1 else 0.1)])


def test_constant_number_schedule():
    x, y = _data()
    history = _model().fit(x, y, epochs=2, verbose=0, callbacks=[AL2Scheduler(0.5)]).history
    assert history["al2_weight"] == [0.5, 0.5]


def test_csv_logger_records_weight_and_activation_loss(tmp_path):
    x, y = _data()
    path = tmp_path / "log.csv"
    _model().fit(x, y, epochs=2, verbose=0,
                 callbacks=[AL2Scheduler(SCHEDULE), keras.callbacks.CSVLogger(str(path))])
    header = path.read_text().splitlines()[0].split(",")
    assert "al2_weight" in header and "activation_loss" in header


class _Recorder(keras.callbacks.Callback):
    """Records the AL2 layer's weight at each epoch's start (after the scheduler set it)."""

    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_begin(self, epoch, logs=None):
        self.weights.append(float(keras.ops.convert_to_numpy(self.model.get_layer("al2").weight)))


def _stable():
    return StableSchedule(start=0.05, threshold=0.2, growth=2.0, late_growth=1.5, doubling_drop=0.001)


def test_learning_schedule_gets_each_epochs_logs_and_the_template_stays_fresh():
    x, y = _data()
    template = _stable()
    scheduler = AL2Scheduler(template)
    history = _model().fit(x, y, batch_size=8, epochs=6, verbose=0, callbacks=[scheduler]).history
    assert template.get_state()["reference"] is None  # the scheduler learned on its own copy
    state = scheduler.get_state()
    # Epochs 0, 1 at 0.05, 0.1; the next weight, 0.2, crosses: reference = L_c of epoch 1.
    assert state["reference"] == pytest.approx(history["cross_entropy"][1])
    assert history["al2_weight"][:3] == pytest.approx([0.05, 0.1, 0.2])
    steps = np.array(history["al2_weight"][3:]) / np.array(history["al2_weight"][2:-1])
    assert np.all((steps >= 1 / 1.5 - 1e-9) & (steps <= 1.5 + 1e-9))


def test_a_learning_schedule_that_cannot_read_its_monitor_is_refused_before_training():
    inputs = keras.Input((6,))
    outputs = keras.layers.Dense(3, activation="softmax")(AL2()(keras.layers.Dense(5, activation="relu")(inputs)))
    model = keras.Model(inputs, outputs)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])  # no cross_entropy
    epochs_run = []
    x, y = _data()
    with pytest.raises(ValueError, match="follows 'cross_entropy'.*compiled to log \\['accuracy', 'loss'\\]"):
        record = keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: epochs_run.append(epoch))
        model.fit(x, y, epochs=2, verbose=0, callbacks=[AL2Scheduler(_stable()), record])
    assert epochs_run == []


def test_a_stock_backup_and_restore_that_drops_a_learned_state_is_refused(tmp_path):
    x, y = _data()
    backup = str(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="simulated crash"):
        _model().fit(x, y, batch_size=8, epochs=6, verbose=0, callbacks=[
            keras.callbacks.BackupAndRestore(backup), AL2Scheduler(_stable()), _CrashAtEpoch(4)])
    # Keras's own callback restores the model and the epoch, not what the schedule learned.
    with pytest.raises(ValueError, match="has learned nothing, yet epoch 5 is past its progressive start"):
        _model().fit(x, y, batch_size=8, epochs=6, verbose=0, callbacks=[
            keras.callbacks.BackupAndRestore(backup), AL2Scheduler(_stable())])
