import pytest

from al2_keras.experiments import training


def test_quick_protocol_is_the_calibrated_one():
    protocol = training.quick_protocol()
    assert (protocol.dataset, protocol.train_size, protocol.corrupt) == ("fashion_mnist", 5000, 0.75)
    assert (protocol.scaling, protocol.learning_rate, protocol.momentum) == ("reference", 0.01, 0.9)
    assert (protocol.batch_size, protocol.epochs) == (64, 40)
    # The paper's schedule, one epoch standing for ten: 1.1**10 per epoch early on.
    assert (protocol.schedule, protocol.time_scale, protocol.schedule_options) == ("paper", 10, {})
    assert protocol.weight_schedule()(3) == pytest.approx(0.01 * 1.1**30)
    assert (training.paper_protocol().schedule, training.paper_protocol().time_scale) == ("paper", 1)


def test_settings_are_plain_data_naming_the_schedule():
    import json

    settings = training.quick_protocol(seed=3, schedule="stable", schedule_options={"doubling_drop": 0.02}).settings()
    assert json.loads(json.dumps(settings)) == settings
    assert settings["seed"] == 3
    assert (settings["schedule"], settings["time_scale"], settings["schedule_options"]) == (
        "stable", 10, {"doubling_drop": 0.02})


def test_the_schedule_object_is_built_in_one_place_from_the_three_fields():
    from al2_keras import StableSchedule

    protocol = training.quick_protocol(schedule="stable", time_scale=4, schedule_options={"doubling_drop": 0.02})
    schedule = protocol.weight_schedule()
    assert isinstance(schedule, StableSchedule)
    assert (schedule.time_scale, schedule.doubling_drop, schedule.start) == (4, 0.02, 0.01)
    assert protocol.weight_schedule() is not schedule  # a new one per training: what it learns is not shared


@pytest.mark.parametrize("overrides, message", [
    ({"schedule": "steady"}, "Unknown schedule 'steady'; choose from \\['constant', 'paper', 'stable'\\]"),
    ({"time_scale": 0}, "`time_scale` must be a finite number > 0"),
    ({"schedule_options": {"weight": 1.0}}, "'paper' schedule has no option \\['weight'\\]"),
    ({"schedule": "constant"}, "'constant' schedule needs the option\\(s\\) \\['weight'\\]"),
    ({"schedule_options": {"growth": 0.5}}, "`growth` must be a finite number >= 1.0"),
])
def test_a_protocol_refuses_a_bad_schedule_when_it_is_made(overrides, message):
    with pytest.raises(ValueError, match=message):
        training.quick_protocol(**overrides)


def test_a_schedule_object_converts_to_the_fields_and_is_deprecated_as_a_field():
    from al2_keras import ProgressiveSchedule

    tuned = ProgressiveSchedule(start=0.05, growth=1.3, time_scale=10)
    protocol = training.quick_protocol().with_schedule(tuned)
    assert (protocol.schedule, protocol.time_scale, protocol.schedule_options) == (
        "paper", 10, {"start": 0.05, "growth": 1.3})
    assert protocol.weight_schedule().get_config() == tuned.get_config()
    with pytest.warns(DeprecationWarning, match="schedule_options"):
        old_style = training.quick_protocol(schedule=tuned)
    assert old_style == protocol
    with pytest.raises(ValueError, match="A protocol names its schedule.*AL2Scheduler"):
        training.quick_protocol().with_schedule(lambda epoch: 1.0)


@pytest.mark.parametrize("field, value", [("scaling", "zscore"), ("dropout_position", "middle"),
                                          ("initializer", "he"), ("lr_schedule", "step")])
def test_a_protocol_refuses_an_unknown_choice_naming_the_field_and_the_choices(field, value):
    with pytest.raises(ValueError, match=f"`{field}` must be one of .*Received: {field}='{value}'"):
        training.quick_protocol(**{field: value})


def test_every_public_name_of_training_resolves():
    missing = [name for name in training.__all__ if not hasattr(training, name)]
    assert not missing
    assert training.NOISE_FLOOR == "noise_floor"


# Every field of `Protocol()` beside the reference's value and where it comes from (majedelhelou/AL2, code/).
REFERENCE_FIELDS = {
    "model": ("small_net", "train.py: --arch_type 'smallNet'"),
    "dataset": ("mnist", "train.py: --dataset_name 'MNIST'"),
    "data_dir": (None, "not a knob: where the IDX files are (train.py downloads them)"),
    "train_size": (None, "MNIST_utils.my_MNIST: all 60,000 training images"),
    "corrupt": (0.75, "the paper's Table 1: train.py --percent_corrupt 75 (MNIST_utils.get_wrong_targets)"),
    "scaling": ("reference", "train.py: transforms.Normalize(*normalizations['MNIST'])"),
    "learning_rate": (0.001, "train.py: --lr 0.001"),
    "lr_schedule": ("constant", "train.py: optim.SGD without a scheduler"),
    "momentum": (0.5, "train.py: --momentum 0.5"),
    "batch_size": (64, "train.py: --batch_size 64"),
    "epochs": (700, "the paper's Table 1: epochs 100 to 700 (train.py --epochs)"),
    "schedule": ("paper", "funnelNet_utils.get_map_weights"),
    "time_scale": (1.0, "funnelNet_utils.get_map_weights: one weight per epoch"),
    "schedule_options": ({}, "train.py: --mapweight_start 0.01, --mapweight_thres 5, --mapweight_fac1 1.1, fac2 1.01"),
    "seed": (0, "train.py: --seed_data 0, --seed_model 0"),
    "shrink_percent": (None, "train.py: --percent_shrink_data 100"),
    "rotations": (False, "train.py: --aug_data False"),
    "mixup_alpha": (None, "train.py: --mixup_alpha 0"),
    "dropout_position": ("before_al2", "funnelNet_utils.get_smallNet_trunk: Dropout ends the trunk"),
    "image_size": (None, "train.py: no transforms.Resize for smallNet"),
    "init_seed": (None, "train.py: --seed_model equals --seed_data"),
    "loss": ("cross_entropy", "funnelNet_utils.epoch_train_funnelNet: F.nll_loss on LogSoftmax"),
    "initializer": ("reference", "train.py: weights_init_kaiming for denseNet only, PyTorch's defaults otherwise"),
    "head_max_norm": (None, "funnelNet_utils.get_smallNet_fcs: an unconstrained head"),
    "flood_level": (None, "funnelNet_utils.epoch_train_funnelNet: the loss as it is"),
}


