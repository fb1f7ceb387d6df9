import keras
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


def test_features_can_feed_the_head_alone():
    model = small_net()
    features = keras.Model(model.inputs, model.get_layer("features").output)
    head_input = keras.Input((800,))
    x = head_input
    for name in ("fc1", "relu3", "logits", "probabilities"):
        x = model.get_layer(name)(x)
    head = keras.Model(head_input, x)
    images = np.random.default_rng(0).random((3, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(
        head.predict(features.predict(images, verbose=0), verbose=0),
        model.predict(images, verbose=0),
        rtol=1e-5,
    )


@pytest.mark.parametrize("builder, shape", [("small_net", (28, 28, 1)), ("alexnet", (63, 63, 3))])
def test_dropout_ends_the_trunk_by_default_as_the_reference(builder, shape):
    from al2_keras import models

    images = np.random.default_rng(0).random((4, *shape)).astype("float32") + 0.1
    for position, dropped in (("before_al2", True), ("after_al2", False)):
        kwargs = {} if position == "before_al2" else {"dropout_position": position}
        model = getattr(models, builder)(input_shape=shape, dropout=0.5, **kwargs)
        trunk = models.trunk_model(model)
        training = keras.ops.convert_to_numpy(trunk(images, training=True))
        inference = keras.ops.convert_to_numpy(trunk(images, training=False))
        # Before AL2 the features (and so L_r) are the dropped, rescaled ones.
        assert np.allclose(training, inference) is not dropped, position
        if dropped:
            kept = training != 0
            np.testing.assert_allclose(training[kept], 2.0 * inference[kept], rtol=1e-5)


def test_unknown_dropout_position_is_refused():
    with pytest.raises(ValueError, match="dropout_position"):
        small_net(dropout=0.5, dropout_position="middle")


@pytest.mark.parametrize("kwargs", [{"dropout": 1.0}, {"dropout": -0.1}, {"weight_decay": -1.0}])
def test_invalid_options_raise(kwargs):
    with pytest.raises(ValueError):
        small_net(**kwargs)


def test_small_net_trains_one_step():
    model = small_net(batch_norm=True, dropout=0.5, weight_decay=1e-4)
    model.compile("sgd", "sparse_categorical_crossentropy")
    x = np.random.default_rng(0).random((8, 28, 28, 1)).astype("float32")
    logs = model.train_on_batch(x, np.arange(8) % 10, return_dict=True)
    assert np.isfinite(logs["loss"]) and "activation_loss" in logs


def test_adaptive_average_pooling_matches_bins():
    from al2_keras.pooling import AdaptiveAveragePooling2D

    x = np.arange(2 * 5 * 7 * 3, dtype="float32").reshape(2, 5, 7, 3)
    out = np.asarray(AdaptiveAveragePooling2D((2, 3))(x))
    # PyTorch bins: rows [0,3) and [2,5); cols [0,3), [2,5), [4,7).
    np.testing.assert_allclose(out[:, 1, 2], x[:, 2:5, 4:7].mean(axis=(1, 2)), rtol=1e-6)
    small = np.asarray(AdaptiveAveragePooling2D((6, 6))(np.ones((1, 1, 1, 2), "float32") * 3))
    np.testing.assert_allclose(small, 3.0)


@pytest.mark.parametrize("builder, shape, features", [
    ("alexnet", (64, 64, 3), 9216), ("densenet121", (32, 32, 3), 1024)])
def test_reference_architectures_build_train_and_expose_trunk(builder, shape, features):
    from al2_keras import models

    model = getattr(models, builder)(input_shape=shape, num_classes=5, weight_decay=1e-4, dropout=0.5)
    assert model.get_layer("features").output.shape == (None, features)
    assert isinstance(model.get_layer("al2"), AL2)
    assert len(model.losses) > 0  # weight decay terms
    # Eager: tracing DenseNet-121's graphs costs a minute on 2 cores.
    model.compile("sgd", "sparse_categorical_crossentropy", run_eagerly=True)
    x = np.random.default_rng(0).random((4, *shape)).astype("float32")
    logs = model.train_on_batch(x, np.arange(4) % 5, return_dict=True)
    assert np.isfinite(logs["loss"])
    trunk, head = models.trunk_model(model), models.head_model(model)
    split = head(trunk(x, training=False), training=False)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(split),
                               keras.ops.convert_to_numpy(model(x, training=False)), rtol=1e-4, atol=1e-6)


def test_densenet_refuses_batch_norm_false():
    from al2_keras import models

    with pytest.raises(ValueError, match="BatchNormalization"):
        models.densenet121(batch_norm=False)
