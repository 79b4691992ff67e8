"""The package's layers, enforced: imports point down only and never form a cycle.

Every import counts, including the lazy ones inside functions and those under
``TYPE_CHECKING``: a lazy import that points up is still a wrong-way dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "buildamp"

# Top to bottom. A module may import its own layer and the layers below it.
LAYERS = [
    "cli",  # commands: parse flags, orchestrate, print
    "run",  # executor, history, batches, catalog, drift: talks to the database
    "events",  # bus, audit log, webhooks
    "lint",  # lock-hazard rules over SQL text
    "sources",  # Rust / Python readers -> declarations -> tables
    "files",  # migration files, directives, sum file, snapshot, config
    "render",  # ops -> SQL steps, plain and online
    "plan",  # ops, diff, replay
    "cache",  # one content-addressed store
    "pg",  # PostgreSQL facts, parser helpers, connections
    "model",  # schema dataclasses, naming, errors
]
# The public user API (``from buildamp import domain``; ``buildamp.types``) sits
# at the bottom: user model files import it, so it imports nothing of ours.
BOTTOM = {"buildamp", "buildamp.markers", "buildamp.types"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, name: str, known: set[str]) -> Iterator[tuple[str, int]]:
    """Every buildamp module ``path`` imports, with the line of the import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "buildamp":
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if base.split(".")[0] != "buildamp":
                continue
            for alias in node.names:
                child = f"{base}.{alias.name}"
                yield (child if child in known else base), node.lineno


def layer_of(module: str) -> int:
    if module in BOTTOM or module == "buildamp.__main__":
        return len(LAYERS) if module in BOTTOM else -1
    top = module.split(".")[1]
    return LAYERS.index(top)


def graph() -> dict[str, set[tuple[str, int]]]:
    mods = modules()
    known = set(mods)
    return {name: set(imports_of(path, name, known)) for name, path in mods.items()}


def test_every_module_belongs_to_a_layer() -> None:
    strays = [
        m
        for m in modules()
        if m not in BOTTOM and m != "buildamp.__main__" and m.split(".")[1] not in LAYERS
    ]
    assert strays == [], f"modules outside the layer folders: {strays}"


def test_imports_point_down_only() -> None:
    wrong = []
    for module, targets in graph().items():
        for target, line in targets:
            if target in BOTTOM and module != "buildamp" and target == "buildamp":
                continue  # ``import buildamp`` for __version__
            if layer_of(target) < layer_of(module):
                wrong.append(f"{module}:{line} imports {target} (a higher layer)")
    assert wrong == [], "\n".join(wrong)


def test_no_import_cycles() -> None:
    edges = {m: {t for t, _ in ts if t != m} for m, ts in graph().items()}
    # Importing ``buildamp`` itself only runs __init__ (lazy attributes), never a cycle.
    for targets in edges.values():
        targets.discard("buildamp")
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)


@pytest.mark.parametrize(
    ("source", "expect_wrong"),
    [
        ("from buildamp.cli.main import main\n", True),  # model importing cli: wrong way
        ("def f():\n    from buildamp.run import apply\n", True),  # lazy, still wrong
        ("from buildamp.model.naming import table_name\n", False),
    ],
)
def test_the_checker_catches_a_wrong_way_import(
    tmp_path: Path, source: str, expect_wrong: bool
) -> None:
    fake = tmp_path / "probe.py"
    fake.write_text(source)
    targets = {t for t, _ in imports_of(fake, "buildamp.model.probe", set(modules()))}
    wrong = [t for t in targets if layer_of(t) < layer_of("buildamp.model.probe")]
    assert bool(wrong) == expect_wrong
