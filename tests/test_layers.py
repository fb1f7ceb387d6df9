"""The AL2 layer; backend-agnostic, so `tests/test_backends.py` reruns it under JAX and PyTorch."""

import keras
import numpy as np
import pytest
from keras.src import testing

from al2_keras import AL2, AL2Scheduler, ProgressiveSchedule, find_al2_layers

BACKEND = keras.backend.backend()
tensorflow_only = pytest.mark.skipif(
    BACKEND != "tensorflow",
    reason="platform limit: uses TensorFlow itself (tf.GradientTape, tf.distribute), absent on the other backends",
)


class AL2LayerTest(testing.TestCase):
    """Keras's own layer checks, as Keras runs them on ActivityRegularization.

    `run_layer_test` checks the config and serialization round trips, the
    output shape and masking, the numbers of weights and losses, a training
    step through `fit`, and the layer under a `mixed_float16` policy.
    """

    def test_keras_layer_checks(self):
        self.run_layer_test(
            AL2,
            {"weight": 0.3, "metric_name": "lr"},
            input_shape=(2, 3),
            input_dtype="float32",
            call_kwargs={"training": True},
            expected_output_shape=(2, 3),
            expected_num_trainable_weights=0,
            expected_num_non_trainable_weights=3,  # weight, L_r sum and count
            expected_num_seed_generators=0,
            expected_num_losses=1,
            supports_masking=True,
            assert_built_after_instantiation=True,
        )


def _tiny_model(weight=0.1, jit_compile=False):
    inputs = keras.Input((6,))
    features = keras.layers.Dense(5, activation="relu", name="trunk")(inputs)
    features = AL2(weight=weight, name="al2")(features)
    outputs = keras.layers.Dense(3, activation="softmax", name="head")(features)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss="sparse_categorical_crossentropy",
        metrics=[keras.metrics.SparseCategoricalCrossentropy(name="cross_entropy")],
        jit_compile=jit_compile,
    )
    return model


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 6)).astype("float32"), rng.integers(0, 3, n)


def test_layer_is_identity():
    x = np.random.default_rng(0).normal(size=(4, 3, 2)).astype("float32")
    np.testing.assert_array_equal(AL2()(x, training=True), x)


def test_penalty_is_weight_times_mean_square():
    layer = AL2(weight=0.37)
    x = np.random.default_rng(1).normal(size=(8, 5, 3)).astype("float32")
    layer(x, training=True)
    assert len(layer.losses) == 1
    expected = 0.37 * np.mean(x.astype(np.float64) ** 2)
    np.testing.assert_allclose(float(layer.losses[0]), expected, rtol=1e-6)


def test_penalty_is_added_in_evaluation_too_as_keras_activity_regularizers():
    layer = AL2(weight=0.37)
    layer(2 * np.ones((2, 3), "float32"), training=False)
    assert [float(keras.ops.convert_to_numpy(loss)) for loss in layer.losses] == [pytest.approx(0.37 * 4)]


def test_evaluate_loss_is_cross_entropy_plus_weighted_activation_loss_like_fits():
    model = _tiny_model(weight=0.7)
    x, y = _data(n=32)
    logs = model.evaluate(x, y, batch_size=8, return_dict=True, verbose=0)
    np.testing.assert_allclose(logs["loss"], logs["cross_entropy"] + 0.7 * logs["activation_loss"], rtol=1e-5)


def test_a_mask_restricts_the_mean_to_unmasked_positions():
    x = np.arange(2 * 3 * 2, dtype="float32").reshape(2, 3, 2)
    mask = np.array([[True, True, False], [True, False, False]])
    layer = AL2(weight=1.0)
    layer(x, mask=mask)
    expected = np.mean(x[mask] ** 2)
    np.testing.assert_allclose(float(keras.ops.convert_to_numpy(layer.losses[0])), expected, rtol=1e-6)


def test_a_masked_sequence_model_logs_the_unmasked_mean():
    tokens = np.array([[3, 1, 0, 0], [2, 2, 2, 0]])  # 0 pads
    inputs = keras.Input((4,), dtype="int32")
    embedding = keras.layers.Embedding(4, 2, mask_zero=True)
    outputs = keras.layers.GlobalAveragePooling1D()(AL2(weight=0.0)(embedding(inputs)))
    model = keras.Model(inputs, outputs)
    embedding.set_weights([np.array([[0, 0], [3, 3], [3, 3], [3, 3]], "float32")])  # the pad embeds to zeros
    model.compile(loss="mse")
    logs = model.evaluate(tokens, np.zeros((2, 2)), return_dict=True, verbose=0)
    assert logs["activation_loss"] == pytest.approx(9.0)  # padding (zeros would pull it down) not counted


