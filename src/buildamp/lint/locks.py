"""Lock risk of a migration file: which existing tables it takes a strong lock on.

Shown by ``migrate --apply/--rollback --dry-run`` next to each migration's SQL,
so a reviewer sees at a glance what traffic the migration may block. Reuses the
lint engine's walk, so "existing" means the same thing as in rule BA003.
"""

from __future__ import annotations

from buildamp.lint.engine import _advance, _tx_kind
from buildamp.lint.rules import LintState, _strong_lock
from buildamp.model.errors import Location, StateError


def strongly_locked_tables(text: str, path: str, created: set[str] | None = None) -> list[str]:
    """Existing tables (in file order, once each) a statement of ``text`` locks
    against writes or reads; tables created earlier in the file (or in
    ``created``, earlier in the plan) do not count. Tables this file creates are
    added to ``created``."""
    # loaded on use: commands that do not need it never import it
    import pglast

    try:
        statements = pglast.parse_sql(text)
    except pglast.parser.ParseError as error:
        raise StateError(f"migration does not parse: {error.args[0]}", Location(path)) from None
    state = LintState(implicit_tx=not any(_tx_kind(raw.stmt) == "begin" for raw in statements))
    state.new_tables.update(created or ())
    found: list[str] = []
    for raw in statements:
        target = _strong_lock(raw.stmt, state)
        if target and target not in found:
            found.append(target)
        _advance(raw.stmt, state)
    if created is not None:
        created.update(state.new_tables)
    return found
