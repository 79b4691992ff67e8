"""Lazy imports (inside functions) exist only where they buy something, and say
what: each group carries a one-line comment right above it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "buildamp"
# Files exempt from the rule (none: keep it that way).
PENDING: set[str] = set()


def test_every_lazy_import_says_why() -> None:
    silent = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in PENDING:
            continue
        lines = path.read_text(encoding="utf-8").split("\n")
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for item in ast.walk(node):
                if not isinstance(item, ast.Import | ast.ImportFrom):
                    continue
                above = lines[item.lineno - 2].strip()
                if "#" in lines[item.lineno - 1] or above.startswith(("#", "import ", "from ")):
                    continue
                if relative == "__init__.py":
                    continue  # ``domain``/``migration`` on first use: the module docstring says why
                silent.append(f"{relative}:{item.lineno}: {lines[item.lineno - 1].strip()}")
    assert silent == []
