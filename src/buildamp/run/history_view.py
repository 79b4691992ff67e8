"""The migration history, read without changing anything.

``--status``, ``--dry-run`` and the checks before a rollback only need to know
what is applied: they must work on a read-only role or a replica and create
nothing (no history table, no progress schema) where buildamp never ran.
"""

from __future__ import annotations

from buildamp.run.executor import HISTORY_TABLE, Applied


def read_applied(url: str) -> list[Applied]:
    """Rows of the history table in version order; empty when there is none.
    The session is read-only, so nothing here can write by mistake."""
    # loaded on use: commands that do not need it never import it
    from buildamp.pg.database import connect

    with connect(url, autocommit=True) as conn:
        conn.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (HISTORY_TABLE,)).fetchone()
        if not exists or not exists[0]:
            return []
        rows = conn.execute(
            f"SELECT version, name, checksum, post_total, post_done FROM {HISTORY_TABLE} "
            "ORDER BY version"
        ).fetchall()
    return sorted((Applied(*row) for row in rows), key=lambda row: int(row.version))
