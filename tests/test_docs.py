"""README.md, docs/ and saved_models/README.md: every relative link reaches a file and, with an anchor, a heading."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", ROOT / "saved_models" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"<!--.*?-->", "", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: pathlib.Path) -> set:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    return {slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def test_the_readme_is_a_front_page():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250


def test_every_relative_link_reaches_a_file_and_its_heading():
    broken = []
    for page in PAGES:
        for target in LINK.findall(page.read_text()):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such file)")
            elif anchor and file.suffix == ".md" and anchor not in anchors(file):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_every_docs_page_is_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [page.name for page in (ROOT / "docs").glob("*.md") if f"(docs/{page.name}" not in readme]
    assert not missing


def test_the_long_training_recipe_runs_floods_the_loss_and_bounds_the_head_at_norm_1():
    text = (ROOT / "docs" / "long-training.md").read_text()
    block = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    assert "epochs, batch_size = 80, 64" in block
    namespace = {}
    exec(compile(block.replace("epochs, batch_size = 80, 64", "epochs, batch_size = 2, 64"), "recipe", "exec"),
         namespace)
    history, model = namespace["history"].history, namespace["model"]
    assert len(history["al2_weight"]) == 2 and history["al2_weight"][0] == 0.01
    assert min(history["loss"]) >= 2.21  # the flooded cross entropy plus the AL2 penalty never drop below the floor
    assert namespace["schedule"].get_config()["doubling_drop"] == 0.01  # the recipe's schedule, as measured
    assert model.get_layer("fc1").kernel.constraint.max_value == 1.0  # the head, bounded at norm 1
