"""Citus facts (``distribution = "citus"``): tenant tables are distributed by
``host``, ``tenant = false`` tables are reference tables.

Citus's documented restrictions this module encodes (docs.citusdata.com,
"Table Management" / "Creating and Modifying Distributed Objects (DDL)"):

* every PRIMARY KEY and UNIQUE constraint or index of a distributed table
  contains the distribution column, because uniqueness is enforced per shard;
* a foreign key between distributed tables includes the distribution column on
  both sides (in the same position), so each row's parent lives on its shard;
* a reference table may be referenced by any table but may not reference a
  distributed table;
* a distributed table is created as a plain table, then turned into shards by
  ``create_distributed_table`` in the same migration (``create_reference_table``
  for a reference table), before any foreign key that involves it.
"""

from __future__ import annotations

from buildamp.model.schema import Table
from buildamp.pg.sqltext import quote_ident, quote_literal

DISTRIBUTION_COLUMN = "host"
UNSAFE_TRIGGERS = "citus.enable_unsafe_triggers"


def distributed_primary_key(primary_key: tuple[str, ...]) -> tuple[str, ...]:
    """``(id)`` -> ``(host, id)``: the distribution column leads the primary key."""
    if DISTRIBUTION_COLUMN in primary_key:
        return primary_key
    return (DISTRIBUTION_COLUMN, *primary_key)


def key_problems(table: Table) -> list[str]:
    """Why ``table`` cannot be distributed by ``host`` as modelled (empty: it can).
    Reference tables (``tenant = false``) have no such rule."""
    if not table.tenant:
        return []
    problems: list[str] = []
    if DISTRIBUTION_COLUMN not in table.primary_key:
        keys = ", ".join(table.primary_key)
        problems.append(f"primary key ({keys}) of {table.name} does not contain host")
    for constraint in table.constraints:
        if constraint.kind == "unique" and DISTRIBUTION_COLUMN not in constraint.columns:
            problems.append(f"unique constraint {constraint.name} does not contain host")
    for index in table.indexes:
        columns = {key.expression for key in index.keys if key.is_column}
        if index.unique and DISTRIBUTION_COLUMN not in columns:
            problems.append(f"unique index {index.name} does not contain host")
    return problems


def distribute_sql(table: Table, colocate_with: str | None) -> str:
    """The call that turns a just-created table into shards (or a reference table)."""
    name = quote_literal(quote_ident(table.name))
    if not table.tenant:
        return f"SELECT create_reference_table({name})"
    colocate = quote_literal(quote_ident(colocate_with) if colocate_with else "default")
    column = quote_literal(DISTRIBUTION_COLUMN)
    return f"SELECT create_distributed_table({name}, {column}, colocate_with => {colocate})"


def colocation_anchor(tables: list[Table]) -> str | None:
    """The table every distributed table is colocated with: the first tenant
    table by name among those that already exist (else among the new ones), so
    the choice never changes once made while that table lives."""
    tenant = sorted(t.name for t in tables if t.tenant)
    return tenant[0] if tenant else None
