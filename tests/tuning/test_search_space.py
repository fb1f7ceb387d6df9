
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
