import keras
import numpy as np
import pytest

from al2_keras import AL2, bound_head, head_layers, insert_al2, small_net


def _unit_norms(layer):
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    return np.sqrt(np.square(kernel).sum(axis=tuple(range(kernel.ndim - 1))))


def test_bounds_every_kernel_after_al2_and_nothing_before():
    model = small_net(al2=True)
    assert [layer.name for layer in head_layers(model)] == ["fc1", "relu3", "logits", "probabilities"]
    assert bound_head(model, 0.5) == ["fc1", "logits"]
    assert model.get_layer("conv2").kernel.constraint is None
    model.compile(keras.optimizers.SGD(0.5), "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    model.fit(rng.random((32, 28, 28, 1)).astype("float32") * 5, rng.integers(0, 10, 32), epochs=2, verbose=0)
    for name in ("fc1", "logits"):
        assert _unit_norms(model.get_layer(name)).max() <= 0.5 + 1e-5


def test_initial_keeps_each_layers_initial_largest_norm_and_the_bound_survives_saving(tmp_path):
    model = small_net(al2=True)
    initial = {name: _unit_norms(model.get_layer(name)).max() for name in ("fc1", "logits")}
    bound_head(model)  # "initial", the default
    for name, norm in initial.items():
        assert model.get_layer(name).kernel.constraint.max_value == pytest.approx(norm, rel=1e-6)
    path = str(tmp_path / "bounded.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    assert restored.get_layer("fc1").kernel.constraint.max_value == pytest.approx(initial["fc1"], rel=1e-6)


def test_conv_head_is_bounded_over_its_input_axes():
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, name="trunk")(inputs)
    x = AL2(name="al2")(x)
    x = keras.layers.Conv2D(6, 3, name="head_conv")(x)
    model = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(x))
    assert bound_head(model, 1.0) == ["head_conv"]
    assert model.get_layer("head_conv").kernel.constraint.axis == [0, 1, 2]


def test_inserted_al2_head_of_an_existing_model():
    base = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, name="trunk"),
                             keras.layers.Dense(4, name="head1"), keras.layers.Dense(3, name="head2")])
    assert bound_head(insert_al2(base, after="trunk"), 2.0) == ["head1", "head2"]


@pytest.mark.parametrize("max_norm", [0.0, -1.0, float("inf"), float("nan"), "first", None])
def test_impossible_bound_is_an_error(max_norm):
    with pytest.raises(ValueError, match="max_norm"):
        bound_head(small_net(al2=True), max_norm)


def test_model_without_al2_is_an_error_naming_the_fix():
    with pytest.raises(ValueError, match="no AL2 layer.*insert_al2"):
        bound_head(small_net(al2=False))
