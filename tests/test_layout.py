"""The house rules of the layout: small modules, no import circle, data flowing one way."""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "al2_keras"


def _modules() -> dict:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        modules[name.removesuffix(".__init__")] = path
    return modules


def _imports(path: pathlib.Path, modules: dict) -> set:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("al2_keras"):
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("al2_keras"))
    return found


@pytest.mark.parametrize("name, path", sorted(_modules().items()))
def test_every_module_is_at_most_300_lines(name, path):
    assert len(path.read_text().splitlines()) <= 300, name


def test_no_import_circle():
    modules = _modules()
    # The top-level package only re-exports; it is nobody's dependency.
    graph = {m: {d for d in _imports(p, modules) if d in modules and d != "al2_keras"} for m, p in modules.items()}
    state = {}

    def visit(module, stack):
        state[module] = "open"
        for dependency in graph[module]:
            assert state.get(dependency) != "open", " -> ".join(stack + [module, dependency])
            if dependency not in state:
                visit(dependency, stack + [module])
        state[module] = "done"

    for module in graph:
        if module not in state:
            visit(module, [])


# Data flows datasets -> models -> training -> results -> reports: training writes its numbers in the
# schema `results` owns (key and variant names), reports only view them. As imports: a room imports
# only rooms earlier in this order, and training and reports, which both use the schema, never each other.
HARNESS = "al2_keras.experiments"
ROOMS = (f"{HARNESS}.datasets", "al2_keras.models", f"{HARNESS}.results", f"{HARNESS}.training", f"{HARNESS}.reports")
FORBIDDEN = [(ROOMS[i], ROOMS[j]) for i in range(len(ROOMS)) for j in range(i + 1, len(ROOMS))]
FORBIDDEN.remove((f"{HARNESS}.training", f"{HARNESS}.reports"))
FORBIDDEN += [(f"{HARNESS}.training", f"{HARNESS}.reports"), (f"{HARNESS}.reports", f"{HARNESS}.training"),
              ("al2_keras.similarity", f"{HARNESS}.analysis"), ("al2_keras.similarity", f"{HARNESS}.training")]
# The regularizer users import is the bottom of everything: it imports neither the harness nor the tools.
CORE = ("al2_keras.layers", "al2_keras.schedules", "al2_keras.callbacks", "al2_keras.insertion", "al2_keras.head_bound",
        "al2_keras.models", "al2_keras.losses", "al2_keras.optional")
FORBIDDEN += [(core, other) for core in CORE for other in (HARNESS, "al2_keras.similarity", "al2_keras.tuning")]


@pytest.mark.parametrize("upstream, downstream", FORBIDDEN)
def test_data_flows_one_way(upstream, downstream):
    """Nothing in `upstream` imports `downstream` (or anything of it), for every pair of rooms."""
    modules = _modules()
    for name, path in modules.items():
        if name == upstream or name.startswith(upstream + "."):
            assert not any(d == downstream or d.startswith(downstream + ".") for d in _imports(path, modules)), name


def test_the_top_level_is_the_regularizer_with_a_small_public_list():
    import al2_keras

    assert len(al2_keras.__all__) <= 20
    assert all(hasattr(al2_keras, name) for name in al2_keras.__all__)
    assert {"AL2", "AL2Scheduler", "ProgressiveSchedule", "StableSchedule", "insert_al2", "bound_head",
            "trunk_model", "head_model", "small_net", "losses"} <= set(al2_keras.__all__)
    assert not {"training", "datasets", "results", "reports", "cli", "paper"} & set(al2_keras.__all__)


@pytest.mark.parametrize("old, new", [("al2_keras.training", "al2_keras.experiments.training"),
                                      ("al2_keras.results", "al2_keras.experiments.results")])
def test_a_moved_module_keeps_its_former_import_path_with_a_deprecation_warning(old, new):
    import importlib
    import sys

    for name in [name for name in sys.modules if name == old or name.startswith(old + ".")]:
        del sys.modules[name]
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated; use {new}"):
        former = importlib.import_module(old)
    assert former is importlib.import_module(new) and former.__spec__.name == new


def test_a_moved_name_keeps_its_former_attribute_with_a_deprecation_warning():
    import al2_keras
    from al2_keras.experiments.analysis import cumulative_ablation

    with pytest.warns(DeprecationWarning, match="al2_keras.cumulative_ablation is deprecated; use al2_keras.exp"):
        assert al2_keras.cumulative_ablation is cumulative_ablation
