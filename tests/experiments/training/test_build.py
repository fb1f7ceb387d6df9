import numpy as np
import pytest

from al2_keras import losses
from al2_keras.experiments import training


@pytest.mark.parametrize("loss, kind", [("cross_entropy", "SparseCategoricalCrossentropy"),
                                        ("gce", "GeneralizedCrossEntropy"), ("sce", "SymmetricCrossEntropy"),
                                        ("bootstrap_hard", "Bootstrapping")])
def test_the_protocol_names_the_loss_and_l_c_stays_the_plain_cross_entropy(loss, kind):
    protocol = training.quick_protocol(loss=loss, model="small_net")
    model = training.compile_for_protocol(training.build_model(protocol, (28, 28, 1), 10, al2_weight=0.5), protocol)
    assert type(model.loss).__name__ == kind
    x = np.random.default_rng(0).random((8, 28, 28, 1)).astype("float32")
    y = np.arange(8) % 10
    logs = model.fit(x, y, epochs=1, verbose=0).history
    assert set(logs) >= {"loss", "accuracy", training.CROSS_ENTROPY_NAME}
    assert float(model.get_layer("al2").weight.numpy()) == pytest.approx(0.5)
    # L_c is the plain cross entropy of the predictions, whatever loss trains the model.
    scores = model.evaluate(x, y, verbose=0, return_dict=True)
    probabilities = model.predict(x, verbose=0).astype("float64")
    plain = float(np.mean(-np.log(probabilities[np.arange(8), y])))
    assert scores[training.CROSS_ENTROPY_NAME] == pytest.approx(plain, rel=1e-4)
    # The loss evaluated is the training loss plus the AL2 penalty, as in training.
    trained_on = scores["loss"] - 0.5 * scores["activation_loss"]
    if loss == "cross_entropy":
        assert trained_on == pytest.approx(plain, rel=1e-4)
    else:  # near-uniform predictions at the start: the losses differ, if little
        assert abs(trained_on - plain) > 1e-5


def test_mixup_compiles_each_loss_for_soft_labels():
    protocol = training.quick_protocol(loss="cross_entropy", mixup_alpha=0.4)
    model = training.compile_for_protocol(training.build_model(protocol, (28, 28, 1), 10), protocol)
    assert type(model.loss).__name__ == "CategoricalCrossentropy"
    assert isinstance(losses.get("gce", soft_labels=True), losses.GeneralizedCrossEntropy)


@pytest.mark.parametrize("model, shape, layer", [("small_net", (28, 28, 1), "conv1"), ("alexnet", (63, 63, 1), "fc1")])
def test_the_protocol_initializer_reaches_every_builder(model, shape, layer):
    reference = training.build_model(training.quick_protocol(model=model), shape, 10)
    keras_init = training.build_model(training.quick_protocol(model=model, initializer="keras"), shape, 10)
    assert np.asarray(reference.get_layer(layer).get_weights()[1]).any()  # PyTorch draws biases
    assert not np.asarray(keras_init.get_layer(layer).get_weights()[1]).any()  # Keras zeroes them


def test_a_cosine_learning_rate_decays_to_zero_over_all_steps_and_needs_the_steps():
    protocol = training.quick_protocol(epochs=4, lr_schedule="cosine")
    model = training.build_model(protocol, (28, 28, 1), 10)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        training.compile_for_protocol(model, protocol)
    training.compile_for_protocol(model, protocol, steps_per_epoch=5)
    schedule = model.optimizer._learning_rate  # the schedule object (`learning_rate` reads its current value)
    assert float(schedule(0)) == pytest.approx(0.01)
    assert float(schedule(10)) == pytest.approx(0.005, rel=1e-5)  # half way: cos(pi / 2)
    assert float(schedule(20)) == pytest.approx(0.0, abs=1e-9)
    constant = training.build_model(training.quick_protocol(), (28, 28, 1), 10)
    training.compile_for_protocol(constant, training.quick_protocol())
    assert float(constant.optimizer.learning_rate) == pytest.approx(0.01)


def test_flood_level_wraps_the_loss_at_the_noisy_labels_entropy_and_is_checked():
    protocol = training.quick_protocol(flood_level="noise_floor", loss="gce")
    model = training.compile_for_protocol(training.build_model(protocol, (28, 28, 1), 10), protocol)
    assert isinstance(model.loss, losses.Flooding) and isinstance(model.loss.loss, losses.GeneralizedCrossEntropy)
    assert model.loss.level == pytest.approx(losses.noise_floor(0.75, 10))
    fixed = training.quick_protocol(flood_level=1.5)
    assert training.compile_for_protocol(training.build_model(fixed, (28, 28, 1), 10), fixed).loss.level == 1.5
    for bad in (-1.0, "high", True):
        with pytest.raises(ValueError, match="`flood_level` must be"):
            training.quick_protocol(flood_level=bad)
