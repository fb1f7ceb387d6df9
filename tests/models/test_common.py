import keras
import numpy as np
import pytest

from al2_keras import small_net


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