@tensorflow_only
def test_penalty_gradient_is_two_weight_x_over_size():
    import tensorflow as tf

    layer = AL2(weight=0.25)
    x = tf.constant(np.random.default_rng(2).normal(size=(4, 7)), tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        layer(x, training=True)
        penalty = layer.losses[0]
    gradient = tape.gradient(penalty, x)
    np.testing.assert_allclose(gradient, 2 * 0.25 * x.numpy() / x.numpy().size, rtol=1e-6)


def test_weight_and_l_r_state_are_non_trainable_float32_variables():
    layer = AL2(weight=0.5)
    assert layer.trainable_weights == []
    assert [v.name for v in layer.non_trainable_weights] == [
        "weight", "activation_loss_sum", "activation_loss_count"]
    assert all(v.dtype == "float32" for v in layer.non_trainable_weights)


def test_only_the_weight_is_saved():
    layer = AL2(weight=0.5)
    layer(np.ones((2, 3), "float32"))
    store = {}
    layer.save_own_variables(store)
    assert list(store) == ["0"]
    clone = AL2()
    clone.load_own_variables(store)
    assert float(keras.ops.convert_to_numpy(clone.weight)) == 0.5
    assert float(keras.ops.convert_to_numpy(clone.activation_loss_count)) == 0.0


def test_activation_loss_metric_is_sample_weighted_mean_and_resets():
    layer = AL2()
    a = np.full((3, 2), 2.0, "float32")  # mean square 4
    b = np.full((1, 2), 4.0, "float32")  # mean square 16
    layer(a)
    layer(b)
    np.testing.assert_allclose(float(layer.activation_loss_tracker.result()), (3 * 4 + 16) / 4)
    layer.activation_loss_tracker.reset_state()
    assert float(layer.activation_loss_tracker.result()) == 0.0


def test_the_tracker_is_an_activation_loss_metric_and_the_former_name_is_deprecated():
    from al2_keras import ActivationLoss, ActivationLossMetric

    layer = AL2()
    assert isinstance(layer.activation_loss_tracker, ActivationLossMetric)
    with pytest.warns(DeprecationWarning, match="now named ActivationLossMetric"):
        old = ActivationLoss(layer, name="old_name")
    layer(np.full((2, 2), 3.0, "float32"))
    assert float(old.result()) == float(layer.activation_loss_tracker.result()) == 9.0


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "heavy"])
def test_bad_weight_raises(bad):
    with pytest.raises(ValueError, match="weight"):
        AL2(weight=bad)
    with pytest.raises(ValueError, match="weight"):
        AL2().set_weight(bad)


def test_config_round_trip_keeps_current_weight():
    layer = AL2(weight=0.1, metric_name="lr_top", name="regularizer")
    layer.set_weight(2.5)
    clone = AL2.from_config(layer.get_config())
    assert clone.name == "regularizer"
    assert clone.metric_name == "lr_top"
    assert float(keras.ops.convert_to_numpy(clone.weight)) == 2.5


def test_compute_output_shape_is_input_shape():
    assert AL2().compute_output_shape((None, 4, 4, 50)) == (None, 4, 4, 50)


def test_activation_loss_in_evaluate_logs_equals_mean_square_of_features():
    model = _tiny_model()
    x, y = _data(n=37)
    logs = model.evaluate(x, y, batch_size=8, return_dict=True, verbose=0)
    trunk = keras.Model(model.inputs, model.get_layer("trunk").output)
    expected = np.mean(trunk.predict(x, verbose=0).astype(np.float64) ** 2)
    np.testing.assert_allclose(logs["activation_loss"], expected, rtol=1e-5)


def test_fit_loss_is_cross_entropy_plus_weighted_activation_loss():
    model = _tiny_model(weight=0.7)
    x, y = _data()
    logs = model.fit(x, y, batch_size=8, epochs=1, verbose=0).history
    np.testing.assert_allclose(
        logs["loss"][0],
        logs["cross_entropy"][0] + 0.7 * logs["activation_loss"][0],
        rtol=1e-5,
    )


