import pytest

from al2_keras import training


def test_quick_protocol_is_the_calibrated_one():
    protocol = training.quick_protocol()
    assert (protocol.dataset, protocol.train_size, protocol.corrupt) == ("fashion_mnist", 5000, 0.75)
    assert (protocol.scaling, protocol.learning_rate, protocol.momentum) == ("unit", 0.01, 0.9)
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


def test_each_knob_has_one_default_the_references_and_the_quick_preset_states_only_its_differences():
    import dataclasses

    from al2_keras import datasets, models

    quick, paper = training.quick_protocol(), training.paper_protocol()
    assert paper == training.Protocol()
    assert (paper.dataset, paper.train_size, paper.scaling, paper.learning_rate, paper.epochs) == (
        "mnist", None, datasets.DEFAULT_SCALING, 0.001, 700)
    assert (paper.dropout_position, paper.initializer) == (models.DEFAULT_DROPOUT_POSITION, models.DEFAULT_INITIALIZER)
    differing = {f.name for f in dataclasses.fields(paper) if getattr(quick, f.name) != getattr(paper, f.name)}
    assert differing == {"dataset", "train_size", "scaling", "learning_rate", "momentum", "epochs", "time_scale"}


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
    # Results files written when the schedule was stored as its config.
    root = os.path.join(os.path.dirname(__file__), "..", "..", "saved_models", "reference")
    with open(os.path.join(root, "quick_seeds", "seed_0_results.json")) as f:
        assert training.Protocol.from_settings(json.load(f)["protocol"]) == training.quick_protocol()
    with open(os.path.join(root, "long_training", "seed_0_results.json")) as f:
        design = training.Protocol.from_settings(json.load(f)["protocol"]["bare_al2"])
    assert design == training.quick_protocol(
        data_dir="/usr/share/datasets/fashion-mnist", epochs=80, lr_schedule="cosine", schedule="stable",
        head_max_norm="initial", flood_level="noise_floor")
    with pytest.raises(ValueError, match="\\['colour'\\] are no field of Protocol"):
        training.Protocol.from_settings({**protocol.settings(), "colour": "red"})
