"""Types that PostgreSQL extensions provide, so a migration can create the
extension (``extensions = [...]`` in config) before the first column using one."""

from __future__ import annotations

from collections.abc import Iterable

# extension -> the type names it adds (lower case); an extension not listed here
# is taken to add a type of its own name (citext -> citext)
EXTENSION_TYPES: dict[str, frozenset[str]] = {
    "citext": frozenset({"citext"}),
    "hstore": frozenset({"hstore"}),
    "ltree": frozenset({"ltree", "lquery", "ltxtquery"}),
    "postgis": frozenset({"geometry", "geography", "box2d", "box3d"}),
    "vector": frozenset({"vector", "halfvec", "sparsevec"}),
    "cube": frozenset({"cube"}),
    "isn": frozenset({"isbn", "isbn13", "issn", "issn13", "ean13", "ismn", "ismn13", "upc"}),
}


def type_base(type_name: str) -> str:
    """``VECTOR(3)[]`` -> ``vector``: the name an extension would register."""
    return type_name.split("(")[0].rstrip("[]").strip().lower()


def needed(extensions: Iterable[str], old_types: set[str], new_types: set[str]) -> list[str]:
    """Configured extensions whose types appear in ``new_types`` and not ``old_types``
    (both as :func:`type_base` names), in configuration order."""
    added = new_types - old_types
    return [e for e in extensions if EXTENSION_TYPES.get(e, frozenset({e})) & added]
