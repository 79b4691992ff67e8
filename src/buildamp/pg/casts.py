"""Which explicit casts PostgreSQL has (``value::type``), for buildamp's
canonical type spellings. Used to tell, without a database, whether the plain
cast a rollback would fall back on can run at all.

Conservative: a pair not known here counts as missing, so generation asks for
``convert_back_sql`` rather than writing a rollback PostgreSQL refuses.
"""

from __future__ import annotations

from buildamp.pg.sqltext import NUMERIC_TYPES as _NUMBERS

_STRINGS = frozenset({"TEXT", "VARCHAR", "CHAR"})
_DATETIMES = frozenset({"DATE", "TIMESTAMP", "TIMESTAMPTZ"})
# (source, target) families with a built-in cast, beyond the ones above
_PAIRS = frozenset(
    {
        ("BOOLEAN", "INTEGER"),
        ("INTEGER", "BOOLEAN"),
        ("TIMESTAMP", "TIME"),
        ("TIMESTAMPTZ", "TIME"),
        ("INTERVAL", "TIME"),
        ("TIME", "INTERVAL"),
        ("JSON", "JSONB"),
        ("JSONB", "JSON"),
        ("JSONB", "BOOLEAN"),
        ("INET", "CIDR"),
        ("CIDR", "INET"),
    }
)


def _base(type_name: str) -> str:
    return type_name.split("(")[0].strip()


def cast_exists(source: str, target: str) -> bool:
    """``x::target`` works for an ``x`` of type ``source`` (values may still fail)."""
    if source == target:
        return True
    if source.endswith("[]") or target.endswith("[]"):
        return False
    s, t = _base(source), _base(target)
    if s == t:
        return True
    # every type converts to and from text through its input/output functions
    if s in _STRINGS or t in _STRINGS:
        return True
    if s.islower() or t.islower():  # enums: only through text
        return False
    if s in _NUMBERS and t in _NUMBERS:
        return True
    if s in _DATETIMES and t in _DATETIMES:
        return True
    if s == "JSONB" and t in _NUMBERS:
        return True
    return (s, t) in _PAIRS
