"""BuildAmp: domain model types -> PostgreSQL schema and safe migrations.

``domain`` and ``migration`` load on first use, and nothing is imported here
(not even ``typing``, ~10 ms), so ``import buildamp`` (done by the CLI on every
start, before ``buildamp --help`` is printed) stays free.
"""

from __future__ import annotations

# typing.TYPE_CHECKING without importing typing; mypy reads this name the same way
TYPE_CHECKING = False

__version__ = "0.1.0"

__all__ = ["__version__", "domain", "migration"]

if TYPE_CHECKING:
    from typing import Any

    from buildamp.markers import domain, migration


def __getattr__(name: str) -> Any:
    if name in ("domain", "migration"):
        from buildamp import markers

        return getattr(markers, name)
    raise AttributeError(f"module 'buildamp' has no attribute {name!r}")
