from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from buildamp import domain, migration
from buildamp.types import DatabaseId, ForeignKey


@domain
@dataclass
class Item:
    id: DatabaseId[str]
    title: str


@domain
@dataclass
class Tag:
    id: DatabaseId[str]
    name: str


@domain
@dataclass
class ItemTag:
    item_id: Annotated[ForeignKey[Item, str], migration(on_delete="cascade")]
    tag_id: Annotated[ForeignKey[Tag, str], migration(on_delete="cascade")]


@domain
@dataclass
class Note:
    text: str
