import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_usage_snippet_runs_and_logs_paper_quantities():
    blocks = _python_blocks()
    assert blocks, "README.md has no python block"
    namespace = {}
    exec(compile(blocks[0], str(README), "exec"), namespace)
    history = namespace["history"].history
    assert len(history["activation_loss"]) == 3
    assert history["al2_weight"] == [0.01, 0.011000000000000001, 0.012100000000000001]


def test_readme_test_command_is_the_one_ci_runs():
    ci = (README.parent / ".ci" / "run").read_text()
    command = re.search(r"Run the tests:\n\n```bash\n(.*?)\n```", README.read_text(), re.S).group(1)
    assert command in ci


def test_readme_insert_al2_snippet_runs_and_splits_at_the_named_layer():
    block = next(b for b in _python_blocks() if "insert_al2" in b)
    namespace = {}
    exec(compile(block, str(README), "exec"), namespace)
    model, trunk, head = namespace["model"], namespace["trunk"], namespace["head"]
    assert model.get_layer("avg_pool_al2") in head.layers
    assert trunk.output_shape == (None, 2048)
