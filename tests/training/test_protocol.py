import pytest

from al2_keras import training


def test_quick_protocol_is_the_calibrated_one():
    protocol = training.quick_protocol()
    assert (protocol.dataset, protocol.train_size, protocol.corrupt) == ("fashion_mnist", 5000, 0.75)
    assert (protocol.scaling, protocol.learning_rate, protocol.momentum) == ("unit", 0.01, 0.9)
    assert (protocol.batch_size, protocol.epochs) == (64, 40)
    # The paper's schedule, one epoch standing for ten: 1.1**10 per epoch early on.
    assert protocol.schedule.time_scale == 10
    assert protocol.schedule(3) == pytest.approx(0.01 * 1.1**30)


def test_settings_are_plain_data_with_the_schedule_config():
    import json

    settings = training.quick_protocol(seed=3).settings()
    assert json.loads(json.dumps(settings)) == settings
    assert settings["seed"] == 3 and settings["schedule"] == training.quick_protocol().schedule.get_config()


@pytest.mark.parametrize("field, value", [("scaling", "zscore"), ("dropout_position", "middle"),
                                          ("initializer", "he"), ("lr_schedule", "step")])
def test_a_protocol_refuses_an_unknown_choice_naming_the_field_and_the_choices(field, value):
    with pytest.raises(ValueError, match=f"`{field}` must be one of .*Received: {field}='{value}'"):
        training.quick_protocol(**{field: value})


def test_every_public_name_of_training_resolves():
    missing = [name for name in training.__all__ if not hasattr(training, name)]
    assert not missing
    assert training.NOISE_FLOOR == "noise_floor"
