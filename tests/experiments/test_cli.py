import argparse

import pytest

from al2_keras.experiments import arguments, cli, training


def _parse(*argv):
    parser = argparse.ArgumentParser()
    cli.add_data_flags(parser)
    cli.add_protocol_flags(parser)
    cli.add_output_flags(parser)
    return parser.parse_args(list(argv))


def test_unset_flags_keep_the_presets_values_and_set_ones_override():
    protocol, preset = cli.protocol_from_args(_parse(), training.quick_protocol), training.quick_protocol()
    assert protocol == preset
    protocol = cli.protocol_from_args(
        _parse("--model", "alexnet", "--image-size", "63", "--lr", "0.1", "--dropout-position", "after_al2",
               "--shrink", "50", "--rotations", "--time-compression", "5"), training.quick_protocol)
    assert (protocol.model, protocol.image_size, protocol.learning_rate) == ("alexnet", 63, 0.1)
    assert (protocol.dropout_position, protocol.shrink_percent, protocol.rotations) == ("after_al2", 50, True)
    from al2_keras import ProgressiveSchedule

    assert (protocol.schedule, protocol.time_scale, protocol.schedule_options) == ("paper", 5, {})
    weights = protocol.weight_schedule()
    assert [weights(e) for e in range(30)] == [ProgressiveSchedule.time_compressed(5)(e) for e in range(30)]


def test_unknown_model_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        _parse("--model", "lenet")
    assert "invalid choice: 'lenet'" in capsys.readouterr().err


def test_existing_output_is_refused_with_one_error_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.refuse_existing(str(tmp_path), hint="choose another --output")
    assert exit_info.value.code == 2
    assert "exists; choose another --output (nothing is overwritten)" in capsys.readouterr().err
    cli.refuse_existing(str(tmp_path / "new"), None)  # absent or unset paths pass


@pytest.mark.parametrize("run", ["../elsewhere", "a/b", "..", ".", ""])
def test_a_run_name_that_is_a_path_is_refused_by_the_parser(run, capsys):
    with pytest.raises(SystemExit):
        _parse("--run", run)
    assert "argument --run: expected a folder name" in capsys.readouterr().err
    assert _parse("--run", "bare_al2").run == "bare_al2"


def test_schedule_stable_keeps_the_presets_time_scale_and_a_bounded_head_is_its_own_flag():
    from al2_keras import StableSchedule

    protocol = cli.protocol_from_args(_parse("--schedule", "stable"), training.quick_protocol)
    assert (protocol.schedule, protocol.time_scale) == ("stable", 10)
    assert isinstance(protocol.weight_schedule(), StableSchedule) and protocol.weight_schedule().time_scale == 10
    assert protocol.head_max_norm is None  # never implied
    bounded = cli.protocol_from_args(_parse("--schedule", "stable", "--head-max-norm", "initial"),
                                     training.quick_protocol)
    assert bounded.head_max_norm == "initial"
    protocol = cli.protocol_from_args(_parse("--schedule", "stable", "--head-max-norm", "3", "--time-compression",
                                             "2"), training.quick_protocol)
    assert (protocol.weight_schedule().time_scale, protocol.head_max_norm) == (2, 3.0)
    assert cli.protocol_from_args(_parse(), training.quick_protocol).head_max_norm is None


def test_schedule_options_reach_the_schedule_and_unknown_ones_stop_the_script(capsys):
    protocol = cli.protocol_from_args(_parse("--schedule", "constant", "--schedule-options", "weight=2.5"),
                                      training.quick_protocol)
    assert (protocol.schedule, protocol.schedule_options) == ("constant", {"weight": 2.5})
    assert protocol.weight_schedule()(7) == 2.5
    paper = cli.protocol_from_args(_parse("--schedule-options", "start=0.1,growth=1.2"), training.quick_protocol)
    assert paper.weight_schedule().get_config()["start"] == 0.1 and paper.weight_schedule().time_scale == 10
    with pytest.raises(SystemExit) as exit_info:
        cli.protocol_from_args(_parse("--schedule-options", "weight=1"), training.quick_protocol)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "'paper' schedule has no option ['weight']" in error and "'start'" in error
    with pytest.raises(SystemExit):
        cli.protocol_from_args(_parse("--schedule", "constant"), training.quick_protocol)
    assert "needs the option(s) ['weight']" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _parse("--schedule-options", "start")
    assert "expected comma-separated KEY=VALUE" in capsys.readouterr().err


def test_unknown_schedule_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit):
        _parse("--schedule", "steady")
    assert "invalid choice: 'steady'" in capsys.readouterr().err


def test_lr_schedule_flag_reaches_the_protocol_and_names_are_checked():
    assert cli.protocol_from_args(_parse("--lr-schedule", "cosine"), training.quick_protocol).lr_schedule == "cosine"
    assert cli.protocol_from_args(_parse(), training.quick_protocol).lr_schedule == "constant"
    parse = arguments.name_list(("bn", "dropout"))
    assert parse("bn, dropout") == ["bn", "dropout"]
    for bad, message in (("bn,foo", "out of bn,dropout"), ("bn,bn", "repeated"), ("", "out of")):
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            parse(bad)


def test_resume_names_a_damaged_results_file_before_any_training(tmp_path, capsys):
    from al2_keras.experiments import results

    args = argparse.Namespace(runs_dir=str(tmp_path), run="r", resume=True)
    with pytest.raises(SystemExit):
        cli.comparison_directory(args, "r")
    assert "--resume found no run in" in capsys.readouterr().err
    results.write_run(str(tmp_path / "r" / "seed_0"), {}, {})
    (tmp_path / "r" / "seed_1").mkdir()
    (tmp_path / "r" / "seed_1" / "results.json").write_text('{"protocol": {}, "resu')  # cut by a kill
    with pytest.raises(SystemExit) as exit_info:
        cli.comparison_directory(args, "r")
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert "seed_1/results.json is damaged" in error and "Delete it" in error and "seed_0" not in error
    (tmp_path / "r" / "seed_1" / "results.json").unlink()
    assert cli.comparison_directory(args, "r") == str(tmp_path / "r")


def test_scoring_flags_choose_the_split_and_validation_flags_alone_are_refused(capsys):
    parser = argparse.ArgumentParser()
    cli.add_scoring_flags(parser)
    test = parser.parse_args([])
    assert cli.scoring_prepare(test) is cli.prepare_or_fail
    with pytest.raises(SystemExit) as exit_info:
        cli.scoring_prepare(parser.parse_args(["--noisy-validation"]))
    assert exit_info.value.code == 2 and "need --score-on validation" in capsys.readouterr().err
