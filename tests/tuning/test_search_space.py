
import pytest

from al2_keras import tuning


@pytest.mark.parametrize("make_space, message", [
    (lambda: tuning.ScheduleSearchSpace(start=tuning.Range(0.1, 0.01)), "min_value > max_value"),
    (lambda: tuning.ScheduleSearchSpace(growth=0.9), "growth"),
    (lambda: tuning.ScheduleSearchSpace(growth=tuning.Range(0.5, 2.0)), "growth"),
    (lambda: tuning.ScheduleSearchSpace(start=tuning.Range(0.0, 1.0, log=True)), "log"),
    (lambda: tuning.ScheduleSearchSpace(start=0.01, growth=1.1, late_growth=1.01,
                                        include_no_al2=False), "empty"),
])
def test_bad_search_space_fails_before_any_trial(make_space, message):
    with pytest.raises(ValueError, match=message):
        make_space()


@pytest.mark.parametrize("bounds", [(float("nan"), 1.0), (0.1, float("nan")), ("a", 1.0)])
def test_range_refuses_nan_and_non_numeric_bounds(bounds):
    with pytest.raises(ValueError, match="finite numbers"):
        tuning.Range(*bounds)


def test_search_space_refuses_a_nan_fixed_value():
    with pytest.raises(ValueError, match="threshold=nan"):
        tuning.ScheduleSearchSpace(threshold=float("nan"))


def test_candidates_run_at_the_protocols_time_scale_with_growth_in_paper_units():
    import keras_tuner

    from al2_keras import ProgressiveSchedule
    from al2_keras.experiments import training

    protocol = training.quick_protocol()
    assert protocol.time_scale == 10.0 and training.paper_protocol().time_scale == 1.0
    space = tuning.ScheduleSearchSpace(start=0.01, threshold=5.0, growth=tuning.Range(1.0, 1.2),
                                       late_growth=1.01, include_no_al2=False, time_scale=protocol.time_scale)
    hp = keras_tuner.HyperParameters()
    space.declare(hp)
    hp.values["al2_growth"] = 1.1
    schedule = space.schedule(hp)
    # Epoch k of the quick protocol gets the paper's weight of epoch 10 k: the protocol's own schedule.
    assert [schedule(k) for k in range(12)] == [protocol.weight_schedule()(k) for k in range(12)]
    assert schedule(1) == pytest.approx(0.01 * 1.1**10)
    assert ProgressiveSchedule(growth=1.1)(1) != schedule(1)  # a dropped time scale reads one epoch as one
    with pytest.raises(ValueError, match="`time_scale` must be a finite number > 0"):
        tuning.ScheduleSearchSpace(time_scale=0)
