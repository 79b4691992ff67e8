"""Keys of a table distributed by Citus (``distribution = "citus"``), decided
where the model's locations are still known, so a refusal names the field."""

from __future__ import annotations

from buildamp.model.errors import ModelError
from buildamp.pg.citus import distributed_primary_key
from buildamp.sources.decl import StructDecl
from buildamp.sources.indexes import FieldPlan


def distributed_key(
    plans: list[FieldPlan], primary_key: tuple[str, ...], struct: StructDecl
) -> tuple[str, ...]:
    """The primary key of a tenant table under Citus: ``(host, id)``. A
    ``unique = "global"`` field is refused: Citus enforces uniqueness per shard,
    so a unique key without the distribution column cannot exist."""
    for plan in plans:
        if plan.options.values.get("unique") == "global":
            raise ModelError(
                f'field {struct.name}.{plan.decl.name}: unique = "global" is impossible on a '
                'table distributed by host (distribution = "citus")',
                plan.options.where("unique", plan.decl.location),
                "Citus enforces uniqueness per shard: use unique = true (per tenant), or "
                "tenant = false to make the table a reference table",
            )
    return distributed_primary_key(primary_key)
