from al2_keras.experiments import reports


def test_markdown_table_formats_floats_and_keeps_column_order():
    table = reports.markdown_table([{"b": 0.123456, "a": "x"}], ["a", "b"])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x | 0.1235 |"]


def test_similarity_summary_is_tabled_and_plotted(tmp_path):
    summary = [{"variant": v, "epoch": e, "pairs": 6,
                **{f"{m}_{k}": value for m in ("cca", "pwcca")
                   for k, value in (("mean", 0.5), ("std", 0.01), ("min", 0.48), ("max", 0.52), ("noise", 0.02))}}
               for v in ("with AL2", "without AL2") for e in (1, 2)]
    table = reports.similarity_summary_table(summary, ["cca", "pwcca"])
    assert table.splitlines()[0] == "| variant | epoch | cca | cca noise | pwcca | pwcca noise |"
    assert "| with AL2 | 1 | 0.500 ± 0.010 [0.480, 0.520] | 0.020 |" in table
    path = tmp_path / "plot.png"
    reports.plot_similarity(summary, ["cca", "pwcca"], str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _results(epochs=3):
    history = lambda acc: {"loss": [1.0] * epochs, "val_accuracy": [acc] * epochs,  # noqa: E731
                           "cross_entropy": [2.0] * epochs, "activation_loss": [0.01] * epochs,
                           "memorized": [0.5] * epochs}
    return {"bare_no_al2": {"baseline": "bare", "al2": False, "history": history(0.25)},
            "bare_al2": {"baseline": "bare", "al2": True, "history": history(0.9)}}


def test_label_randomization_table_has_paper_layout_and_paper_numbers():
    paper = {("bare", "TA", 2): (84.2, 95.25)}
    table = reports.label_randomization_table(_results(), [2, 9], paper)
    lines = table.splitlines()
    assert lines[0] == "| baseline | metric | epoch 2: without / with |"  # epoch 9 is past the run
    assert lines[2] == "| bare | TA | 25.00 / 90.00 (paper 84.20 / 95.25) |"
    assert lines[3] == "| bare | Lc | 2.00 / 2.00 |"
    assert lines[4] == "| bare | Lr | 1.00 / 1.00 |"  # L_r x 100


def test_label_randomization_table_marks_the_arm_a_one_variant_run_did_not_train():
    only_al2 = {"bare_al2": _results()["bare_al2"]}
    paper = {("bare", "TA", 2): (84.2, 95.25)}
    lines = reports.label_randomization_table(only_al2, [2], paper).splitlines()
    assert lines[2] == "| bare | TA | - / 90.00 (paper 84.20 / 95.25) |"


def test_summary_table_and_curves(tmp_path):
    assert "| bare_al2 | 90.0000 |" in reports.summary_table(_results())
    reports.plot_label_randomization(_results(), str(tmp_path / "c.png"))
    assert (tmp_path / "c.png").stat().st_size > 0


def test_paper_cells_are_drawn_on_the_port_curves_and_written_with_the_run_report(tmp_path, monkeypatch):
    from al2_keras.experiments.reports import label_noise

    drawn = {}
    finish = label_noise.finish_figure
    monkeypatch.setattr(label_noise, "finish_figure",
                        lambda figure, axes, path: (drawn.setdefault(path, axes), finish(figure, axes, path)))
    paper = {("bare", "TA", 2): (84.2, 95.25), ("bare", "Lr", 3): (3.2, 0.24), ("bn", "TA", 2): (1.0, 2.0)}
    reports.write_run_report(str(tmp_path), _results(), [2], paper)
    assert (tmp_path / "paper.png").stat().st_size > 0
    accuracy, _, activation = drawn[str(tmp_path / "paper.png")]
    points = {line.get_label(): list(zip(line.get_xdata(), line.get_ydata())) for line in accuracy.get_lines()}
    assert points["bare_no_al2 (paper)"] == [(2, 84.2)] and points["bare_al2 (paper)"] == [(2, 95.25)]
    assert list(points["bare_al2 (port)"][1]) == [2, 90.0]  # the port's curve, TA in %
    assert [line.get_ydata()[0] for line in activation.get_lines() if "paper" in line.get_label()] == [3.2, 0.24]
    assert activation.get_yscale() == "log"


def test_paper_plot_draws_a_row_of_panels_per_baseline(tmp_path, monkeypatch):
    from al2_keras.experiments.reports import label_noise

    drawn = {}
    monkeypatch.setattr(label_noise, "finish_figure", lambda figure, axes, path: drawn.setdefault(path, axes))
    results = {**_results(), "bn_al2": {**_results()["bare_al2"], "baseline": "bn"}}
    label_noise.plot_against_paper(results, {("bn", "TA", 2): (1.0, 2.0)}, "paper.png")
    axes = drawn["paper.png"]
    assert len(axes) == 6
    assert [line.get_label() for line in axes[3].get_lines()] == ["bn_al2 (port)", "bn_al2 (paper)"]
    assert axes[3].get_title().startswith("bn:") and axes[0].get_title().startswith("bare:")


def test_paper_table1_is_shipped():
    from al2_keras.experiments import paper

    table = paper.table1()
    assert table[("bare", "TA", 100)] == (84.20, 95.25)
    assert len(table) == 4 * 3 * 7


def test_paper_table1_is_shown_for_mnist_runs_only():
    from al2_keras.experiments import paper

    assert paper.table1_for("mnist") == paper.table1()
    assert paper.table1_for("fashion_mnist") is None


def test_seed_tables_and_curves(tmp_path):
    from al2_keras.experiments import results

    by_seed = {0: _results(), 1: _results()}
    by_seed[1]["bare_al2"]["history"]["val_accuracy"] = [0.8] * 3
    tables = reports.seed_tables(results.seed_statistics(by_seed))
    assert tables.startswith("Mean ± standard deviation (ddof 1) over 2 seeds (0, 1).")
    assert "| bare_al2 | 85.00 ± 7.07 |" in tables
    # AL2's effect: +65 and +55 points, L_r ratio 1 for both seeds.
    assert "| bare | 60.0 ± 7.1 | +65.0 / +55.0 |" in tables
    assert "| 1 ± 0 | 1 / 1 |" in tables
    reports.plot_seed_curves(by_seed, str(tmp_path / "s.png"))
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_method_table_rows_and_plot(tmp_path):
    from al2_keras.experiments import results

    gce = {0: _results(), 1: _results()}
    for seed, accuracy in ((0, 0.3), (1, 0.2)):
        gce[seed]["bare_al2"]["history"]["val_accuracy"] = [accuracy] * 3
    statistics = {"cross_entropy": results.seed_statistics({0: _results(), 1: _results()}),
                  "gce": results.seed_statistics(gce)}
    table = reports.method_table(statistics).splitlines()
    assert table[0] == "`bare` without / with AL2, mean ± standard deviation over seeds 0, 1."
    assert table[4] == ("| cross_entropy | 25.00 ± 0.00 | 25.00 ± 0.00 | 90.00 ± 0.00 | 90.00 ± 0.00 "
                        "| +65.0 / +65.0 | +65.0 ± 0.0 |")
    assert table[5].startswith("| gce | 25.00 ± 0.00 | 25.00 ± 0.00 | 25.00 ± 7.07 |")
    assert table[5].endswith("| +5.0 / -5.0 | +0.0 ± 7.1 |")
    rows = results.method_rows(statistics)
    assert [(r["method"], r["seed"], r["final_with_al2"]) for r in rows] == [
        ("cross_entropy", 0, 0.9), ("cross_entropy", 1, 0.9), ("gce", 0, 0.3), ("gce", 1, 0.2)]
    reports.plot_methods({"cross_entropy": {0: _results()}, "gce": gce}, "bare", str(tmp_path / "m.png"))
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_holding_table_and_weight_plot(tmp_path):
    from al2_keras.experiments import results

    runs = _results()
    runs["bare_al2"]["history"]["val_accuracy"] = [0.9, 0.95, 0.9]
    runs["bare_al2"]["history"]["al2_weight"] = [0.1, 0.2, 0.4]
    runs["bare_no_al2"]["history"]["al2_weight"] = [0.0] * 3
    rows = results.holding({0: runs}, "bare_no_al2")
    table = reports.holding_table(rows, "bare_no_al2")
    assert "| 0 | bare_al2 | 95.00 (2) | 90.00 | -5.00 | 91.67 | no | 25.00 | yes |" in table
    assert "bare_no_al2 last-5" not in reports.holding_table(results.holding({0: runs}, None), None)
    assert "test-set epoch picking" in table and "within 3 points of the run's own peak" in table
    reports.plot_weights({0: runs}, str(tmp_path / "w.png"))
    assert (tmp_path / "w.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
