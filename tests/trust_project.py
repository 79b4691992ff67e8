"""A throwaway project for issue-15 tests: models in, migrations generated,
applied to a real database with rows, rolled back, read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from buildamp.cli.generate import GenerateResult, generate
from buildamp.files.config import load_config
from buildamp.pg.database import connect
from buildamp.run.apply import apply, rollback

SILENT = lambda _line: None  # noqa: E731


class Project:
    """One project folder with one Rust model file (or Python, by file name)."""

    def __init__(
        self,
        root: Path,
        url: str,
        online: bool,
        extra_config: str = "",
        file: str = "shop_domain.rs",
    ) -> None:
        self.root, self.url, self.file = root, url, file
        (root / "models").mkdir(parents=True)
        flag = "true" if online else "false"
        (root / "buildamp.toml").write_text(
            f'models = ["models"]\nonline = {flag}\nbatch_size = 50\n{extra_config}'
        )

    @property
    def config(self) -> Any:
        return load_config(self.root)

    def models(self, text: str) -> None:
        (self.root / "models" / self.file).write_text(text)

    def generate(self, text: str | None = None, **options: Any) -> GenerateResult:
        if text is not None:
            self.models(text)
        return generate(self.config, allow_destructive=True, **options)

    def apply(self) -> list[str]:
        return apply(self.config, self.url, report=SILENT)

    def rollback(self) -> list[str]:
        return rollback(self.config, self.url, report=SILENT)

    def sql(self, statement: str) -> None:
        with connect(self.url, autocommit=True) as conn:
            conn.execute(statement.encode())

    def rows(self, query: str) -> list[tuple[Any, ...]]:
        with connect(self.url, autocommit=True) as conn:
            return [tuple(row) for row in conn.execute(query.encode()).fetchall()]

    def value(self, query: str) -> Any:
        return self.rows(query)[0][0]


def both_modes() -> list[bool]:
    return [False, True]
