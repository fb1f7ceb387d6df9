"""Each loss against a value computed by hand from its paper's formula (p = [0.7, 0.2, 0.1])."""

import keras
import numpy as np
import pytest

from al2_keras import losses

P = np.array([[0.7, 0.2, 0.1]], dtype="float32")


@pytest.mark.parametrize("loss, label, expected", [
    # (1 - 0.7^0.7) / 0.7
    (losses.GeneralizedCrossEntropy(), 0, 0.3156344),
    # 0.01 * -ln 0.7 + 1.0 * 4 * (1 - 0.7)
    (losses.SymmetricCrossEntropy(), 0, 1.2035667),
    # -(0.985 ln 0.7 + 0.01 ln 0.2 + 0.005 ln 0.1): target 0.95 y + 0.05 p
    (losses.Bootstrapping("soft"), 0, 0.3789321),
    # -(0.2 ln 0.7 + 0.8 ln 0.2): target 0.8 onehot(1) + 0.2 onehot(argmax p = 0)
    (losses.Bootstrapping("hard"), 1, 1.3588853),
])
def test_loss_equals_the_hand_computed_value(loss, label, expected):
    value = keras.ops.convert_to_numpy(loss(np.array([label]), P))
    assert float(value) == pytest.approx(expected, rel=1e-5)
    # The same with a one-hot (soft) label, and with a (batch, 1) integer label.
    onehot = np.eye(3, dtype="float32")[[label]]
    assert float(keras.ops.convert_to_numpy(loss(onehot, P))) == pytest.approx(expected, rel=1e-5)
    assert float(keras.ops.convert_to_numpy(loss(np.array([[label]]), P))) == pytest.approx(expected, rel=1e-5)


def test_gce_tends_to_cross_entropy_and_mae():
    label = np.array([0])
    near_zero = float(keras.ops.convert_to_numpy(losses.GeneralizedCrossEntropy(q=1e-4)(label, P)))
    assert near_zero == pytest.approx(-np.log(0.7), rel=1e-3)
    assert float(keras.ops.convert_to_numpy(losses.GeneralizedCrossEntropy(q=1.0)(label, P))) == pytest.approx(0.3)


@pytest.mark.parametrize("name", losses.NAMES)
def test_every_named_loss_serializes_and_trains(name):
    loss = losses.get(name)
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is type(loss) and restored.get_config() == loss.get_config()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(keras.optimizers.SGD(0.5), loss)
    x = np.random.default_rng(0).standard_normal((16, 4)).astype("float32")
    y = np.arange(16) % 3
    before = model.evaluate(x, y, verbose=0)
    restored_model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    restored_model.compile("sgd", restored)
    restored_model.set_weights(model.get_weights())
    assert restored_model.evaluate(x, y, verbose=0) == pytest.approx(before, rel=1e-6)  # the same loss, restored
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < before  # it trains: five full-batch steps lower it


@pytest.mark.parametrize("make, named", [(lambda: losses.GeneralizedCrossEntropy(q=0.0), "q"),
                                         (lambda: losses.SymmetricCrossEntropy(log_zero=0.0), "log_zero"),
                                         (lambda: losses.Bootstrapping("medium"), "medium"),
                                         (lambda: losses.Bootstrapping("soft", beta=1.5), "beta"),
                                         (lambda: losses.get("focal"), "focal")])
def test_bad_settings_are_refused(make, named):
    with pytest.raises(ValueError, match=named):
        make()


def test_flooding_keeps_the_batch_loss_at_its_level_and_serializes():
    y = np.array([0, 1])
    probabilities = np.array([[0.7, 0.2, 0.1], [0.3, 0.4, 0.3]], dtype="float32")
    inner = keras.losses.SparseCategoricalCrossentropy()
    plain = float(np.mean(-np.log([0.7, 0.4])))
    for level in (plain + 1.0, plain - 0.5):
        value = float(keras.ops.convert_to_numpy(losses.Flooding(inner, level)(y, probabilities)))
        assert value == pytest.approx(abs(plain - level) + level, rel=1e-5)
    copy = keras.losses.deserialize(keras.losses.serialize(losses.Flooding(losses.GeneralizedCrossEntropy(), 2.21)))
    assert copy.level == 2.21 and isinstance(copy.loss, losses.GeneralizedCrossEntropy)
    with pytest.raises(TypeError, match="keras.losses.Loss"):
        losses.Flooding("sparse_categorical_crossentropy", 2.21)
    with pytest.raises(ValueError, match="flood `level`"):
        losses.Flooding(inner, -1.0)


def test_flooding_turns_the_gradient_back_below_its_level():
    tf = pytest.importorskip("tensorflow", reason="platform limit: the gradient is taken with TensorFlow's tape, "
                             "absent where the backend suite blocks TensorFlow")

    y = np.array([0, 1])
    logits = tf.Variable([[2.0, 0.0, 0.0], [0.0, 0.5, 0.0]])
    inner = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    plain = float(inner(y, logits))
    for level, sign in ((plain + 1.0, -1.0), (plain - 0.5, 1.0)):
        with tf.GradientTape() as tape:
            value = losses.Flooding(inner, level)(y, logits)
        grad = tape.gradient(value, logits).numpy()
        with tf.GradientTape() as tape:
            reference = inner(y, logits)
        np.testing.assert_allclose(grad, sign * tape.gradient(reference, logits).numpy(), rtol=1e-6)


def test_noise_floor_is_the_entropy_of_the_corrupted_label():
    # -(0.25 ln 0.25 + 0.75 ln(0.75 / 9)) = 0.34657 + 1.86368
    assert losses.noise_floor(0.75, 10) == pytest.approx(2.210254, rel=1e-6)
    assert losses.noise_floor(0.0, 10) == 0.0
    with pytest.raises(ValueError, match="corrupt"):
        losses.noise_floor(1.0, 10)
