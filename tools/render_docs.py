"""Renders the numbers of README.md and docs/ from the committed results files, and checks them.

A rendered block sits between two markers, the first naming its table
(`tools/doc_tables.py`) and the results file(s) it is made from:

    <!-- rendered: parity_steps saved_models/reference/parity/step/parity.json -->
    ...(generated, never typed)...
    <!-- /rendered -->

A number inside a sentence is a rendered value: a file, a path in it and a format,

    <!-- value: saved_models/x/seeds.json variants.bare_al2.final_test_accuracy.mean %.1f -->63.9<!-- /value -->

where the path walks a JSON file (`key.0.key`; a last step `min`, `max`,
`mean` or `std` reduces a list, std with ddof 1) or picks a CSV cell
(`column=value,column=value/column`, a `+` for a space), and a format starting with `%` is a
percentage (the value times 100).

`python tools/render_docs.py` rewrites every block and value from its file;
`--check` changes nothing and exits 1 if one differs from what its file
gives, or if a results number sits outside a rendered block or value: a
decimal, a percentage, a `±` or a ratio such as `12x` in running text
(code, links and HTML comments aside) must be rendered, or marked as typed on
purpose between `<!-- typed -->` and `<!-- /typed -->` (a paper's number, a
parameter, a measurement that has no file). The test suite runs the check.
"""

import argparse
import csv
import pathlib
import re
import sys
from typing import List, Optional, Sequence, Tuple

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import doc_tables  # noqa: E402

ROOT = doc_tables.ROOT
BLOCK = re.compile(r"(<!-- rendered: (?P<name>\w+) (?P<args>[^>]*?) -->\n)(?P<body>.*?)(<!-- /rendered -->)", re.S)
VALUE = re.compile(r"(<!-- value: (?P<file>\S+) (?P<path>\S+) (?P<format>\S+) -->)(?P<body>[^<`]*)(<!-- /value -->)")
TYPED = re.compile(r"<!-- typed -->.*?<!-- /typed -->", re.S)
# What a results number looks like in running text.
NUMBER = re.compile(r"(?<![\w.])(\d[\d,]*(\.\d+)?\s?%|\d[\d,]*(\.\d+)?x\b|\d[\d,]*\.\d+)|±")


def documents() -> List[pathlib.Path]:
    """README.md, saved_models/README.md and every page of docs/."""
    return [ROOT / "README.md", ROOT / "saved_models" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def lookup(file: str, path: str) -> float:
    """The number at `path` in `file` (see the module docstring)."""
    if file.endswith(".csv"):
        selector, column = path.rsplit("/", 1)
        wanted = dict(pair.replace("+", " ").split("=", 1) for pair in selector.split(","))
        with open(ROOT / file, newline="") as f:
            rows = [row for row in csv.DictReader(f) if all(row[k] == v for k, v in wanted.items())]
        if len(rows) != 1:
            raise ValueError(f"{file}: {selector} selects {len(rows)} rows, not one.")
        return float(rows[0][column])
    node = doc_tables.read_json(file)
    for step in path.split("."):
        if isinstance(node, list) and step in ("min", "max", "mean", "std"):
            values = np.asarray(node, dtype=float)
            return float(values.std(ddof=1) if step == "std" else getattr(values, step)())
        node = node[int(step)] if isinstance(node, list) else node[step]
    return float(node)


def format_value(value: float, spec: str) -> str:
    if spec.startswith("%"):
        return f"{100 * value:{spec[1:]}}"
    return f"{value:{spec}}"


def render(text: str) -> str:
    """`text` with every rendered block and value regenerated from its file."""
    def block(match):
        name = match.group("name")
        if name not in doc_tables.BLOCKS:
            raise ValueError(f"Unknown rendered block {name!r}; known: {sorted(doc_tables.BLOCKS)}.")
        body = doc_tables.BLOCKS[name](*match.group("args").split())
        return f"{match.group(1)}{body}\n{match.group(5)}"

    def value(match):
        number = format_value(lookup(match.group("file"), match.group("path")), match.group("format"))
        return f"{match.group(1)}{number}{match.group(6)}"

    return VALUE.sub(value, BLOCK.sub(block, text))


def untyped_numbers(text: str) -> List[Tuple[int, str]]:
    """`(line, number)` of every results number outside rendered blocks, values, typed spans and code."""
    def blank(match):  # keep the line count
        return "\n" * match.group(0).count("\n")

    for pattern in (r"```.*?```", BLOCK.pattern, VALUE.pattern + "%?", TYPED.pattern, r"<!--.*?-->", r"`[^`]+`",
                    r"\]\([^)]*\)"):
        text = re.sub(pattern, blank, text, flags=re.S)
    return [(number + 1, match.group(0)) for number, line in enumerate(text.split("\n"))
            for match in NUMBER.finditer(line)]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Render the documentation's numbers from the committed results files.")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if a block or value is stale or a number is typed unmarked")
    args = parser.parse_args(argv)
    stale, typed = [], []
    for path in documents():
        text = path.read_text()
        name = str(path.relative_to(ROOT))
        typed += [f"{name}:{line}: {number}" for line, number in untyped_numbers(text)]
        rendered = render(text)
        if rendered != text:
            stale.append(name)
            if not args.check:
                path.write_text(rendered)
    if typed:
        print("Numbers outside rendered blocks (render them, or mark them <!-- typed -->...<!-- /typed -->):\n  "
              + "\n  ".join(typed), file=sys.stderr)
    if args.check and stale:
        print(f"Stale rendered blocks or values in {stale}: run python tools/render_docs.py", file=sys.stderr)
    print(("Stale: " if args.check else "Rendered: ") + (", ".join(stale) if stale else "nothing to change"))
    return 1 if (args.check and stale) or typed else 0


if __name__ == "__main__":
    sys.exit(main())
