"""The migration history, read without changing anything.

``--status``, ``--dry-run`` and the checks before a rollback only need to know
what is applied: they must work on a read-only role or a replica and create
nothing (no history table, no progress schema) where buildamp never ran.
"""

from __future__ import annotations

from buildamp.run.history import Applied, History


def read_applied(url: str, schema: str | None = None) -> list[Applied]:
    """Rows of the history table in version order; empty when there is none.
    The session is read-only, so nothing here can write by mistake; the rows
    are read by the one history class (direction, ``buildamp_schema``)."""
    # loaded on use: commands that do not need it never import it
    from buildamp.pg.database import connect

    with connect(url, autocommit=True) as conn:
        conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        rows = History(conn, schema).rows()
    return sorted(rows, key=lambda row: int(row.version))
