"""Enum types: create, drop, change values."""

from __future__ import annotations

from dataclasses import dataclass, replace

from buildamp.model.schema import Enum
from buildamp.plan.ops.base import Op, State


@dataclass(frozen=True)
class CreateEnum(Op):
    enum: Enum

    def invert(self) -> DropEnum:
        return DropEnum(enum=self.enum)

    def apply(self, state: State) -> None:
        state.enums[self.enum.name] = self.enum

    def describe(self) -> str:
        return f"Enum: {self.enum.name} - created"

    def tables(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class DropEnum(Op):
    enum: Enum

    def invert(self) -> CreateEnum:
        return CreateEnum(enum=self.enum)

    def apply(self, state: State) -> None:
        state.enums.pop(self.enum.name, None)

    def describe(self) -> str:
        return f"Enum: {self.enum.name} - dropped"

    def tables(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class AlterEnum(Op):
    """Values changed. Pure additions render as ``ADD VALUE`` (unless ``recreate``);
    anything else recreates the type and re-casts the columns using it
    (destructive when values are removed)."""

    old: Enum
    new: Enum
    usages: tuple[tuple[str, str, str | None], ...]  # (table, column, default) using it
    recreate: bool = False  # ``enum_migration = "recreate"``: even pure additions recreate

    @property
    def additive(self) -> bool:
        remaining = iter(self.new.values)
        return all(value in remaining for value in self.old.values)

    def invert(self) -> AlterEnum:
        return replace(self, old=self.new, new=self.old)

    def apply(self, state: State) -> None:
        state.enums[self.new.name] = self.new

    def describe(self) -> str:
        if self.additive:
            return f"Enum: {self.new.name} - values changed"
        return f"Enum: {self.new.name} - values changed (DESTRUCTIVE)"

    def tables(self) -> tuple[str, ...]:
        return ()

    def is_destructive(self) -> bool:
        return not self.additive
