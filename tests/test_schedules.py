import math

import keras
import numpy as np
import pytest

from al2_keras import ConstantSchedule, ProgressiveSchedule, schedules


def reference_map_weights(epochs, start=0.01, threshold=5, growth=1.1, late_growth=1.01):
    """The reference code's `get_map_weights` loop, written out independently."""
    weights = [start]
    while len(weights) < epochs:
        last = weights[-1]
        weights.append(last * growth if last < threshold else last * late_growth)
    return np.array(weights, dtype=np.float64)


def test_progressive_matches_reference_loop_for_1000_epochs():
    schedule = ProgressiveSchedule()
    ours = np.array([schedule(epoch) for epoch in range(1000)])
    np.testing.assert_allclose(ours, reference_map_weights(1000), rtol=1e-12, atol=0)


def test_progressive_any_order_of_calls_gives_same_values():
    schedule = ProgressiveSchedule()
    late = schedule(500)
    assert schedule(3) == pytest.approx(0.01 * 1.1**3, rel=1e-12)
    assert ProgressiveSchedule()(500) == late


def test_progressive_switches_growth_at_threshold():
    schedule = ProgressiveSchedule(start=1.0, threshold=4.0, growth=2.0, late_growth=1.5)
    assert [schedule(e) for e in range(5)] == [1.0, 2.0, 4.0, 6.0, 9.0]


def test_time_compressed_follows_every_tenth_epoch_below_threshold():
    compressed = ProgressiveSchedule.time_compressed(10)
    paper = ProgressiveSchedule()
    assert compressed.growth == pytest.approx(1.1**10)
    assert compressed.late_growth == pytest.approx(1.01**10)
    for epoch in range(6):  # the paper crosses 5 at epoch 66
        assert compressed(epoch) == pytest.approx(paper(10 * epoch), rel=1e-12)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"start": 0.0}, "start"),
        ({"start": -1.0}, "start"),
        ({"start": float("nan")}, "start"),
        ({"threshold": 0.0}, "threshold"),
        ({"threshold": float("inf")}, "threshold"),
        ({"growth": 0.9}, "growth"),
        ({"growth": float("nan")}, "growth"),
        ({"late_growth": 0.5}, "late_growth"),
        ({"late_growth": float("inf")}, "late_growth"),
    ],
)
def test_invalid_progressive_values_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        ProgressiveSchedule(**kwargs)


@pytest.mark.parametrize("bad", [0, -2, float("nan")])
def test_invalid_time_compression_factor(bad):
    with pytest.raises(ValueError, match="`factor`"):
        ProgressiveSchedule.time_compressed(bad)


@pytest.mark.parametrize("epoch", [-1, 1.5])
def test_invalid_epoch(epoch):
    with pytest.raises(ValueError, match="epoch"):
        ProgressiveSchedule()(epoch)


def test_constant_schedule():
    schedule = ConstantSchedule(0.25)
    assert [schedule(e) for e in range(3)] == [0.25, 0.25, 0.25]
    with pytest.raises(ValueError, match="`weight`"):
        ConstantSchedule(-1.0)
    with pytest.raises(ValueError, match="`weight`"):
        ConstantSchedule(math.inf)


@pytest.mark.parametrize(
    "schedule", [ProgressiveSchedule(start=0.2, growth=1.5), ConstantSchedule(3.0)]
)
def test_schedules_serialize_round_trip(schedule):
    config = keras.saving.serialize_keras_object(schedule)
    restored = keras.saving.deserialize_keras_object(config)
    assert type(restored) is type(schedule)
    assert restored.get_config() == schedule.get_config()
    assert [restored(e) for e in range(50)] == [schedule(e) for e in range(50)]
    assert schedules.get(config).get_config() == schedule.get_config()


def test_get_accepts_none_number_and_callable():
    assert isinstance(schedules.get(None), ProgressiveSchedule)
    assert schedules.get(0.5)(7) == 0.5
    assert schedules.get(lambda epoch: 2.0 * epoch)(3) == 6.0
    with pytest.raises(ValueError, match="schedule"):
        schedules.get("progressive")
