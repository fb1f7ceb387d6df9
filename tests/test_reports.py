from al2_keras import reports


def test_markdown_table_formats_floats_and_keeps_column_order():
    table = reports.markdown_table([{"b": 0.123456, "a": "x"}], ["a", "b"])
    assert table.splitlines() == ["| a | b |", "|---|---|", "| x | 0.1235 |"]


def test_plot_similarity_writes_png(tmp_path):
    rows = [{"variant": v, "pair": p, "epoch": e, "cca": 0.5, "pwcca": 0.4}
            for v in ("with AL2", "without AL2") for p in ("seed 0 vs seed 1", "seed 0 vs random")
            for e in (1, 2)]
    path = tmp_path / "plot.png"
    reports.plot_similarity(rows, ["cca", "pwcca"], str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
