import numpy as np
import pytest

from al2_keras.experiments import results


def test_summarize_reads_final_last_epochs_and_peak_from_the_history():
    history = {"val_accuracy": [0.2, 0.6, 0.4, 0.5], "cross_entropy": [2.0, 1.5, 1.2, 1.1],
               "activation_loss": [0.3, 0.2, 0.1, 0.05], "memorized": [0.0, 0.1, 0.2, 0.3]}
    summary = results.summarize(history, last=2)
    assert summary == {
        "final_test_accuracy": 0.5, "last_epochs_test_accuracy": pytest.approx(0.45),
        "peak_test_accuracy": 0.6, "peak_epoch": 2, "final_cross_entropy": 1.1,
        "final_activation_loss": 0.05, "final_memorized": 0.3}


def _run_results(final_accuracy_without, final_accuracy_with, lr_without, lr_with):
    def history(accuracy, activation_loss):
        return {"val_accuracy": [0.1, accuracy], "cross_entropy": [2.0, 1.0], "loss": [2.0, 1.0],
                "activation_loss": [1.0, activation_loss], "memorized": [0.0, 0.5]}
    return {"bare_no_al2": {"baseline": "bare", "al2": False,
                            "history": history(final_accuracy_without, lr_without)},
            "bare_al2": {"baseline": "bare", "al2": True, "history": history(final_accuracy_with, lr_with)}}


def test_seed_statistics_gives_mean_spread_and_al2_effect_per_baseline():
    statistics = results.seed_statistics({
        3: _run_results(0.2, 0.6, 0.5, 0.001),
        1: _run_results(0.3, 0.5, 0.4, 0.004),
    })
    assert statistics["seeds"] == [1, 3]
    final = statistics["variants"]["bare_al2"]["final_test_accuracy"]
    assert final["values"] == [0.5, 0.6]  # in seed order
    assert final["mean"] == pytest.approx(0.55) and final["std"] == pytest.approx(np.std([0.5, 0.6], ddof=1))
    assert (final["min"], final["max"]) == (0.5, 0.6)
    assert statistics["variants"]["bare_no_al2"]["final_memorized"]["mean"] == 0.5
    effects = statistics["effects"]["bare"]
    np.testing.assert_allclose(effects["final_difference"]["values"], [0.2, 0.4])
    np.testing.assert_allclose(effects["activation_loss_ratio"]["values"], [100.0, 500.0])
    np.testing.assert_allclose(effects["last_epochs_difference"]["values"], [0.1, 0.2])  # 2-epoch means


def test_seed_statistics_of_one_seed_has_zero_spread_and_mismatched_seeds_are_an_error():
    one = results.seed_statistics({0: _run_results(0.2, 0.6, 0.5, 0.001)})
    assert one["effects"]["bare"]["final_difference"]["std"] == 0.0
    partial = _run_results(0.2, 0.6, 0.5, 0.001)
    del partial["bare_al2"]
    with pytest.raises(ValueError, match="same"):
        results.seed_statistics({0: _run_results(0.2, 0.6, 0.5, 0.001), 1: partial})
    with pytest.raises(ValueError, match="at least one seed"):
        results.seed_statistics({})


def test_holding_is_final_within_tolerance_of_own_peak_and_the_reference_is_a_separate_column():
    def run(accuracy):
        return {"baseline": "x", "al2": True, "history": {
            "val_accuracy": accuracy, "cross_entropy": [2.0] * 4, "activation_loss": [0.1] * 4}}

    by_seed = {0: {"held": run([0.5, 0.70, 0.69, 0.68]), "fell": run([0.5, 0.72, 0.70, 0.68]),
                   "dropout_no_al2": run([0.5, 0.65, 0.60, 0.55])},
               1: {"held": run([0.5, 0.70, 0.69, 0.50]), "fell": run([0.5, 0.60, 0.60, 0.60]),
                   "dropout_no_al2": run([0.5, 0.65, 0.65, 0.65])}}
    rows = results.holding(by_seed, "dropout_no_al2", tolerance=0.03, last=2)
    verdicts = {(r["seed"], r["variant"]): r["holds"] for r in rows}
    above = {(r["seed"], r["variant"]): r["at_or_above_reference"] for r in rows}
    # Seed 0: 0.68 is 2 points under 0.70 (holds) but 4 under 0.72 (falls). Seed 1: "held" drops
    # 20 points; "fell" never drops (holds) but its last-2 mean, 0.60, is under Dropout's 0.65.
    assert verdicts == {(0, "held"): True, (0, "fell"): False, (1, "held"): False, (1, "fell"): True}
    assert above == {(0, "held"): True, (0, "fell"): True, (1, "held"): False, (1, "fell"): False}
    first = rows[0]
    assert first["final_minus_peak"] == pytest.approx(-0.02) and first["reference_last_epochs"] == pytest.approx(0.575)
    with pytest.raises(ValueError, match="no variant 'bn_no_al2'"):
        results.holding(by_seed, "bn_no_al2")


