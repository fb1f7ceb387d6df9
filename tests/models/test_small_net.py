import numpy as np
import pytest

from al2_keras import AL2, small_net


def test_small_net_shapes_and_named_trunk_output():
    model = small_net()
    assert model.output_shape == (None, 10)
    assert model.get_layer("features").output.shape == (None, 800)
    assert isinstance(model.get_layer("al2"), AL2)


def test_small_net_without_al2_has_no_al2_layer():
    model = small_net(al2=False)
    assert not any(isinstance(layer, AL2) for layer in model.layers)
    assert model.get_layer("features").output.shape == (None, 800)


def test_small_net_options_add_their_layers():
    model = small_net(batch_norm=True, dropout=0.5, num_classes=7, input_shape=(32, 32, 3))
    names = [layer.name for layer in model.layers]
    assert "batch_norm" in names and "dropout" in names
    assert model.output_shape == (None, 7)
    assert model.get_layer("dropout").rate == 0.5
    # PyTorch's BatchNorm2d defaults, as the reference: running-statistics
    # momentum 0.1 (Keras 0.9) and eps 1e-5.
    batch_norm = model.get_layer("batch_norm")
    assert (batch_norm.momentum, batch_norm.epsilon) == (0.9, 1e-5)


def test_weight_decay_is_coupled_l2_with_half_coefficient():
    model = small_net(weight_decay=0.01)
    for name in ("conv1", "conv2", "fc1", "logits"):
        layer = model.get_layer(name)
        assert layer.kernel_regularizer.l2 == pytest.approx(0.005)
        assert layer.bias_regularizer.l2 == pytest.approx(0.005)
    # Gradient of the regularization term is weight_decay * w, as SGD's.
    kernel = model.get_layer("conv1").kernel
    np.testing.assert_allclose(
        float(model.get_layer("conv1").kernel_regularizer(kernel)),
        0.005 * float(np.sum(kernel.numpy() ** 2)),
        rtol=1e-5,
    )


@pytest.mark.parametrize("kwargs", [{"dropout": 1.0}, {"dropout": -0.1}, {"weight_decay": -1.0}])
def test_invalid_options_raise(kwargs):
    (name,) = kwargs
    with pytest.raises(ValueError, match=f"`{name}` must be"):
        small_net(**kwargs)


def test_small_net_trains_one_step():
    model = small_net(batch_norm=True, dropout=0.5, weight_decay=1e-4)
    model.compile("sgd", "sparse_categorical_crossentropy")
    x = np.random.default_rng(0).random((8, 28, 28, 1)).astype("float32")
    logs = model.train_on_batch(x, np.arange(8) % 10, return_dict=True)
    assert np.isfinite(logs["loss"]) and "activation_loss" in logs


def test_weight_decay_also_decays_batch_norm_gamma_and_beta_as_the_reference():
    # The reference's SGD(weight_decay=...) decays every parameter.
    batch_norm = small_net(batch_norm=True, weight_decay=0.01).get_layer("batch_norm")
    assert batch_norm.gamma_regularizer.l2 == pytest.approx(0.005)
    assert batch_norm.beta_regularizer.l2 == pytest.approx(0.005)
    assert small_net(batch_norm=True).get_layer("batch_norm").gamma_regularizer is None


@pytest.mark.parametrize("initializer", ["reference", "torch"])
def test_default_initializer_is_pytorchs_default_as_the_reference(initializer):
    # The reference keeps PyTorch's default initialization for its small CNN.
    model = small_net() if initializer == "reference" else small_net(initializer=initializer)
    for name, fan_in in (("conv1", 25), ("conv2", 500), ("fc1", 800), ("logits", 500)):
        kernel, bias = (np.asarray(w) for w in model.get_layer(name).get_weights())
        bound = 1 / np.sqrt(fan_in)
        assert np.abs(kernel).max() <= bound and np.abs(bias).max() <= bound, name
        # Uniform on [-bound, bound]: standard deviation bound / sqrt(3), biases not zero.
        assert kernel.std() == pytest.approx(bound / np.sqrt(3), rel=0.1), name
        assert np.abs(bias).max() > bound / 4, name


def test_keras_initializer_keeps_glorot_kernels_and_zero_biases():
    kernel, bias = (np.asarray(w) for w in small_net(initializer="keras").get_layer("conv2").get_weights())
    assert not bias.any()
    limit = np.sqrt(6 / (25 * 20 + 25 * 50))  # Glorot-uniform: fan_in + fan_out
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 1 / np.sqrt(500)


def test_unknown_initializer_is_refused():
    with pytest.raises(ValueError, match="initializer"):
        small_net(initializer="he")