def test_protocol_defaults_are_the_references_protocol_field_by_field():
    import dataclasses

    protocol = training.Protocol()
    assert set(REFERENCE_FIELDS) == {field.name for field in dataclasses.fields(protocol)}
    differing = {name: (getattr(protocol, name), value, source)
                 for name, (value, source) in REFERENCE_FIELDS.items() if getattr(protocol, name) != value}
    assert not differing
    assert training.paper_protocol() == protocol
    assert protocol.weight_schedule().get_config() == {"start": 0.01, "threshold": 5.0, "growth": 1.1,
                                                   "late_growth": 1.01, "time_scale": 1.0}


def test_the_quick_preset_differs_from_the_reference_only_in_scale_and_optimizer():
    import dataclasses

    quick, paper = training.quick_protocol(), training.paper_protocol()
    differing = {f.name for f in dataclasses.fields(paper) if getattr(quick, f.name) != getattr(paper, f.name)}
    assert differing == {"dataset", "train_size", "learning_rate", "momentum", "epochs", "time_scale"}
    assert (quick.scaling, quick.initializer) == ("reference", "reference")


@pytest.mark.parametrize("field, value, expected", [
    ("corrupt", 1.5, "a number in \\[0, 1\\]"), ("epochs", 0, "an integer >= 1"), ("epochs", 2.5, "an integer"),
    ("batch_size", "64", "an integer >= 1"), ("learning_rate", float("nan"), "a finite number > 0"),
    ("momentum", 1.0, "a number in \\[0, 1\\)"), ("seed", -1, "an integer >= 0"), ("train_size", 0, "or None"),
    ("shrink_percent", 0, "\\(0, 100\\]"), ("mixup_alpha", -1.0, "> 0 or None"), ("init_seed", True, "an integer"),
    ("head_max_norm", -1.0, "'initial' or None"), ("flood_level", "high", "'noise_floor' or None"),
    ("rotations", "yes", "True or False"), ("model", "lenet", "one of \\('small_net'"),
    ("dataset", "svhn", "one of \\('cifar10'"), ("loss", "mse", "one of \\('cross_entropy'"),
])
def test_a_protocol_refuses_a_value_it_cannot_run_naming_the_field_the_value_and_what_it_expects(
        field, value, expected):
    with pytest.raises(ValueError, match=f"`{field}` must be .*{expected}") as error:
        training.quick_protocol(**{field: value})
    assert f"Received: {field}={value!r}" in str(error.value)


def test_a_protocol_refuses_an_image_size_its_model_cannot_take():
    with pytest.raises(ValueError, match="small_net needs images of at least 16x16 pixels.*image_size=5"):
        training.quick_protocol(image_size=5)
    assert training.quick_protocol(model="alexnet", image_size=63).image_size == 63


def test_settings_read_back_into_the_same_protocol_older_results_files_included():
    import json
    import os

    protocol = training.quick_protocol(schedule="stable", schedule_options={"doubling_drop": 0.02}, seed=4,
                                       head_max_norm="initial", lr_schedule="cosine")
    assert training.Protocol.from_settings(json.loads(json.dumps(protocol.settings()))) == protocol
    # Results files written when the schedule was stored as its config, and before `initializer` existed
    # (Keras's initialization then), with the quick preset's former scaling.
    root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "saved_models", "reference", "keras_init")
    former_quick = {"scaling": "unit", "initializer": "keras"}
    with open(os.path.join(root, "quick_seeds", "seed_0_results.json")) as f:
        assert training.Protocol.from_settings(json.load(f)["protocol"]) == training.quick_protocol(**former_quick)
    with open(os.path.join(root, "long_training", "seed_0_results.json")) as f:
        design = training.Protocol.from_settings(json.load(f)["protocol"]["bare_al2"])
    assert design == training.quick_protocol(
        data_dir="/usr/share/datasets/fashion-mnist", epochs=80, lr_schedule="cosine", schedule="stable",
        head_max_norm="initial", flood_level="noise_floor", **former_quick)
    with pytest.raises(ValueError, match="\\['colour'\\] are no field of Protocol"):
        training.Protocol.from_settings({**protocol.settings(), "colour": "red"})
