"""tools/render_docs.py: README's results tables are rendered from their files and cannot drift."""

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "tools"))
import render_docs  # noqa: E402


def test_every_rendered_block_of_the_readme_equals_what_its_file_gives():
    assert render_docs.main(["--check"]) == 0


def test_a_number_typed_into_a_block_is_caught_and_restored():
    text = (render_docs.ROOT / "README.md").read_text()
    start = text.index("<!-- rendered: parity_steps")
    end = text.index("<!-- /rendered -->", start)
    block = text[start:end]
    tampered = text[:start] + block.replace("| bare | without |", "| bare | without | 9.9e-01 |", 1) + text[end:]
    assert tampered != text
    assert render_docs.render(tampered) == text


def test_an_unknown_block_is_named():
    with pytest.raises(ValueError, match="Unknown rendered block 'typo'"):
        render_docs.render("<!-- rendered: typo some/file.json -->\nold\n<!-- /rendered -->")
