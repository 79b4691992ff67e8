"""Citus's documented restrictions, checked on migration SQL by parsing it
(pglast), independently of how buildamp renders it. No Citus server can be
installed here, so this is the referee for ``distribution = "citus"``.

From docs.citusdata.com ("Creating and Modifying Distributed Tables",
"Table Management", "Distributed DDL"):

1. every PRIMARY KEY / UNIQUE constraint / unique index of a distributed table
   contains the distribution column;
2. a foreign key between distributed tables includes the distribution column on
   both sides, at the same position (the tables are colocated);
3. reference tables are referenced, not referencing: no foreign key from a
   reference table to a distributed table;
4. a constraint added to a distributed table has a name (Citus cannot name it
   the same on every shard: "cannot create constraint without a name");
5. here additionally: each table is distributed or made a reference table in
   the migration that creates it, after its CREATE TABLE, colocated with
   ``default`` or a table already distributed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pglast
from pglast.enums import AlterTableType, ConstrType, ObjectType

KEYS = (ConstrType.CONSTR_PRIMARY, ConstrType.CONSTR_UNIQUE)


@dataclass
class _Table:
    keys: list[tuple[str, list[str]]] = field(default_factory=list)  # (what, columns)
    foreign: list[tuple[str, list[str], str, list[str]]] = field(default_factory=list)
    kind: str = "local"  # local | distributed | reference
    column: str | None = None


@dataclass
class CitusRules:
    tables: dict[str, _Table] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def check_file(self, sql: str, label: str) -> None:
        created: list[str] = []
        for raw in pglast.parse_sql(sql):
            self._statement(raw.stmt, label, created)
        for name in created:
            if name in self.tables and self.tables[name].kind == "local":
                self.problems.append(
                    f"{label}: {name} created but neither distributed nor reference"
                )

    # -- statements ----------------------------------------------------------

    def _statement(self, stmt: Any, label: str, created: list[str]) -> None:
        kind = type(stmt).__name__
        if kind == "CreateStmt":
            name = stmt.relation.relname
            self.tables[name] = _Table()
            created.append(name)
            for element in stmt.tableElts or ():
                if type(element).__name__ == "Constraint":
                    self._constraint(name, element, label)
                for constraint in getattr(element, "constraints", None) or ():
                    if constraint.contype in KEYS:  # inline PRIMARY KEY / UNIQUE
                        self._key(name, "inline key", [element.colname], label)
        elif kind == "IndexStmt" and stmt.unique:
            columns = [p.name for p in stmt.indexParams if p.name]
            self._key(stmt.relation.relname, f"unique index {stmt.idxname}", columns, label)
        elif kind == "AlterTableStmt":
            for cmd in stmt.cmds:
                if cmd.subtype == AlterTableType.AT_AddConstraint and cmd.def_ is not None:
                    table = stmt.relation.relname
                    if not cmd.def_.conname and self.tables.get(table, _Table()).kind != "local":
                        self.problems.append(f"{label}: unnamed constraint on {table}")
                    self._constraint(table, cmd.def_, label)
        elif kind == "DropStmt" and stmt.removeType == ObjectType.OBJECT_TABLE:
            for names in stmt.objects:
                self.tables.pop(names[-1].sval, None)
        elif kind == "SelectStmt" and stmt.targetList:
            for target in stmt.targetList:
                if type(target.val).__name__ == "FuncCall":
                    self._call(target.val, label, created)

    def _constraint(self, table: str, constraint: Any, label: str) -> None:
        if constraint.contype in KEYS:
            if constraint.indexname:  # ADD CONSTRAINT ... USING INDEX: checked at the index
                return
            columns = [k.sval for k in constraint.keys or ()]
            self._key(table, f"key {constraint.conname or ''}".strip(), columns, label)
        elif constraint.contype == ConstrType.CONSTR_FOREIGN:
            source = [k.sval for k in constraint.fk_attrs or ()]
            target = [k.sval for k in constraint.pk_attrs or ()]
            entry = (constraint.conname or "", source, constraint.pktable.relname, target)
            self.tables.setdefault(table, _Table()).foreign.append(entry)
            self._foreign(table, entry, label)

    def _key(self, table: str, what: str, columns: list[str], label: str) -> None:
        state = self.tables.setdefault(table, _Table())
        state.keys.append((what, columns))
        if state.kind == "distributed" and state.column not in columns:
            self.problems.append(f"{label}: {table} {what} lacks {state.column}: {columns}")

    def _foreign(
        self, table: str, entry: tuple[str, list[str], str, list[str]], label: str
    ) -> None:
        name, source, target_name, target = entry
        here, there = self.tables.get(table), self.tables.get(target_name)
        if here is None or there is None or here.kind == "local":
            return  # checked again when the table is distributed
        if there.kind == "local":
            self.problems.append(f"{label}: {table}.{name} references local table {target_name}")
        elif here.kind == "reference" and there.kind == "distributed":
            self.problems.append(
                f"{label}: reference table {table} references distributed {target_name}"
            )
        elif here.kind == "distributed" and there.kind == "distributed":
            column = here.column
            if (
                column not in source
                or column not in target
                or (source.index(column) != target.index(column))
            ):
                self.problems.append(
                    f"{label}: {table}.{name} {source} -> {target_name} {target} "
                    f"does not pair {column} with {column}"
                )

    def _call(self, call: Any, label: str, created: list[str]) -> None:
        function = call.funcname[-1].sval
        if function not in ("create_distributed_table", "create_reference_table"):
            return
        positional = [a.val.sval for a in call.args if type(a).__name__ == "A_Const"]
        named = {a.name: a.arg.val.sval for a in call.args if type(a).__name__ == "NamedArgExpr"}
        table = positional[0]
        if table not in created:
            self.problems.append(f"{label}: {function}({table}) outside its creating migration")
        state = self.tables.setdefault(table, _Table())
        if function == "create_reference_table":
            state.kind = "reference"
        else:
            state.kind, state.column = "distributed", positional[1]
            colocate = named.get("colocate_with", "default")
            if colocate != "default" and self.tables.get(colocate, _Table()).kind != "distributed":
                self.problems.append(f"{label}: {table} colocated with undistributed {colocate}")
            for what, columns in state.keys:
                if state.column not in columns:
                    self.problems.append(f"{label}: {table} {what} lacks {state.column}: {columns}")
        for entry in state.foreign:
            self._foreign(table, entry, label)
        for other, other_state in self.tables.items():  # keys declared towards this table
            for entry in other_state.foreign:
                if entry[2] == table and other != table:
                    self._foreign(other, entry, label)
