"""Draws the paper-scale runs' curves with the paper's Table 1 cells on them, finished or paused.

Reads each run folder's `results.json`, else its epoch journals so far
(`doc_tables.run_history`), and writes one PNG (`reports.plot_against_paper`).

Run: python tools/plot_paper_scale.py saved_models/reference/paper_scale/bare_no_al2 \
         saved_models/reference/paper_scale/bare_al2 --output saved_models/reference/paper_scale/paper.png
"""

import argparse
import sys
from typing import Optional, Sequence

from doc_tables import run_history


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", help="run folders (relative to the repository root)")
    parser.add_argument("--output", required=True, help="the PNG to write")
    args = parser.parse_args(argv)
    from al2_keras.experiments import paper, reports

    results = {name: run for directory in args.runs for name, run in run_history(directory).items()}
    if not results:
        parser.error(f"no results.json or epoch journal in {args.runs}")
    reports.plot_against_paper(results, paper.table1(), args.output)
    print(f"wrote {args.output}: " + ", ".join(f"{n} ({len(r['history']['val_accuracy'])} epochs)"
                                               for n, r in results.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
