"""Schemas reduced to what a database can tell, so that two of them compare
equal exactly when they would build the same database: the snapshot's (it keeps
sources, hints and documents a catalog cannot hold) against a catalog read
(:mod:`buildamp.run.catalog`), for ``drift``, adoption, squash and the up/down/up
tests."""

from __future__ import annotations

from dataclasses import replace
from operator import attrgetter

from buildamp.model.schema import Column, Constraint, Enum, Index, IndexKey, Schema, Table
from buildamp.run.catalog import default_expression, expression, storage_of

_NAME = attrgetter("name")


def comparable(schema: Schema) -> Schema:
    """``schema`` reduced to what a database can tell, so that
    ``comparable(expected) == comparable(read_catalog(conn))`` means "same database".

    A part already in that form is kept as it is, so a schema read from the
    catalog passes through without a copy (``dataclasses.replace`` costs a few
    microseconds: tens of thousands of columns add up). A column or index key
    that many tables share (the catalog reader and the state cache share equal
    ones) is reduced once."""
    reduce = _Reducer(frozenset(enum.name for enum in schema.enums))
    return Schema(
        tables=tuple(sorted(map(reduce.table, schema.tables), key=_NAME)),
        enums=_enums(schema),
    )


def comparable_like(schema: Schema, read: Schema) -> Schema:
    """``comparable(schema)``, where ``read`` is a schema already in comparable
    form (a catalog read): a table of ``schema`` whose columns, keys, indexes,
    constraints, trigger, row-level security and comment equal those of
    ``read``'s table of that name reduces to exactly that table, so it is that
    table, checked in a few comparisons (by identity, where the catalog reader
    shared the columns). At head that is nearly every table: ``drift`` reduces
    only the ones that differ."""
    reduce = _Reducer(frozenset(enum.name for enum in schema.enums))
    tables = []
    for table in schema.tables:
        have = read.table(table.name)
        if (
            have is not None
            and have.columns == table.columns
            and have.primary_key == table.primary_key
            and have.indexes == table.indexes
            and have.constraints == table.constraints
            and have.touch_updated_at == table.touch_updated_at
            and have.rls == table.rls
            and have.comment == table.comment
        ):
            tables.append(have)
        else:
            tables.append(reduce.table(table))
    return Schema(
        tables=tuple(sorted(tables, key=_NAME)),
        enums=_enums(schema),
    )


def _enums(schema: Schema) -> tuple[Enum, ...]:
    return tuple(
        sorted((e if not e.source else replace(e, source="") for e in schema.enums), key=_NAME)
    )


class _Reducer:
    """:func:`comparable` for one schema: each column and index key object is
    reduced once, by ``id()`` (the schema keeps them all alive meanwhile)."""

    def __init__(self, enums: frozenset[str]) -> None:
        self.enums = enums
        self.columns: dict[int, Column] = {}
        self.keys: dict[int, IndexKey] = {}

    def table(self, table: Table) -> Table:
        try:  # every column seen before (most, where tables share them): a loop in C
            columns = tuple(map(self.columns.__getitem__, map(id, table.columns)))
        except KeyError:
            columns = tuple([self._column(column) for column in table.columns])
        indexes = tuple(sorted(map(self.index, table.indexes), key=_NAME))
        constraints = tuple(
            sorted((_comparable_constraint(c, self.enums) for c in table.constraints), key=_NAME)
        )
        storage = storage_of(columns)
        tenant = "host" in map(_NAME, columns)
        if (
            columns == table.columns  # the same objects when nothing changed: compared by identity
            and indexes == table.indexes
            and constraints == table.constraints
            and storage == table.storage
            and tenant == table.tenant
            and not table.document
            and not table.source
            and table.custom_sql is None
            and table.validate is None
        ):
            return table
        # every field named, cheaper than dataclasses.replace (a test fails when
        # Table gains a field this does not name)
        return Table(
            name=table.name,
            columns=columns,
            primary_key=table.primary_key,
            indexes=indexes,
            constraints=constraints,
            storage=storage,
            tenant=tenant,
            touch_updated_at=table.touch_updated_at,
            rls=table.rls,
            document=(),
            custom_sql=None,
            validate=None,
            source="",
            comment=table.comment,
        )

    def _column(self, column: Column) -> Column:
        done = self.columns.get(id(column))
        if done is None:
            done = self.columns[id(column)] = _comparable_column(column, self.enums)
        return done

    def index(self, index: Index) -> Index:
        try:
            keys = tuple(map(self.keys.__getitem__, map(id, index.keys)))
        except KeyError:
            keys = tuple([self._key(key) for key in index.keys])
        where = None if index.where is None else expression(index.where, self.enums)
        if keys == index.keys and where == index.where:
            return index
        return replace(index, keys=keys, where=where)

    def _key(self, key: IndexKey) -> IndexKey:
        done = self.keys.get(id(key))
        if done is None:
            done = key
            if not key.is_column:
                done = replace(key, expression=expression(key.expression, self.enums))
            self.keys[id(key)] = done
        return done


def _comparable_column(column: Column, enums: frozenset[str]) -> Column:
    default = default_expression(column.default, column.type, enums)
    if not column.deprecated and default == column.default:
        return column
    return replace(column, deprecated=False, default=default)


def _comparable_constraint(constraint: Constraint, enums: frozenset[str]) -> Constraint:
    columns = () if constraint.kind == "check" else constraint.columns
    text = constraint.expression
    normalized = None if text is None else expression(text, enums)
    if columns == constraint.columns and normalized == text:
        return constraint
    return replace(constraint, columns=columns, expression=normalized)
