"""tools/render_docs.py: the documentation's numbers are rendered from their files and cannot drift."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools"))
import render_docs  # noqa: E402

PARITY = render_docs.ROOT / "docs" / "parity.md"


def test_every_rendered_block_and_value_equals_what_its_file_gives_and_no_number_is_typed_unmarked():
    assert render_docs.main(["--check"]) == 0


def test_a_number_typed_into_a_block_is_caught_and_restored():
    text = PARITY.read_text()
    start = text.index("<!-- rendered: parity_steps")
    end = text.index("<!-- /rendered -->", start)
    block = text[start:end]
    tampered = text[:start] + block.replace("| bare | without |", "| bare | without | 9.9e-01 |", 1) + text[end:]
    assert tampered != text
    assert render_docs.render(tampered) == text


def test_a_value_in_a_sentence_is_restored_from_its_file():
    readme = (render_docs.ROOT / "README.md").read_text()
    start = readme.index("<!-- value: saved_models/reference/figure1/summary.csv")
    end = readme.index("<!-- /value -->", start)
    marker_end = readme.index("-->", start) + 3
    tampered = readme[:marker_end] + "0.999" + readme[end:]
    assert tampered != readme
    assert render_docs.render(tampered) == readme


def test_values_walk_json_paths_reduce_lists_and_pick_csv_cells():
    seeds = "saved_models/reference/keras_init/quick_seeds/seeds.json"
    values = render_docs.doc_tables.read_json(seeds)["variants"]["bare_al2"]["final_test_accuracy"]["values"]
    assert render_docs.lookup(seeds, "variants.bare_al2.final_test_accuracy.values.1") == values[1]
    assert render_docs.lookup(seeds, "variants.bare_al2.final_test_accuracy.values.max") == max(values)
    assert render_docs.format_value(0.63904, "%.1f") == "63.9"
    cell = render_docs.lookup("saved_models/reference/keras_init/figure1/summary.csv",
                              "variant=with+AL2,epoch=51/cca_mean")
    assert 0 < cell < 1
    with pytest.raises(ValueError, match="selects 0 rows"):
        render_docs.lookup("saved_models/reference/keras_init/figure1/summary.csv", "variant=nobody,epoch=51/cca_mean")


def test_a_results_number_outside_a_block_is_flagged_unless_marked_typed_or_code():
    text = ("Bare ends at 63.9% (+39.1 ± 9.8 points, 1,270x smaller L_r).\n"
            "Marked: <!-- typed -->91.70%<!-- /typed -->, code `lr=0.01`, an integer 80 epochs,\n"
            "a link [x](../a/b_0.5.png).\n")
    assert [number for _, number in render_docs.untyped_numbers(text)] == ["63.9%", "39.1", "±", "9.8", "1,270x"]
    assert render_docs.untyped_numbers(text)[0][0] == 1


def test_an_unknown_block_is_named():
    with pytest.raises(ValueError, match="Unknown rendered block 'typo'"):
        render_docs.render("<!-- rendered: typo some/file.json -->\nold\n<!-- /rendered -->")


def test_saved_models_readme_lists_every_results_folder():
    readme = (render_docs.ROOT / "saved_models" / "README.md").read_text()
    reference = render_docs.ROOT / "saved_models" / "reference"
    # A paused run's state/ (its backups and journals) belongs to its run's folder.
    folders = [path for path in reference.rglob("*") if path.is_dir() and "state" not in path.relative_to(
        reference).parts]
    assert folders
    missing = [str(path.relative_to(reference.parent)) for path in folders
               if f"`{path.relative_to(reference.parent)}/`" not in readme]
    assert not missing, f"saved_models/README.md does not list {missing}"


def test_every_label_noise_table_names_the_initialization_and_scaling_of_its_runs():
    import doc_tables  # tools/, on the path above

    assert doc_tables.protocol_note("saved_models/reference/keras_init/quick_seeds/seeds.json") == (
        "Keras's initialization (Glorot), pixels in [0, 1]")  # written before the protocol recorded it
    holding = "saved_models/reference/keras_init/long_training/reference_scaling/holding.csv"
    assert doc_tables.protocol_note(holding) == "Keras's initialization (Glorot), the reference's input scaling"
    assert doc_tables.protocol_note("saved_models/reference/parity/port_torch_init/seeds.json") == (
        "PyTorch's default initialization, pixels in [0, 1]")
    block = doc_tables.seed_variants("saved_models/reference/keras_init/quick_seeds")
    assert block.splitlines()[-1].startswith("(Keras's initialization (Glorot), pixels in [0, 1]; seeds 0, 1, 2")


def _write_journal(run, variant, records):
    """A paused run's epoch journal, as the runner writes it: `<run>/state/<variant>.epochs.jsonl`."""
    import json

    (run / "state").mkdir(parents=True, exist_ok=True)
    (run / "state" / f"{variant}.epochs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))


def test_paper_side_by_side_reads_a_paused_run_cell_by_cell_against_the_paper(tmp_path, monkeypatch):
    import shutil

    import doc_tables  # tools/, on the path above

    shutil.copytree(doc_tables.ROOT / "al2_keras" / "experiments" / "resources", tmp_path / "al2_keras" /
                    "experiments" / "resources")
    lines = [{"epoch": e, "val_accuracy": 0.5 + e / 1000, "cross_entropy": 2.0, "activation_loss": 0.01}
             for e in range(250)]
    lines.append({**lines[99], "val_accuracy": 0.9})  # epoch 100 redone after an interruption: the last counts
    _write_journal(tmp_path / "run", "bare_al2", lines)
    monkeypatch.setattr(doc_tables, "ROOT", tmp_path)
    block = doc_tables.paper_side_by_side("run")
    row = next(line for line in block.splitlines() if line.startswith("| bare_al2 | TA |"))
    # The paper's bare with AL2: 95.25 at epoch 100, 94.92 at 200; epoch 300 not reached.
    assert row.split(" | ")[2:5] == ["90.00 / 95.25 (-5.25)", "69.90 / 94.92 (-25.02)", "-"]
    assert "| bare_al2 | Lr | 1.00 / 0.24 (+0.76) |" in block


def test_paper_verdicts_count_a_cell_reproduced_only_within_the_ports_swing_around_it(tmp_path, monkeypatch):
    import doc_tables  # tools/, on the path above

    lines = [{"epoch": e, "val_accuracy": 0.95, "cross_entropy": 2.2, "activation_loss": 0.0024}
             for e in range(1, 211)]
    lines[102]["val_accuracy"] = 0.953  # epoch 103: the swing around epoch 100 reaches the paper's 95.25
    _write_journal(tmp_path / "run", "bare_al2", lines)
    monkeypatch.setattr(doc_tables, "ROOT", tmp_path)
    block = doc_tables.paper_verdicts("run")
    row = next(line for line in block.splitlines() if line.startswith("| bare_al2 | TA |"))
    # The paper's bare with AL2: 95.25 at epoch 100 (inside 95.00-95.30), 94.92 at 200 (outside 95.00-95.00).
    assert row.split(" | ")[2:5] == ["yes (95.00-95.30 / 95.25)", "no (95.00-95.00 / 94.92)", "-"]
    assert "| bare_al2 | Lr | yes (0.24-0.24 / 0.24) |" in block


def test_paper_verdict_summary_lists_per_variant_the_epochs_reproduced_and_not(tmp_path, monkeypatch):
    import doc_tables  # tools/, on the path above

    lines = [{"epoch": e, "val_accuracy": 0.95, "cross_entropy": 2.2, "activation_loss": 0.0024}
             for e in range(1, 211)]
    lines[102]["val_accuracy"] = 0.953  # the same swing as above: TA reproduced at 100, not at 200
    _write_journal(tmp_path / "run", "bare_al2", lines)
    _write_journal(tmp_path / "early", "bn_al2", lines[:103])  # epoch 100 needs epochs up to 105
    monkeypatch.setattr(doc_tables, "ROOT", tmp_path)
    block = doc_tables.paper_verdict_summary("run", "early")
    assert "| bare_al2 | 210 | yes at 100; no at 200 | no at 100, 200 | yes at 100; no at 200 |" in block
    assert "| bn_al2 | 103 | - | - | - |" in block
    assert "2 of 6 cells reproduced" in block


def test_paper_lr_at_matched_fit_reads_l_r_where_the_port_reaches_the_papers_l_c(tmp_path, monkeypatch):
    import doc_tables  # tools/, on the path above

    # L_c falls by 0.01 an epoch from 2.30: the paper's bare 2.15 (epoch 100) is reached at epoch 16.
    lines = [{"epoch": e, "val_accuracy": 0.9, "cross_entropy": 2.31 - 0.01 * e, "activation_loss": 0.1 * e}
             for e in range(1, 41)]
    _write_journal(tmp_path / "run", "bare_no_al2", lines)
    _write_journal(tmp_path / "run", "bare_al2", lines)  # with AL2: not part of this check
    monkeypatch.setattr(doc_tables, "ROOT", tmp_path)
    block = doc_tables.paper_lr_at_matched_fit("run")
    # The paper's bare without AL2 at epoch 100: L_c 2.15, L_r cell 3.20; epoch 200's 1.78 is not reached.
    assert block.splitlines()[2:3] == ["| bare_no_al2 | 100 | 2.15 | 3.20 | 16 | 1.60 | 160 | 0.50 |"]
    assert "| bare_al2 |" not in block and "| 200 |" not in block


def test_paper_across_seeds_lists_each_seeds_run_beside_the_papers_and_needs_a_recorded_seed(tmp_path,
                                                                                             monkeypatch):
    import json

    import doc_tables  # tools/, on the path above

    for seed, accuracy, epochs in ((2, 0.80, 150), (0, 0.90, 250)):
        lines = [{"epoch": e, "val_accuracy": accuracy, "cross_entropy": 2.0, "activation_loss": 0.001}
                 for e in range(1, epochs + 1)]
        _write_journal(tmp_path / f"seed_{seed}", "bn_al2", lines)
        protocol = {"model": "small_net", "seed": seed, "initializer": "reference", "scaling": "reference"}
        (tmp_path / f"seed_{seed}" / "provenance.json").write_text(json.dumps({"protocol": protocol}))
    monkeypatch.setattr(doc_tables, "ROOT", tmp_path)
    lines = doc_tables.paper_across_seeds("seed_2", "seed_0").splitlines()
    # Seeds in order, then the paper's BatchNorm with AL2 (95.47 at 100, 94.48 at 200).
    assert [line.split(" | ")[:5] for line in lines[2:5]] == [
        ["| bn_al2", "TA", "port, seed 0", "90.00", "90.00"],
        ["| bn_al2", "TA", "port, seed 2", "80.00", "-"],
        ["| bn_al2", "TA", "paper", "95.47", "94.48"]]
    assert "epochs trained: bn_al2 seed 2 150, bn_al2 seed 0 250" in lines[-1]
    (tmp_path / "seed_2" / "provenance.json").unlink()
    with pytest.raises(ValueError, match="seed_2 records no single seed"):
        doc_tables.paper_across_seeds("seed_2", "seed_0")


def test_validation_design_counts_holding_seeds_and_names_what_was_scored(tmp_path, monkeypatch):
    import json

    import doc_tables  # tools/, on the path above

    def run(curve, **settings):
        history = {"val_accuracy": curve, "cross_entropy": [2.2] * len(curve), "activation_loss": [0.01] * len(curve)}
        return {"history": history, "scored_on": "a validation split of 10 images"}, settings

    probe = tmp_path / "probes" / "drop"
    probe.mkdir(parents=True)
    for seed, late in ((0, 0.70), (1, 0.60)):  # seed 1 ends 10 points below its peak
        arms = {"bare_al2": run([0.5, 0.7, late, late, late, late, late], schedule="stable",
                                schedule_options={"doubling_drop": 0.05}, head_max_norm="initial",
                                flood_level=None),
                "gce_no_al2": run([0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6], loss="gce")}
        (probe / f"seed_{seed}_results.json").write_text(json.dumps(
            {"protocol": {name: settings for name, (_, settings) in arms.items()},
             "results": {name: result for name, (result, _) in arms.items()}}))
    monkeypatch.setattr(doc_tables, "ROOT", tmp_path)
    block = doc_tables.validation_design("probes", "gce_no_al2")
    assert ("| drop | bare_al2 | stable schedule, doubling_drop 0.05, head bound initial, no flooding | "
            "+0.00 (70.00) | -10.00 (60.00) | 1 of 2 | 65.00 |") in block
    assert "| drop | gce_no_al2 | gce loss, no AL2 | +0.00 (60.00) | +0.00 (60.00) | 2 of 2 | 60.00 |" in block
    assert "scored on a validation split of 10 images" in block
