"""Live database vs schema state: every difference as one readable line."""

from __future__ import annotations

from dataclasses import replace

from buildamp.files.config import Config
from buildamp.model.schema import Constraint, Schema, Table


def compare(expected: Schema, live: Schema) -> list[str]:
    """Differences, ``expected`` being the snapshot and ``live`` the catalog
    (both already passed through :func:`buildamp.run.catalog.comparable`)."""
    lines: list[str] = []
    for enum in expected.enums:
        found = live.enum(enum.name)
        if found is None:
            lines.append(f"enum {enum.name}: missing in database")
        elif found.values != enum.values:
            lines.append(
                f"enum {enum.name}: values {list(found.values)}, expected {list(enum.values)}"
            )
    for enum in live.enums:
        if expected.enum(enum.name) is None:
            lines.append(f"enum {enum.name}: in database but not in schema state")
    for table in expected.tables:
        found_table = live.table(table.name)
        if found_table is None:
            lines.append(f"table {table.name}: missing in database")
        else:
            lines += _compare_table(table, found_table)
    for table in live.tables:
        if expected.table(table.name) is None:
            lines.append(f"table {table.name}: in database but not in schema state")
    return lines


def _compare_table(expected: Table, live: Table) -> list[str]:
    lines: list[str] = []
    name = expected.name
    live_columns = {c.name: c for c in live.columns}
    for column in expected.columns:
        found = live_columns.pop(column.name, None)
        if found is None:
            lines.append(f"column {name}.{column.name}: missing in database")
            continue
        for attribute in ("type", "not_null", "default", "identity"):
            want, have = getattr(column, attribute), getattr(found, attribute)
            if want != have:
                lines.append(
                    f"column {name}.{column.name}: {attribute} is {have!r}, expected {want!r}"
                )
    for extra in live_columns:
        lines.append(f"column {name}.{extra}: in database but not in schema state")
    if expected.primary_key != live.primary_key:
        lines.append(
            f"table {name}: primary key {live.primary_key}, expected {expected.primary_key}"
        )
    for kind, want_items, have_items in (
        ("index", expected.indexes, live.indexes),
        ("constraint", expected.constraints, live.constraints),
    ):
        have_by_name = {item.name: item for item in have_items}
        for item in want_items:
            found_item = have_by_name.pop(item.name, None)
            if found_item is None:
                lines.append(f"{kind} {item.name} on {name}: missing in database")
            elif isinstance(item, Constraint) and found_item == replace(item, valid=False):
                lines.append(
                    f"{kind} {item.name} on {name}: NOT VALID in database (an online "
                    "migration stopped before validating it; run ALTER TABLE "
                    f"{name} VALIDATE CONSTRAINT {item.name})"
                )
            elif found_item != item:
                lines.append(f"{kind} {item.name} on {name}: definition differs from schema state")
        for extra_name in have_by_name:
            lines.append(f"{kind} {extra_name} on {name}: in database but not in schema state")
    if expected.touch_updated_at != live.touch_updated_at:
        state = "missing" if expected.touch_updated_at else "unexpected"
        lines.append(f"trigger trg_{name}_updated_at: {state}")
    if expected.rls != live.rls:
        lines.append(f"table {name}: row-level security is {'off' if expected.rls else 'on'}")
    return lines


def drift_report(config: Config, url: str) -> list[str]:
    # the state reader: only when the state is read
    from buildamp.files.snapshot import load_snapshot
    from buildamp.pg.database import connect
    from buildamp.run.catalog import comparable, read_catalog

    expected = comparable(load_snapshot(config).schema)
    with connect(url) as conn:
        live = comparable(read_catalog(conn))
    return compare(expected, without_unmanaged(live, config.unmanaged))


def without_unmanaged(live: Schema, unmanaged: tuple[str, ...]) -> Schema:
    """``live`` minus the tables, indexes and enum types the config says buildamp
    leaves alone (``unmanaged``: what an adopted database holds but does not model)."""
    if not unmanaged:
        return live
    names = frozenset(unmanaged)
    return Schema(
        tables=tuple(
            replace(t, indexes=tuple(i for i in t.indexes if i.name not in names))
            for t in live.tables
            if t.name not in names
        ),
        enums=tuple(e for e in live.enums if e.name not in names),
    )
