"""BuildAmp: domain model types -> PostgreSQL schema and safe migrations.

``domain`` and ``migration`` load on first use, so ``import buildamp`` (done by
the CLI on every start) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "domain", "migration"]

if TYPE_CHECKING:
    from buildamp.markers import domain, migration


def __getattr__(name: str) -> Any:
    if name in ("domain", "migration"):
        from buildamp import markers

        return getattr(markers, name)
    raise AttributeError(f"module 'buildamp' has no attribute {name!r}")