def test_summarize_names_the_keys_a_history_lacks():
    with pytest.raises(ValueError, match=r"lacks \['val_accuracy'\]"):
        results.summarize({"cross_entropy": [2.0], "activation_loss": [0.1], "loss": [2.0]})


def test_read_seed_reads_a_runs_layout_and_the_shipped_flat_one(tmp_path):
    import json

    runs = {"bare_al2": {"baseline": "bare", "al2": True, "history": {"loss": [1.0], "val_accuracy": [0.5]}}}
    results.write_run(str(tmp_path / "run" / "seed_3"), {"bare_al2": {"seed": 3}}, runs)
    assert results.read_seed(str(tmp_path / "run"), 3) == runs
    (tmp_path / "shipped").mkdir()
    (tmp_path / "shipped" / "seed_3_results.json").write_text(json.dumps({"protocol": {}, "results": runs}))
    assert results.read_seed(str(tmp_path / "shipped"), 3) == runs
    with pytest.raises((OSError, ValueError)):
        results.read_seed(str(tmp_path / "shipped"), 4)


def test_read_seeds_gives_the_statistics_and_every_seeds_results_or_names_a_run_without_them(tmp_path):
    by_seed = {1: _run_results(0.3, 0.5, 0.4, 0.004), 4: _run_results(0.2, 0.6, 0.5, 0.001)}
    for seed, runs in by_seed.items():
        results.write_run(str(tmp_path / f"seed_{seed}"), {"seed": seed}, runs)
    with pytest.raises(FileNotFoundError, match="seeds.json does not exist: .* is not a finished multi-seed run"):
        results.read_seeds(str(tmp_path))
    results.write_seed_statistics(str(tmp_path), results.seed_statistics(by_seed))
    statistics, read = results.read_seeds(str(tmp_path))
    assert statistics["seeds"] == [1, 4] and read == by_seed


def test_largest_differences_per_variant_and_key_and_mismatches_named():
    ours = _run_results(0.2, 0.6, 0.5, 0.001)
    theirs = _run_results(0.2, 0.6, 0.5, 0.001)
    assert {key: set(v.values()) for key, v in results.largest_differences(ours, theirs).items()} == {
        "bare_no_al2": {0.0}, "bare_al2": {0.0}}
    theirs["bare_al2"]["history"]["val_accuracy"][1] = 0.55
    assert results.largest_differences(ours, theirs)["bare_al2"]["val_accuracy"] == pytest.approx(0.05)
    theirs["bare_al2"]["history"]["loss"] = [2.0]
    with pytest.raises(ValueError, match="bare_al2 loss: 2 epochs here, 1 in the other run"):
        results.largest_differences(ours, theirs)
    with pytest.raises(ValueError, match="'bare_al2' is not among"):
        results.largest_differences(ours, {"bare_no_al2": ours["bare_no_al2"]})


def test_variant_parts_inverts_variant_name_and_refuses_other_names():
    for baseline in ("bare", "weight_decay"):
        for al2 in (False, True):
            assert results.variant_parts(results.variant_name(baseline, al2)) == (baseline, al2)
    with pytest.raises(ValueError, match="ends with '_al2' or '_no_al2'"):
        results.variant_parts("bare")
