"""Tables distributed by Citus (``distribution = "citus"``): their keys, decided
while the model's locations are still known, so a refusal names the field."""

from __future__ import annotations

from dataclasses import replace

from buildamp.model.errors import Location, ModelError
from buildamp.model.schema import Table
from buildamp.pg.citus import distributed_primary_key
from buildamp.sources.decl import StructDecl
from buildamp.sources.indexes import FieldPlan


def refuse_global_unique(plans: list[FieldPlan], struct: StructDecl) -> None:
    """A ``unique = "global"`` field cannot exist on a distributed table: Citus
    enforces uniqueness per shard, so a unique key must contain ``host``."""
    for plan in plans:
        if plan.options.values.get("unique") == "global":
            raise ModelError(
                f'field {struct.name}.{plan.decl.name}: unique = "global" is impossible on a '
                'table distributed by host (distribution = "citus")',
                plan.options.where("unique", plan.decl.location),
                "Citus enforces uniqueness per shard: use unique = true (per tenant), or "
                "tenant = false to make the table a reference table",
            )


def distribute_tables(tables: dict[str, Table]) -> dict[str, Table]:
    """Every tenant table keyed ``(host, id)``; done after foreign keys are
    resolved (they pair ``host`` with ``host`` already), dropping a unique
    constraint the new primary key makes redundant. A reference table
    (``tenant = false``) may not reference a distributed one."""
    result: dict[str, Table] = {}
    for name, table in tables.items():
        for constraint in table.constraints:
            target = tables.get(constraint.references or "")
            if constraint.kind == "foreign_key" and not table.tenant and target and target.tenant:
                raise ModelError(
                    f"{name} (tenant = false, a Citus reference table) references tenant "
                    f"table {target.name}, which is distributed by host",
                    Location(table.source or name),
                    "Citus reference tables cannot reference distributed tables: make "
                    f"{name} a tenant table, or reverse the reference",
                )
        if not table.tenant:
            result[name] = table
            continue
        key = distributed_primary_key(table.primary_key)
        kept = tuple(
            c for c in table.constraints if not (c.kind == "unique" and set(c.columns) == set(key))
        )
        result[name] = replace(table, primary_key=key, constraints=kept)
    return result