def _fit_with_growing_weight(jit_compile, callbacks=()):
    model = _tiny_model(jit_compile=jit_compile)
    x, y = _data()
    schedule = ProgressiveSchedule(start=0.5, growth=3.0, threshold=100.0)
    history = model.fit(
        x, y, batch_size=10, epochs=3, verbose=0,
        callbacks=[AL2Scheduler(schedule), *callbacks],
    ).history
    return history, schedule


@pytest.mark.parametrize("jit_compile", [False, True])
def test_new_weight_takes_effect_next_epoch(jit_compile):
    history, schedule = _fit_with_growing_weight(jit_compile)
    assert history["al2_weight"] == [schedule(epoch) for epoch in range(3)]
    for epoch in range(3):
        used = (history["loss"][epoch] - history["cross_entropy"][epoch]) / (
            history["activation_loss"][epoch]
        )
        np.testing.assert_allclose(used, schedule(epoch), rtol=1e-3)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_new_weight_needs_no_retracing(jit_compile, monkeypatch):
    if BACKEND == "torch" or (BACKEND == "jax" and not jit_compile):
        pytest.skip("platform limit: this backend's trainer runs eagerly here, so nothing is traced to count")
    traces = []
    original_call = AL2.call

    def counting_call(self, inputs, mask=None):
        traces.append(1)  # Python side effect: runs only while tracing
        return original_call(self, inputs, mask=mask)

    monkeypatch.setattr(AL2, "call", counting_call)
    traces_after_first_epoch = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: epoch == 0 and traces_after_first_epoch.append(len(traces))
    )
    _fit_with_growing_weight(jit_compile, callbacks=[record])
    assert traces_after_first_epoch[0] >= 1
    assert len(traces) == traces_after_first_epoch[0]


def test_predict_passes_the_features_through_the_layer_unchanged():
    model = _tiny_model()
    x, _ = _data(n=5)
    trunk = keras.Model(model.inputs, model.get_layer("trunk").output)
    through_al2 = keras.Model(model.inputs, model.get_layer("al2").output)
    np.testing.assert_array_equal(through_al2.predict(x, verbose=0), trunk.predict(x, verbose=0))
    head = model.get_layer("head")
    expected = keras.ops.convert_to_numpy(head(trunk.predict(x, verbose=0)))
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)


