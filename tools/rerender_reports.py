"""Rewrites the committed Markdown views of results folders from their JSON files.

After a change to a report's layout (a header, a definition), the committed
views are regenerated from the numbers they show, never retyped:

- every `seeds.md` under `saved_models/` from the `seeds.json` beside it
  (`reports.seed_tables`);
- every `holding.md`/`holding.csv` from the `seed_<s>_results.json` beside it
  (`results.holding` against the variant named in the folder's report);
- every run's `table.md` from the `results.json` beside it, at the epochs its
  header names (`reports.label_randomization_table`, with the paper's cells
  for MNIST).

Run: python tools/rerender_reports.py [--check]
"""

import argparse
import json
import pathlib
import re
import sys
from typing import Optional, Sequence

ROOT = pathlib.Path(__file__).resolve().parent.parent


def views() -> dict:
    """Path -> text of every view this script owns, as the current code renders it."""
    from al2_keras.experiments import reports, results

    out = {}
    for path in sorted((ROOT / "saved_models").rglob("seeds.json")):
        statistics = json.loads(path.read_text())
        out[path.with_name("seeds.md")] = reports.seed_tables(statistics) + "\n"
    for path in sorted((ROOT / "saved_models").rglob("holding.csv")):
        reference = _reference(path)
        by_seed = {int(p.stem.split("_")[1]): json.loads(p.read_text())["results"]
                   for p in sorted(path.parent.glob("seed_*_results.json"))}
        rows = results.holding(by_seed, reference)
        out[path.with_name("holding.md")] = reports.holding_table(rows, reference,
                                                                  scored_on=results.scored_on(by_seed)) + "\n"
        out[path] = reports.csv_text(rows)
    for path in sorted((ROOT / "saved_models").rglob("table.md")):
        if path.with_name("results.json").exists():
            out[path] = _run_table(path)
    return out


def _run_table(table_md: pathlib.Path) -> str:
    """A run's `table.md` from its `results.json`, at the epochs its current header names."""
    from al2_keras.experiments import paper, reports

    run = json.loads(table_md.with_name("results.json").read_text())
    epochs = [int(e) for e in re.findall(r"epoch (\d+): without / with", table_md.read_text())]
    cells = paper.table1_for(run["protocol"].get("dataset"))
    return reports.run_table_text(reports.label_randomization_table(run["results"], epochs, cells))


def _reference(holding_csv: pathlib.Path) -> Optional[str]:
    """The comparison variant of a holding table: the one variant of the results missing from its rows.

    None when every variant has its rows (a table of whether each run holds, without a comparison).
    """
    rows = holding_csv.read_text().splitlines()[1:]
    in_rows = {row.split(",")[1] for row in rows}
    first = json.loads(next(holding_csv.parent.glob("seed_*_results.json")).read_text())
    missing = sorted(set(first["results"]) - in_rows)
    if not missing:
        return None
    if len(missing) != 1:
        raise ValueError(f"{holding_csv}: cannot tell the comparison variant from {missing}.")
    return missing[0]


def _read(path: pathlib.Path) -> str:
    """The file's text as written, line endings kept (the CSV views end their lines with \\r\\n)."""
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Rewrite the committed Markdown views of results folders.")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a view differs")
    args = parser.parse_args(argv)
    rendered = views()
    stale = [path for path, text in rendered.items() if not path.exists() or _read(path) != text]
    for path in stale:
        print(("stale: " if args.check else "rewrote: ") + str(path.relative_to(ROOT)))
        if not args.check:
            path.write_text(rendered[path])
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
