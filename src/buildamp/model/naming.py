"""Names of tables, indexes and constraints, made the same way everywhere."""

from __future__ import annotations

import functools
import hashlib
import re

MAX_IDENTIFIER = 63  # PostgreSQL's NAMEDATALEN - 1, in bytes


_ACRONYM_END = re.compile(r"([A-Z]+)([A-Z][a-z])")
_WORD_START = re.compile(r"([a-z0-9])([A-Z])")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=4096)
def snake_case(name: str) -> str:
    """``ItemComment`` -> ``item_comment``; ``HTTPLog`` -> ``http_log``."""
    step = _ACRONYM_END.sub(r"\1_\2", name)
    step = _WORD_START.sub(r"\1_\2", step)
    return step.replace("-", "_").lower()


def camel_case(name: str) -> str:
    """``rename_from`` -> ``renameFrom``: an option as an Elm tag spells it."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def pluralize(word: str) -> str:
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + "s"


def table_name_for(struct_name: str) -> str:
    """``Comment`` -> ``comments``, ``ItemComment`` -> ``item_comments``,
    ``Category`` -> ``categories``."""
    parts = snake_case(struct_name).split("_")
    parts[-1] = pluralize(parts[-1])
    return "_".join(parts)


@functools.lru_cache(maxsize=4096)
def _slug(text: str) -> str:
    return _NOT_SLUG.sub("_", text.lower()).strip("_")


def fit_identifier(name: str) -> str:
    """Cut a name to 63 bytes with a short stable hash so two long names never clash."""
    if len(name.encode()) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    keep = name.encode()[: MAX_IDENTIFIER - 9].decode(errors="ignore").rstrip("_")
    return f"{keep}_{digest}"


def object_name(prefix: str, table: str, parts: list[str] | tuple[str, ...]) -> str:
    """``idx_<table>_<cols>``, ``unique_<table>_<cols>``, ``chk_<table>_<col>_...``."""
    body = "_".join(slug for slug in map(_slug, parts) if slug)
    return fit_identifier(f"{prefix}_{table}_{body}" if body else f"{prefix}_{table}")


def word_pattern(name: str) -> str:
    """A regex matching ``name`` as a whole identifier, not part of another one."""
    return rf'(?<![\w"]){re.escape(name)}(?![\w"])'


def mentions(text: str | None, column: str) -> bool:
    """Whether an index key or predicate refers to ``column``."""
    return text is not None and re.search(word_pattern(column), text) is not None
