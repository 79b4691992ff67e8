"""Column types and catalog-normalised defaults the random-schema tests draw
from (diff properties and the evolution state machine share them)."""

from __future__ import annotations

ENUM_TYPE = "status"
COLUMN_TYPES = (
    "TEXT",
    "INTEGER",
    "BIGINT",
    "BOOLEAN",
    "DOUBLE PRECISION",
    "NUMERIC(20,0)",
    "TIMESTAMPTZ",
    "JSONB",
    ENUM_TYPE,
)
RAW_DEFAULTS: dict[str, tuple[str, ...]] = {
    "TEXT": ("''", "'hello'"),
    "INTEGER": ("0", "-1", "7"),
    "BIGINT": ("0", "42"),
    "BOOLEAN": ("false", "true"),
    "DOUBLE PRECISION": ("1.5", "0"),
    "NUMERIC(20,0)": ("0", "10"),
    "TIMESTAMPTZ": ("now()",),
    "JSONB": ("'{}'::jsonb",),
    ENUM_TYPE: ("'active'", "'paused'"),
}
DOCUMENT_TYPES = ("TEXT", "BIGINT", "BOOLEAN")
