import dataclasses
import json
import os

import numpy as np
import pytest

from al2_keras.experiments import results, training
from tests.experiments.training.test_runner import _images


def _variants():
    protocol = training.quick_protocol(train_size=32, epochs=2)
    return {"bare_al2": training.Variant(protocol, "bare"),
            "gce_no_al2": training.Variant(dataclasses.replace(protocol, loss="gce"), "bare", al2=False),
            "dropout_unit_scaling": training.Variant(
                dataclasses.replace(protocol, scaling="unit"), "dropout", al2=False)}


def test_run_variants_trains_every_arm_per_seed_shares_data_and_loads_finished_seeds(tmp_path):
    prepared_for = []

    def prepare(protocol):
        prepared_for.append((protocol.seed, protocol.scaling))
        return training.prepare_data(protocol, _images())

    by_seed = training.run_variants(_variants(), [0, 1], str(tmp_path), prepare=prepare)
    assert sorted(by_seed) == [0, 1] and list(by_seed[0]) == ["bare_al2", "gce_no_al2", "dropout_unit_scaling"]
    # One prepared dataset per seed and data setting: the two "reference" arms share one.
    assert prepared_for == [(0, "reference"), (0, "unit"), (1, "reference"), (1, "unit")]
    assert by_seed[0]["bare_al2"]["history"]["al2_weight"][0] == pytest.approx(0.01)
    assert by_seed[0]["gce_no_al2"]["history"]["al2_weight"] == [0.0, 0.0]
    saved = results.read_run(str(tmp_path / "seed_1"))
    assert saved.keys() == by_seed[1].keys() and not os.path.exists(tmp_path / "seed_1" / "state")
    protocols = json.loads((tmp_path / "seed_0" / "results.json").read_text())["protocol"]
    assert protocols["gce_no_al2"]["loss"] == "gce" and protocols["bare_al2"]["seed"] == 0
    # A second call trains nothing: every seed is loaded from its results.json.
    again = training.run_variants(_variants(), [0, 1], str(tmp_path), prepare=lambda p: pytest.fail("trained again"))
    np.testing.assert_array_equal(again[1]["bare_al2"]["history"]["val_accuracy"],
                                  by_seed[1]["bare_al2"]["history"]["val_accuracy"])


def test_run_variants_refuses_empty_inputs_and_unknown_baselines(tmp_path):
    with pytest.raises(ValueError, match="`variants` is empty"):
        training.run_variants({}, [0], str(tmp_path))
    with pytest.raises(ValueError, match="`seeds` is empty"):
        training.run_variants(_variants(), [], str(tmp_path))
    with pytest.raises(ValueError, match="`baseline` must be one of"):
        training.Variant(training.quick_protocol(), "dropuot")


def test_variants_of_one_protocol_pair_into_effects_save_models_and_write_one_seed_in_place(tmp_path, capsys):
    protocol = training.quick_protocol(train_size=32, epochs=2)
    table = {results.variant_name("bare", al2): training.Variant(protocol, "bare", al2) for al2 in (False, True)}
    seen = []

    def on_seed_end(seed, directory, runs):
        seen.append((seed, directory, sorted(runs)))
        assert not os.path.exists(os.path.join(directory, results.RESULTS_FILE))  # views come first

    by_seed = training.run_variants(
        table, [3], str(tmp_path / "run"), prepare=lambda p: training.prepare_data(p, _images()),
        models_dir=str(tmp_path / "models"), save_epochs=[1, 2], seed_directories=False, on_seed_end=on_seed_end,
        describe=lambda protocol, prepared: f"{protocol.dataset}, {len(prepared.x_train)} images")
    assert capsys.readouterr().out.count("fashion_mnist, 32 images") == 1  # one protocol: described once
    assert seen == [(3, str(tmp_path / "run"), ["bare_al2", "bare_no_al2"])]
    # One protocol: each run keeps its baseline, so the two pair into AL2's effect.
    assert {run["baseline"] for run in by_seed[3].values()} == {"bare"}
    assert set(results.seed_statistics(by_seed)["effects"]) == {"bare"}
    saved = json.loads((tmp_path / "run" / "results.json").read_text())
    assert saved["protocol"]["seed"] == 3 and saved["protocol"]["schedule"] == "paper"  # that one protocol
    assert sorted(os.listdir(tmp_path / "models")) == ["bare_al2", "bare_no_al2"]
    assert sorted(os.listdir(tmp_path / "models" / "bare_al2")) == ["epoch_1.keras", "epoch_2.keras"]
    # Arms of different protocols are labelled by name: nothing pairs them.
    arms = {"bare_no_al2": training.Variant(protocol, "bare", False),
            "bare_al2": training.Variant(dataclasses.replace(protocol, loss="gce"), "bare")}
    by_name = training.run_variants(arms, [0], str(tmp_path / "mixed"),
                                    prepare=lambda p: training.prepare_data(p, _images()))
    assert {run["baseline"] for run in by_name[0].values()} == {"bare_no_al2", "bare_al2"}
    assert results.seed_statistics(by_name)["effects"] == {}
    with pytest.raises(ValueError, match="writes one seed"):
        training.run_variants(table, [0, 1], str(tmp_path / "two"), seed_directories=False)


def test_a_run_paused_at_an_epoch_continues_from_its_files_bit_for_bit(tmp_path):
    protocol = training.quick_protocol(train_size=48, epochs=4, time_scale=1)
    arms = {"dropout_al2": training.Variant(protocol, "dropout")}  # Dropout: its random state must resume too

    def prepare(p):
        return training.prepare_data(p, _images())

    whole = training.run_variants(arms, [0], str(tmp_path / "whole"), prepare=prepare)[0]["dropout_al2"]
    paused = training.run_variants(arms, [0], str(tmp_path / "paused"), prepare=prepare, until_epoch=2)
    run = paused[0]["dropout_al2"]
    assert run["paused_at"] == 2 and len(run["history"]["val_accuracy"]) == 2
    seed_dir = tmp_path / "paused" / "seed_0"
    assert not (seed_dir / results.RESULTS_FILE).exists()  # not finished: no results, the state kept on disk
    state = seed_dir / "state"
    assert (state / "dropout_al2.epochs.jsonl").exists() and (state / "dropout_al2.backup").is_dir()
    # A new call (as a later session would make, from the files alone) trains epochs 3 and 4.
    resumed = training.run_variants(arms, [0], str(tmp_path / "paused"), prepare=prepare)[0]["dropout_al2"]
    assert "paused_at" not in resumed and (seed_dir / results.RESULTS_FILE).exists()
    for key in ("val_accuracy", "loss", "cross_entropy", "activation_loss", "al2_weight", "memorized"):
        assert resumed["history"][key] == whole["history"][key], key
