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
