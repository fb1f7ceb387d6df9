import keras
import numpy as np
import pytest

from al2_keras import models, small_net
from al2_keras.experiments import analysis


def _model_and_data():
    keras.utils.set_random_seed(0)
    model = small_net(input_shape=(20, 20, 1), num_classes=4)
    rng = np.random.default_rng(0)
    return model, rng.random((30, 20, 20, 1)).astype("float32"), rng.integers(0, 4, 30)


def test_element_masks_are_nested_bernoulli_and_unit_masks_exact():
    fractions = [0.0, 0.3, 0.7, 1.0]
    masks = analysis.ablation.ablation_masks((2000, 50), fractions, "element", np.random.default_rng(0))
    assert masks.shape == (4, 2000, 50)
    # Each activation zeroed with probability f, as the reference's Bernoulli masks.
    np.testing.assert_allclose((~masks).mean(axis=(1, 2)), fractions, atol=0.01)
    assert masks[0].all() and not masks[3].any()
    assert np.all(masks[1] <= masks[0]) and np.all(masks[2] <= masks[1])  # cumulative
    unit = analysis.ablation.ablation_masks((5, 10), fractions, "unit", np.random.default_rng(0))
    np.testing.assert_array_equal((~unit).sum(axis=2), [[0], [3], [7], [10]])  # one row: every sample
    assert np.all(unit[2] <= unit[1])


def test_unit_masks_are_shared_across_samples_and_element_masks_are_not():
    rng = np.random.default_rng(1)
    unit = analysis.ablation.ablation_masks((6, 20), [0.5], "unit", rng)[0]
    assert (unit == unit[0]).all()
    element = analysis.ablation.ablation_masks((6, 20), [0.5], "element", rng)[0]
    assert not (element == element[0]).all()
    with pytest.raises(ValueError, match="mode"):
        analysis.ablation.ablation_masks((6, 20), [0.5], "channel", rng)


def test_zero_ablation_equals_plain_accuracy_and_full_equals_head_on_zeros():
    model, x, y = _model_and_data()
    result = analysis.ablation.cumulative_ablation(model, x, y, fractions=[0.0, 0.5, 1.0], seeds=(0, 1))
    plain = np.mean(np.argmax(model.predict(x, verbose=0), -1) == y)
    np.testing.assert_allclose(result.accuracy[:, 0], plain)
    head = models.head_model(model)
    on_zeros = np.argmax(head.predict(np.zeros((30, 200), "float32"), verbose=0), -1)
    np.testing.assert_allclose(result.accuracy[:, 2], np.mean(on_zeros == y))
    assert result.mean.shape == (3,) and result.std.shape == (3,)


def test_trunk_and_head_reproduce_the_full_model():
    model, x, _ = _model_and_data()
    features = models.trunk_model(model).predict(x, verbose=0)
    np.testing.assert_allclose(models.head_model(model).predict(features, verbose=0),
                               model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_bad_fractions():
    model, x, y = _model_and_data()
    with pytest.raises(ValueError, match="fractions"):
        analysis.ablation.cumulative_ablation(model, x, y, fractions=[0.0, 1.5])


def test_no_seeds_and_mismatched_labels_are_named():
    model, x, y = _model_and_data()
    with pytest.raises(ValueError, match="`seeds` must name at least one"):
        analysis.ablation.cumulative_ablation(model, x, y, seeds=())
    with pytest.raises(ValueError, match=f"{len(x)} images and 5 labels"):
        analysis.ablation.cumulative_ablation(model, x, y[:5])


def test_images_and_labels_the_model_cannot_take_are_named_before_any_evaluation():
    model, x, y = _model_and_data()
    with pytest.raises(ValueError, match="`images` must be shaped \\(N, 20, 20, 1\\).*\\(30, 28, 28, 1\\)"):
        analysis.ablation.cumulative_ablation(model, np.zeros((30, 28, 28, 1), "float32"), y)
    with pytest.raises(ValueError, match="`images` must be shaped"):
        analysis.ablation.cumulative_ablation(model, x[..., 0], y)
    x[3, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        analysis.ablation.cumulative_ablation(model, x, y)
    x[3, 0, 0, 0] = 0.0
    for labels in (y + 4, np.eye(4)[y], y.astype("float32")):
        with pytest.raises(ValueError, match="`labels` must be 1-D class indices in \\[0, 4\\)"):
            analysis.ablation.cumulative_ablation(model, x, labels)


def test_unit_mode_incremental_dense_path_equals_masked_head(monkeypatch):
    model, x, y = _model_and_data()
    features = models.trunk_model(model).predict(x, verbose=0)
    dense, _ = analysis.ablation._leading_linear_layer(models.head_model(model), features[:8])
    assert dense.name == "fc1"
    fast = analysis.ablation.cumulative_ablation(model, x, y, mode="unit", seeds=(0, 3))
    keep = analysis.ablation.ablation_masks(features.shape, fast.fractions, "unit", np.random.default_rng(3))[:, 0]
    direct = features[None] * keep[:, None, :] @ dense.kernel.numpy() + dense.bias.numpy()
    levels = dict(analysis.ablation._unit_levels_through_dense(features, keep, dense))
    assert sorted(levels) == list(range(len(keep)))
    np.testing.assert_allclose(np.stack([levels[k] for k in range(len(keep))]), direct,
                               rtol=1e-5, atol=1e-5)
    monkeypatch.setattr(analysis.ablation, "_leading_linear_layer", lambda head, probe: None)
    slow = analysis.ablation.cumulative_ablation(model, x, y, mode="unit", seeds=(0, 3))
    np.testing.assert_array_equal(fast.accuracy, slow.accuracy)


def test_element_mode_dense_path_equals_the_stacked_masked_head(monkeypatch):
    model, x, y = _model_and_data()
    fast = analysis.cumulative_ablation(model, x, y, mode="element", seeds=(0, 2))
    monkeypatch.setattr(analysis.ablation, "_leading_linear_layer", lambda head, probe: None)
    analysis.ablation._SUB_MODELS.clear()
    slow = analysis.cumulative_ablation(model, x, y, mode="element", seeds=(0, 2))
    np.testing.assert_array_equal(fast.accuracy, slow.accuracy)
    assert 0.0 < fast.accuracy[:, 5].mean() < 1.0
