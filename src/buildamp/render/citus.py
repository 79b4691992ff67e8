"""Citus rendering (``distribution = "citus"``): the migration that creates a
table also distributes it by ``host`` (or makes it a reference table).

Everything else renders as for plain PostgreSQL: Citus propagates ALTER TABLE,
CREATE INDEX (also CONCURRENTLY) and ADD CONSTRAINT ... NOT VALID + VALIDATE
CONSTRAINT to the shards. The key rules themselves live in :mod:`buildamp.pg.citus`.
"""

from __future__ import annotations

from buildamp.model.errors import Location, PlanError
from buildamp.model.schema import Schema
from buildamp.pg.citus import UNSAFE_TRIGGERS, colocation_anchor, distribute_sql, key_problems
from buildamp.plan import ops as o
from buildamp.render.step import RenderOptions, Step

# Inside a transaction that already touched a reference table, Citus refuses
# to distribute in parallel ("cannot ... in this transaction"): sequential
# mode is Citus's documented remedy; creations run on empty tables, so it is cheap.
SEQUENTIAL = Step("SET LOCAL citus.multi_shard_modify_mode TO 'sequential'")


def colocate_with(old: Schema, operations: list[o.Operation]) -> str | None:
    """The colocation anchor for this migration: the first existing tenant table
    by name, else the first tenant table this migration creates."""
    anchor = colocation_anchor(list(old.tables))
    if anchor is not None:
        return anchor
    created = [op.table for op in operations if isinstance(op, o.CreateTable)]
    return next((t.name for t in created if t.tenant), None)


def citus_steps(op: o.Operation, steps: list[Step], options: RenderOptions) -> list[Step]:
    """``steps`` (the plain rendering of ``op``) adjusted for Citus: after
    CREATE TABLE, the distribution call. An updated_at trigger on a Citus
    (distributed or reference) table needs ``citus.enable_unsafe_triggers``;
    it only sets NEW.updated_at, row-local, so it is safe on a shard."""
    if not isinstance(op, o.CreateTable):
        return steps
    table = op.table
    anchor = options.colocate_with if options.colocate_with != table.name else None
    extra = [SEQUENTIAL]
    if table.touch_updated_at:
        extra.append(Step(f"SET LOCAL {UNSAFE_TRIGGERS} TO on"))
    extra.append(Step(distribute_sql(table, anchor)))
    return [steps[0], *extra, *steps[1:]]


def check_plan(old: Schema, new: Schema) -> None:
    """Refuse what Citus cannot do, before anything is written: a distributed
    table whose keys lack ``host``, or an existing table that would have to
    change its distribution (tenant on/off, or a project switched to Citus
    after its tables were created)."""
    for table in new.tables:
        where = Location(table.source or table.name)
        problems = key_problems(table)
        if problems:
            raise PlanError(
                f'distribution = "citus": {"; ".join(problems)}',
                where,
                "Citus enforces uniqueness per shard, so every key of a distributed "
                'table must contain host; drop unique = "global" or set tenant = false',
            )
        before = old.table(table.name)
        if before is None:
            continue
        if before.tenant != table.tenant or before.primary_key != table.primary_key:
            raise PlanError(
                f'distribution = "citus": {table.name} exists with primary key '
                f"({', '.join(before.primary_key)}) and tenant = {str(before.tenant).lower()}; "
                "changing a table's distribution is not generated",
                where,
                "set distribution before the first migration, or model a new table and "
                "copy the rows; converting existing tables is not generated (docs/sharding.md)",
            )
