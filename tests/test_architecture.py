"""The code's shape: areas import only those before them, no import cycle, short modules."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AREAS = ["core", "serving", "drawings", "numbers", "modelops", "review"]
PACKAGES = ["recognizer", "ml", "mnistsite"]
MAX_LINES = 350
TRAINING_SIDE = ("ml.training", "ml.promotion", "ml.measure", "ml.negatives", "tensorflow", "keras")


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Return every module `name` imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")[
                    : len(name.split(".")) - node.level + path.name.startswith("__init__")
                ]
                base = ".".join([*parts, base] if base else parts)
            names |= {base, *(f"{base}.{alias.name}" for alias in node.names)}
    return names


def _graph() -> dict[str, set[str]]:
    return {
        name: {t for t in _imports(name, path) if t in MODULES and t != name}
        for name, path in MODULES.items()
    }


def _area(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "recognizer" and parts[1] in AREAS else None


def test_areas_import_only_areas_before_them():
    wrong = [
        f"{name} imports {target}"
        for name, targets in _graph().items()
        if (area := _area(name))
        for target in targets
        if (other := _area(target)) and AREAS.index(other) > AREAS.index(area)
    ]
    assert wrong == []


def test_models_import_no_area():
    wrong = [
        f"{name} imports {target}"
        for name, targets in _graph().items()
        if name.startswith("recognizer.models")
        for target in targets
        if _area(target)
    ]
    assert wrong == []


@pytest.mark.parametrize("area", ["core", "serving", "drawings"])
def test_request_path_never_imports_training_code(area):
    wrong = [
        f"{name} imports {target}"
        for name, path in MODULES.items()
        if _area(name) == area
        for target in _imports(name, path)
        if target.startswith(TRAINING_SIDE)
    ]
    assert wrong == []


def test_no_import_cycle():
    graph, cycles, state = _graph(), [], {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                cycles.append(" -> ".join([*trail[trail.index(target) :], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_modules_are_short():
    long = {
        name: lines
        for name, path in MODULES.items()
        if (lines := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}
