import keras
import numpy as np
import pytest

from al2_keras import AL2, models


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


def test_registry_builds_every_architecture_by_name():
    assert models.names() == ["small_net", "alexnet", "densenet121"]
    model = models.get("small_net", input_shape=(28, 28, 1), num_classes=3)
    assert model.output_shape == (None, 3) and model.get_layer("features").output.shape == (None, 800)
    with pytest.raises(ValueError, match="Unknown model 'lenet'"):
        models.get("lenet")


@pytest.mark.parametrize("name, size", [("small_net", 16), ("alexnet", 63), ("densenet121", 32)])
def test_too_small_images_name_the_minimum_size(name, size):
    with pytest.raises(ValueError, match=f"at least {size}x{size}"):
        models.get(name, input_shape=(size - 1, size - 1, 1))
    assert models.minimum_image_size(name) == size


@pytest.mark.parametrize("builder, size", [(models.small_net, 16), (models.alexnet, 63), (models.densenet121, 32)])
def test_builders_themselves_name_the_minimum_size(builder, size):
    with pytest.raises(ValueError, match=f"at least {size}x{size} pixels; these are {size - 1}x{size - 1}"):
        builder(input_shape=(size - 1, size - 1, 3))


@pytest.mark.parametrize("name", ["small_net", "alexnet", "densenet121"])
@pytest.mark.parametrize("num_classes", [0, 1, 2.5, True])
def test_builders_refuse_fewer_than_two_classes_naming_the_argument(name, num_classes):
    with pytest.raises(ValueError, match=f"{name} needs `num_classes`, an integer >= 2.*num_classes={num_classes!r}"):
        models.get(name, num_classes=num_classes)
