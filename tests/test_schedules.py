import json
import math

import keras
import numpy as np
import pytest

from al2_keras import ConstantSchedule, ProgressiveSchedule, StableSchedule, schedules


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


def test_time_compressed_is_every_tenth_epoch_of_the_paper():
    compressed = ProgressiveSchedule.time_compressed(10)
    paper = reference_map_weights(1001)
    ours = np.array([compressed(epoch) for epoch in range(101)])
    # Exactly the paper's epochs 0, 10, ..., 1000, threshold crossing included
    # (the paper reaches 5.39 at epoch 66: epoch 7 here is 5.39 * 1.01**4).
    np.testing.assert_allclose(ours, paper[::10], rtol=1e-12, atol=0)
    assert compressed(7) == pytest.approx(0.01 * 1.1**66 * 1.01**4, rel=1e-12)


def test_fractional_time_scale_interpolates_geometrically():
    half = ProgressiveSchedule(start=1.0, threshold=4.0, growth=4.0, late_growth=1.21, time_scale=0.5)
    # Steps of the base recursion: 1, 4, 4.84; half steps in between.
    assert [half(e) for e in range(5)] == pytest.approx([1.0, 2.0, 4.0, 4.4, 4.84], rel=1e-12)


def test_time_scale_survives_serialization():
    schedule = ProgressiveSchedule.time_compressed(10)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    assert restored.time_scale == 10.0
    assert [restored(e) for e in range(20)] == [schedule(e) for e in range(20)]


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
        ({"time_scale": 0.0}, "time_scale"),
    ],
)
def test_invalid_progressive_values_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        ProgressiveSchedule(**kwargs)


@pytest.mark.parametrize("bad", [0, -2, float("nan")])
def test_invalid_time_scale_of_a_compressed_schedule(bad):
    with pytest.raises(ValueError, match="`time_scale`"):
        ProgressiveSchedule.time_compressed(bad)


def test_time_compressed_keeps_its_former_keyword_as_a_deprecated_alias():
    with pytest.warns(DeprecationWarning, match="named time_scale"):
        old = ProgressiveSchedule.time_compressed(factor=10)
    assert old.get_config() == ProgressiveSchedule.time_compressed(time_scale=10).get_config()
    with pytest.raises(ValueError, match="`time_scale` is required"):
        ProgressiveSchedule.time_compressed()


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


def test_huge_time_scale_needs_no_memory_and_overflows_to_an_error():
    schedule = ProgressiveSchedule(time_scale=1e9)
    assert schedule(0) == 0.01
    assert math.isinf(schedule(1))  # 1.01 ** 1e9 overflows a float
    with pytest.raises(ValueError, match="gave an invalid weight for epoch 1"):
        from al2_keras import AL2Scheduler

        scheduler = AL2Scheduler(schedule)
        scheduler._layers = []
        scheduler.on_epoch_begin(1)


def test_growth_barely_above_one_is_computed_in_closed_form():
    schedule = ProgressiveSchedule(growth=1.0 + 1e-9)
    steps = math.ceil(math.log(5.0 / 0.01) / math.log(1.0 + 1e-9))
    assert schedule(10) == pytest.approx(0.01 * (1.0 + 1e-9) ** 10, rel=1e-12)
    assert schedule(steps + 2) == pytest.approx(0.01 * (1 + 1e-9) ** steps * 1.01**2, rel=1e-6)


def test_dict_that_is_not_a_serialized_schedule_is_an_error():
    with pytest.raises(ValueError, match="pass a callable"):
        schedules.get({0: 0.1, 5: 1.0})


def test_the_growing_schedules_take_a_time_scale_a_constant_has_none_and_each_names_its_options():
    assert schedules.names() == ["constant", "paper", "stable"]
    for name in ("paper", "stable"):
        assert schedules.get(name, time_scale=10)(1) == pytest.approx(schedules.get(name)(10))
    with pytest.raises(ValueError, match="'constant' schedule has no option \\['time_scale'\\]"):
        schedules.get("constant", weight=0.5, time_scale=10)
    # A protocol's time scale reaches only the schedules that have one.
    from al2_keras.experiments import training

    assert training.quick_protocol(schedule="constant", schedule_options={"weight": 0.5}).weight_schedule()(7) == 0.5
    assert schedules.options_of("stable") == ["start", "threshold", "growth", "late_growth", "time_scale",
                                              "doubling_drop", "monitor"]
    with pytest.raises(ValueError, match="'stable' schedule has no option \\['weight'\\]; its options are"):
        schedules.get("stable", weight=1.0)
    with pytest.raises(ValueError, match="'constant' schedule needs the option\\(s\\) \\['weight'\\]"):
        schedules.get("constant")


def test_name_and_options_round_trip_a_named_schedule_and_refuse_other_callables():
    for schedule in (ProgressiveSchedule(start=0.2, time_scale=10), StableSchedule(doubling_drop=0.03),
                     ConstantSchedule(2.0)):
        name, options = schedules.name_and_options(schedule)
        assert schedules.get(name, **options).get_config() == schedule.get_config()
    assert schedules.name_and_options(ProgressiveSchedule(start=0.2, time_scale=10)) == (
        "paper", {"start": 0.2, "time_scale": 10.0})  # the defaults left out
    with pytest.raises(ValueError, match="not one of the named schedules"):
        schedules.name_and_options(lambda epoch: 1.0)


