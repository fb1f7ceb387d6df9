"""Renders the results tables of README.md from the committed results files.

A rendered block sits between two markers, the first naming the table and the
results file it is made from:

    <!-- rendered: parity_steps saved_models/reference/parity/step/parity.json -->
    ...(generated, never typed)...
    <!-- /rendered -->

`python tools/render_docs.py` rewrites every block from its file;
`python tools/render_docs.py --check` changes nothing and exits 1 if a block
differs from what its file gives (the test suite runs it: a number in a block
cannot drift from its file). Each table names its file and says its ddof.
"""

import argparse
import json
import pathlib
import re
import sys
from typing import Callable, Dict, Optional, Sequence

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOCUMENTS = ("README.md",)
BLOCK = re.compile(r"(<!-- rendered: (?P<name>\w+) (?P<args>[^>]*?) -->\n)(?P<body>.*?)(<!-- /rendered -->)", re.S)


def _read(path: str) -> dict:
    with open(ROOT / path) as f:
        return json.load(f)


def _spread(values: Sequence[float], digits: int = 1) -> str:
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


def parity_steps(path: str) -> str:
    """The step-parity table: largest relative difference per baseline, without and with AL2."""
    results = _read(path)["results"]
    lines = ["| baseline | AL2 | L_c | L_r | total loss | weights | BatchNorm statistics | eval-mode logits |",
             "|---|---|---|---|---|---|---|---|"]
    for result in results:
        diff = result["max_relative_difference"]
        statistics = diff.get("batch_norm_running_statistics")
        lines.append(
            f"| {result['baseline']} | {'with' if result['al2'] else 'without'} | {diff['cross_entropy']:.1e} | "
            f"{diff['activation_loss']:.1e} | {diff['loss']:.1e} | {diff['weights']:.1e} | "
            f"{'-' if statistics is None else f'{statistics:.1e}'} | {diff['eval_logits']:.1e} |")
    return "\n".join(lines) + f"\n\n({results[0]['steps']} steps, {results[0]['dtype']}; file: `{path}`)"


def parity_seeds(path: str) -> str:
    """The seed-parity table: final, last-5 and memorized share on both sides, with Welch's p."""
    data = _read(path)
    rows: Dict[str, dict] = {}
    for row in data["rows"]:
        rows.setdefault(row["variant"], {})[row["quantity"]] = row
    quantities = ("final test acc %", "last-5 test acc %", "memorized %")
    lines = ["| variant | final test acc %: al2_keras / reference (p) | last-5 mean % (p) | memorized % (p) |",
             "|---|---|---|---|"]
    for variant, row in rows.items():
        cells = [f"{_spread(row[q]['al2_keras'])} / {_spread(row[q]['reference'])} ({row[q]['welch_p']:.2f})"
                 for q in quantities]
        lines.append(f"| {variant} | " + " | ".join(cells) + " |")
    seeds = sorted(int(seed) for seed in data["reference_runs"])
    return "\n".join(lines) + (f"\n\n(seeds {', '.join(map(str, seeds))}; mean ± standard deviation, ddof 1; "
                               f"p: Welch's t-test; file: `{path}`)")


def parity_effects(path: str) -> str:
    """AL2's effect per baseline on both sides, per seed, with Welch's p."""
    data = _read(path)
    lines = ["| baseline | AL2's effect | al2_keras: mean ± std (per seed) | reference: mean ± std (per seed) | "
             "Welch p |", "|---|---|---|---|---|"]
    for row in data["effects"]:
        sides = [f"{np.mean(row[side]):+.1f} ± {np.std(row[side], ddof=1):.1f} "
                 f"({' / '.join(f'{value:+.1f}' for value in row[side])})" for side in ("al2_keras", "reference")]
        lines.append(f"| {row['baseline']} | {row['quantity']} | {sides[0]} | {sides[1]} | {row['welch_p']:.2f} |")
    return "\n".join(lines) + f"\n\n(test accuracy with minus without AL2, points; ddof 1; file: `{path}`)"


def similarity_pair(ours: str, theirs: str) -> str:
    """Figure 1 on both: mean over pairs of CCA, SVCCA and PWCCA per checkpoint, port / transcription."""
    import csv

    def rows(path):
        with open(ROOT / path) as f:
            return {(row["variant"], int(float(row["epoch"]))): row for row in csv.DictReader(f)}

    port, reference = rows(ours), rows(theirs)
    lines = ["| epoch | condition | CCA: al2_keras / reference | SVCCA (K=10) | PWCCA |", "|---|---|---|---|---|"]
    for variant, epoch in sorted(reference, key=lambda key: (key[1], key[0] != "without AL2")):
        a, b = port[(variant, epoch)], reference[(variant, epoch)]
        cells = [f"{float(a[m + '_mean']):.3f} / {float(b[m + '_mean']):.3f}" for m in ("cca", "svcca", "pwcca")]
        lines.append(f"| {epoch} | {variant} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + f"\n\n(mean over the 6 pairs of 4 instances; files: `{ours}`, `{theirs}`)"


RENDERERS: Dict[str, Callable[..., str]] = {
    "parity_steps": parity_steps, "parity_seeds": parity_seeds, "parity_effects": parity_effects,
    "similarity_pair": similarity_pair,
}


def render(text: str) -> str:
    """`text` with every rendered block regenerated from its file."""
    def block(match):
        name = match.group("name")
        if name not in RENDERERS:
            raise ValueError(f"Unknown rendered block {name!r}; known: {sorted(RENDERERS)}.")
        body = RENDERERS[name](*match.group("args").split())
        return f"{match.group(1)}{body}\n{match.group(5)}"

    return BLOCK.sub(block, text)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Render README tables from the committed results files.")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a block is stale")
    args = parser.parse_args(argv)
    stale = []
    for name in DOCUMENTS:
        path = ROOT / name
        text = path.read_text()
        rendered = render(text)
        if rendered != text:
            stale.append(name)
            if not args.check:
                path.write_text(rendered)
    if args.check and stale:
        print(f"Stale rendered blocks in {stale}: run python tools/render_docs.py", file=sys.stderr)
        return 1
    print(("Stale: " if args.check else "Rendered: ") + (", ".join(stale) if stale else "nothing to change"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
