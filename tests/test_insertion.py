"""insert_al2; backend-agnostic (rerun under JAX and PyTorch by test_backends.py)."""

import keras
import numpy as np
import pytest

from al2_keras import AL2, AL2Scheduler, head_model, insert_al2, small_net, trunk_model


def _images(n=6, size=32, channels=3, seed=0):
    return np.random.default_rng(seed).random((n, size, size, channels)).astype("float32")


def _functional():
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dense(6, activation="relu", name="fc")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="out")(x)
    return keras.Model(inputs, outputs, name="functional")


def _sequential():
    return keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
            keras.layers.GlobalAveragePooling2D(name="pool"),
            keras.layers.Dense(3, activation="softmax", name="out"),
        ],
        name="sequential",
    )


def _check_inserted(model, after, x):
    new = insert_al2(model, after=after, weight=0.2)
    al2 = new.get_layer(f"{after}_al2")
    assert isinstance(al2, AL2)
    assert float(al2.weight.numpy()) == pytest.approx(0.2)
    # The same function, the same weight objects.
    np.testing.assert_allclose(new.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    originals = {id(w) for w in model.weights}
    assert [w.path for w in new.weights if id(w) not in originals] == [
        f"{after}_al2/weight", f"{after}_al2/activation_loss_sum", f"{after}_al2/activation_loss_count"]
    # The named layer's output is the trunk output of the new model.
    trunk, head = trunk_model(new, after), head_model(new, after)
    assert al2 in head.layers
    np.testing.assert_allclose(
        head.predict(trunk.predict(x, verbose=0), verbose=0), new.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    return new


def test_functional_model_gets_al2_and_shares_weights():
    model = _functional()
    new = _check_inserted(model, "pool", _images(size=8))
    assert [layer.name for layer in new.layers][-4:] == ["pool", "pool_al2", "fc", "out"]


def test_sequential_model_gets_al2():
    _check_inserted(_sequential(), "pool", _images(size=8))


def test_training_the_new_model_trains_the_original():
    model = _functional()
    new = insert_al2(model, after="pool")
    new.compile(keras.optimizers.SGD(0.5), "sparse_categorical_crossentropy")
    before = model.get_layer("fc").kernel.numpy().copy()
    x, y = _images(n=16, size=8), np.arange(16) % 3
    history = new.fit(x, y, epochs=2, verbose=0, callbacks=[AL2Scheduler()]).history
    assert history["al2_weight"] == [0.01, pytest.approx(0.011)]
    assert all(value > 0 for value in history["activation_loss"])
    assert not np.allclose(model.get_layer("fc").kernel.numpy(), before)


def test_model_loaded_from_keras_file(tmp_path):
    path = tmp_path / "model.keras"
    _functional().save(path)
    _check_inserted(keras.saving.load_model(path), "pool", _images(size=8))


def test_keras_applications_network():
    model = keras.applications.MobileNetV2(input_shape=(32, 32, 3), weights=None, classes=4)
    # Its pooling layer has an automatic name ("global_average_pooling2d", "_1", ...).
    pooling = next(layer.name for layer in model.layers if isinstance(layer, keras.layers.GlobalAveragePooling2D))
    _check_inserted(model, pooling, _images(n=2))


def test_second_al2_layer_gets_its_own_metric_name():
    model = small_net(al2=True)
    new = insert_al2(model, after="relu3")
    assert new.get_layer("relu3_al2").metric_name == "relu3_al2_activation_loss"


def test_unknown_layer_name_is_an_error_listing_the_layers():
    with pytest.raises(ValueError, match=r"no top-level layer named 'poool'.*conv, pool, fc, out"):
        insert_al2(_functional(), after="poool")


def test_layer_called_twice_is_an_error():
    inputs = keras.Input((4,))
    shared = keras.layers.Dense(4, name="shared")
    x = shared(shared(inputs))
    model = keras.Model(inputs, keras.layers.Dense(2, name="out")(x))
    with pytest.raises(ValueError, match="'shared' is called 2 times"):
        insert_al2(model, after="shared")


def test_layer_with_several_outputs_is_an_error():
    inputs = keras.Input((4,))
    first, second = keras.layers.Lambda(lambda t: (t, 2 * t), name="split")(inputs)
    model = keras.Model(inputs, keras.layers.Add(name="add")([first, second]))
    with pytest.raises(ValueError, match="'split' has several outputs"):
        insert_al2(model, after="split")


def test_unbuilt_sequential_is_an_error():
    model = keras.Sequential([keras.layers.Dense(2, name="fc")])
    with pytest.raises(ValueError, match="built Sequential"):
        insert_al2(model, after="fc")


def test_not_a_model_is_an_error():
    with pytest.raises(ValueError, match="Functional or Sequential"):
        insert_al2(keras.layers.Dense(2), after="fc")
