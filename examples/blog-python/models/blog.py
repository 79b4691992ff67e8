"""The blog example's models in Python: the same schema as ``examples/blog``'s Rust."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Annotated

from buildamp import domain, migration


@domain(storage="jsonb", indexes=["author_id, created_at DESC"])
@dataclass
class Comment:
    id: str
    text: str
    author_id: Annotated[str, migration(index=True)]
    created_at: int


class UserStatus(enum.Enum):
    Active = "Active"
    Suspended = "Suspended"
    Deleted = "Deleted"


@domain(table="users", indexes=["created_at DESC"])
@dataclass
class User:
    id: str
    email: Annotated[str, migration(default="''", not_null=True)]
    display_name: str
    username: Annotated[str, migration(unique=True)]
    status: UserStatus
    computed_field: Annotated[str, migration(ignore=True)]