def test_schedules_by_name():
    assert schedules.get("paper").get_config() == ProgressiveSchedule().get_config()
    assert schedules.get("paper", time_scale=10.0)(3) == pytest.approx(ProgressiveSchedule.time_compressed(10)(3))
    assert schedules.get("constant", weight=0.3)(50) == 0.3
    with pytest.raises(ValueError, match="Unknown schedule 'steady'"):
        schedules.get("steady")
    with pytest.raises(ValueError, match="go with a schedule name"):
        schedules.get(0.5, weight=1.0)


def _stable_run(schedule, cross_entropies):
    """Feeds `schedule` one L_c per epoch; returns the weight of every epoch (one more than given)."""
    weights = []
    for epoch, value in enumerate(cross_entropies):
        weights.append(schedule(epoch))
        schedule.update(epoch, {"cross_entropy": value})
    weights.append(schedule(len(cross_entropies)))
    return weights


def test_stable_starts_as_the_paper_and_learns_its_reference_at_the_crossing():
    paper = ProgressiveSchedule()
    stable = StableSchedule()
    crossing = next(e for e in range(200) if paper(e) >= 5.0)  # the paper's epoch 66
    weights = _stable_run(stable, [2.3] * crossing + [2.25])
    np.testing.assert_allclose(weights, [paper(e) for e in range(crossing + 2)], rtol=1e-12)
    state = stable.get_state()
    assert state["reference"] == 2.3 and state["crossed"] == pytest.approx(paper(crossing))


def test_stable_weight_doubles_per_doubling_drop_and_moves_at_most_late_growth_per_step():
    stable = StableSchedule(start=1.0, threshold=2.0, growth=2.0, late_growth=4.0, doubling_drop=0.01)
    # Epoch 0 at weight 1 (L_c 2.0); the next weight, 2, reaches the threshold: reference 2.0, w* 2.
    weights = _stable_run(stable, [2.0, 2.0 * 0.98, 2.0 * 0.96, 2.0 * 1.03])
    # L_c 2% under the reference: w* * 4 = 8; 4% under: 32 (= 8 * 4, the pace limit); 3% over:
    # it wants 2 / 8 = 0.25 but moves by at most 4: 32 / 4 = 8.
    assert weights == pytest.approx([1.0, 2.0, 8.0, 32.0, 8.0])
    slow = StableSchedule(start=1.0, threshold=2.0, growth=2.0, late_growth=1.5)
    assert _stable_run(slow, [2.0, 1.0])[-1] == pytest.approx(3.0)  # wants far more, moves by 1.5


def test_stable_time_scale_compresses_the_start_and_the_pace():
    compressed = StableSchedule(time_scale=10)
    paper = ProgressiveSchedule.time_compressed(10)
    crossing = next(e for e in range(50) if paper(e) >= 5.0)
    weights = _stable_run(compressed, [2.3] * crossing + [2.3 * 0.5])
    np.testing.assert_allclose(weights[:-1], [paper(e) for e in range(crossing + 1)], rtol=1e-12)
    assert weights[-1] == pytest.approx(paper(crossing) * 1.01**10)


def test_stable_state_round_trip_continues_exactly():
    values = [2.3, 2.28, 2.25, 2.2, 2.21, 2.18, 2.19, 2.15]
    whole = _stable_run(StableSchedule(start=0.5, threshold=2.0, growth=2.0), values)
    first = StableSchedule(start=0.5, threshold=2.0, growth=2.0)
    _stable_run(first, values[:5])
    state = json.loads(json.dumps(first.get_state()))
    second = StableSchedule(start=0.5, threshold=2.0, growth=2.0)
    second.set_state(state)
    rest = []
    for epoch, value in enumerate(values[5:], start=5):
        rest.append(second(epoch))
        second.update(epoch, {"cross_entropy": value})
    assert rest == pytest.approx(whole[5:-1], rel=1e-15)


def test_stable_serializes_and_is_available_by_name():
    schedule = schedules.get("stable", time_scale=10, doubling_drop=0.02)
    assert isinstance(schedule, StableSchedule)
    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    assert restored.get_config() == schedule.get_config()
    assert restored.get_config()["time_scale"] == 10 and restored.get_state()["reference"] is None


@pytest.mark.parametrize("options, message", [
    ({"growth": 1.0}, "growth"), ({"late_growth": 0.5}, "late_growth"), ({"doubling_drop": 0}, "doubling_drop"),
    ({"time_scale": -1}, "time_scale"), ({"monitor": ""}, "monitor"), ({"start": float("nan")}, "start"),
])
def test_stable_rejects_impossible_values(options, message):
    with pytest.raises(ValueError, match=message):
        StableSchedule(**options)


def test_stable_names_the_missing_monitor_and_the_fix():
    with pytest.raises(ValueError, match="'cross_entropy'.*SparseCategoricalCrossentropy"):
        StableSchedule().update(0, {"loss": 2.3})
    with pytest.raises(ValueError, match="finite, positive"):
        StableSchedule().update(0, {"cross_entropy": float("nan")})


def test_stable_target_beyond_a_float_moves_by_the_pace():
    stable = StableSchedule(start=1.0, threshold=2.0, growth=2.0, late_growth=1.5, doubling_drop=1e-6)
    assert _stable_run(stable, [2.0, 2.0, 1e-3, 1e-3])[-2:] == pytest.approx([3.0, 4.5])  # 2**(1e6) wanted