def test_keras_file_round_trip_keeps_weight_and_predictions(tmp_path):
    model = _tiny_model()
    x, y = _data()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[AL2Scheduler(lambda e: 0.3 + e)])
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    layer = restored.get_layer("al2")
    assert isinstance(layer, AL2)
    assert float(keras.ops.convert_to_numpy(layer.weight)) == pytest.approx(1.3)
    np.testing.assert_allclose(restored.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_mixed_float16_keeps_penalty_in_float32():
    keras.config.set_dtype_policy("mixed_float16")
    layer = AL2(weight=1.0)
    x = np.full((2, 4), 300.0, "float32")  # 300**2 * 1 overflows no float32
    outputs = layer(x, training=True)
    assert keras.backend.standardize_dtype(outputs.dtype) == "float16"
    assert keras.backend.standardize_dtype(layer.losses[0].dtype) == "float32"
    np.testing.assert_allclose(float(layer.losses[0]), 90000.0, rtol=1e-3)


@pytest.mark.skipif(keras.backend.backend() in ("jax", "torch"),
                    reason="platform limit: JAX cuts float64 to float32 unless JAX_ENABLE_X64=1 at start-up; "
                           "Keras's torch backend averages float64 in float32 (keras.ops.mean)")
def test_float64_model_keeps_penalty_weight_and_l_r_in_float64():
    previous = keras.config.floatx()
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    try:
        layer = AL2(weight=0.1)
        x = np.array([[1.0 + 1e-12, 3.0]])  # 1e-12 is lost in float32
        layer(keras.ops.convert_to_tensor(x, dtype="float64"), training=True)
        assert layer.weight.dtype == "float64" and layer.activation_loss_sum.dtype == "float64"
        (penalty,) = layer.losses
        assert keras.backend.standardize_dtype(penalty.dtype) == "float64"
        assert float(penalty) == 0.1 * np.mean(x**2)  # float32 would give 0.50000000745
    finally:
        keras.config.set_floatx(previous)


def test_mixed_float16_model_trains_with_finite_loss():
    keras.config.set_dtype_policy("mixed_float16")
    model = _tiny_model()
    x, y = _data()
    history = model.fit(x, y, epochs=1, verbose=0, callbacks=[AL2Scheduler()])
    assert np.isfinite(history.history["loss"][0])
    assert np.isfinite(history.history["activation_loss"][0])


def test_find_al2_layers_reaches_nested_models():
    inner_inputs = keras.Input((4,))
    inner = keras.Model(inner_inputs, AL2(name="inner_al2")(inner_inputs))
    inputs = keras.Input((4,))
    outputs = AL2(name="outer_al2", metric_name="outer_loss")(inner(inputs))
    model = keras.Model(inputs, outputs)
    assert sorted(layer.name for layer in find_al2_layers(model)) == ["inner_al2", "outer_al2"]


class _Block(keras.layers.Layer):
    """A custom layer that holds an AL2 layer of its own."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(4, activation="relu")
        self.al2 = AL2(weight=0.0, name="block_al2")

    def call(self, inputs):
        return self.al2(self.dense(inputs))


def test_an_al2_layer_inside_a_custom_layer_is_found_and_scheduled():
    inputs = keras.Input((6,))
    outputs = keras.layers.Dense(3, activation="softmax")(_Block()(inputs))
    model = keras.Model(inputs, outputs)
    model.compile("sgd", "sparse_categorical_crossentropy")
    assert [layer.name for layer in find_al2_layers(model)] == ["block_al2"]
    x, y = _data()
    history = model.fit(x, y, epochs=2, verbose=0, callbacks=[AL2Scheduler(lambda epoch: 0.5 + epoch)]).history
    assert history["al2_weight"] == [0.5, 1.5]
    assert float(keras.ops.convert_to_numpy(model.layers[1].al2.weight)) == 1.5


def test_two_al2_layers_log_one_l_r_each_or_the_clash_is_refused():
    def model_with(second_metric_name):
        inputs = keras.Input((6,))
        x = AL2(name="first")(keras.layers.Dense(5, activation="relu")(inputs))
        x = AL2(name="second", metric_name=second_metric_name)(keras.layers.Dense(4, activation="relu")(x))
        model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(x))
        model.compile("sgd", "sparse_categorical_crossentropy")
        return model

    x, y = _data()
    with pytest.raises(ValueError, match="\\['first', 'second'\\].*'activation_loss'.*metric_name='second_"):
        model_with("activation_loss").fit(x, y, verbose=0, callbacks=[AL2Scheduler()])
    history = model_with("second_activation_loss").fit(x, y, epochs=1, verbose=0, callbacks=[AL2Scheduler()])
    first, second = history.history["activation_loss"][0], history.history["second_activation_loss"][0]
    assert first > 0 and second > 0 and first != second


def _mirrored_history(strategy):
    import tensorflow as tf

    with strategy.scope():
        keras.utils.set_random_seed(7)
        model = _tiny_model()
    x, y = _data(n=64, seed=3)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    return model.fit(
        dataset, epochs=3, verbose=0, callbacks=[AL2Scheduler(lambda e: 0.5 * (e + 1))]
    ).history


@tensorflow_only
def test_mirrored_strategy_matches_one_device(two_cpu_strategy):
    """Two logical CPUs and one device give the same per-epoch logs (rtol 1e-5)."""
    import tensorflow as tf

    single = _mirrored_history(tf.distribute.OneDeviceStrategy("/cpu:0"))
    mirrored_strategy = two_cpu_strategy
    assert mirrored_strategy.num_replicas_in_sync == 2
    mirrored = _mirrored_history(mirrored_strategy)
    for key in ("loss", "cross_entropy", "activation_loss", "al2_weight"):
        np.testing.assert_allclose(mirrored[key], single[key], rtol=1e-5, err_msg=key)


def test_weight_beyond_float32_is_an_error():
    with pytest.raises(ValueError, match="at most 3.4e38"):
        AL2(weight=1e39)


def test_bool_weight_is_a_type_error():
    with pytest.raises(TypeError, match="not a bool"):
        AL2(weight=True)
    with pytest.raises(TypeError, match="not a bool"):
        AL2().set_weight(False)


def test_a_weight_given_as_text_is_refused_even_when_it_reads_as_a_number():
    with pytest.raises(ValueError, match="not text. Received: weight='0.1'"):
        AL2(weight="0.1")
