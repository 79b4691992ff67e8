"""Fuzz the Elm reader and the whole pipeline behind it: broken input is a located
ModelError (exit 2 at the command line, no traceback, nothing written), never a crash."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildamp.cli.main import main
from buildamp.model.errors import ModelError
from buildamp.sources.build import BuildSettings, build_models
from buildamp.sources.elm import read_elm_source
from tests import fuzz_edits

PATH = "models/Schema/Thing.elm"
GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "elm_buildamp" / "steps" / "01"

VALID_SOURCES = [
    (GOLDEN / "models" / "Schema" / name).read_text()
    for name in ("Guest.elm", "MicroblogItem.elm", "ItemComment.elm", "Tag.elm")
] + [
    """\
module Schema.Thing exposing (..)

import Interface.Schema exposing (..)


{-| A thing.

@table name=things indexes=["title", "made DESC"] tenant=false

-}
type alias Thing =
    { id : DatabaseId Int
    , title : String -- @default "''" @index @renameFrom name
    , made : CreateTimestamp -- @compositeIndex ["title", "made"]
    , code : String -- @unique global @sqlType "varchar(20)"
    , pair : ( Int, Maybe (List Float) )
    }
"""
]

TOKENS = [
    "{-|",
    "{-",
    "-}",
    "--",
    " -- @",
    "@table ",
    "@unique",
    "@default ",
    "@renameFrom",
    "@compositeIndex [",
    "=",
    '"',
    "\\",
    "[",
    "]",
    ",",
    "(",
    ")",
    "{",
    "}",
    "|",
    ":",
    "->",
    "\n",
    "type alias ",
    "type ",
    "module ",
    "import ",
    "Maybe ",
    "List ",
    "DatabaseId ",
    "ForeignKey ",
    "SoftDelete",
    "a",
    "Int",
    "é",
    "\x00",
    "\t",
    "\ufeff",
    "\U0001d518",
]


def mutated_sources() -> st.SearchStrategy[bytes | str]:
    return fuzz_edits.mutated_sources(VALID_SOURCES, TOKENS, "=(,[{:@-")


def test_valid_sources_build() -> None:
    """Together: ItemComment's and ItemTag's references need their target models."""
    sources = [
        read_elm_source(src, f"models/Schema/M{i}.elm") for i, src in enumerate(VALID_SOURCES)
    ]
    assert len(build_models(sources, BuildSettings(Path("."))).schema.tables) == 6


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_sources())
def test_mutations_give_located_model_errors(src: bytes | str) -> None:
    """Reading and building (the whole shared pipeline) fail only with a located error."""
    try:
        build_models([read_elm_source(src, PATH)], BuildSettings(Path(".")))
    except ModelError as err:
        assert err.location is not None and err.location.file == PATH, str(err)
        text = src.decode("utf-8", "replace") if isinstance(src, bytes) else src
        assert 0 <= err.location.line <= text.count("\n") + 2, str(err)
        if err.location.line:
            assert err.location.column >= 1
            assert f"{PATH}:{err.location.line}:" in str(err)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(src=mutated_sources())
def test_cli_exit_2_without_traceback_and_nothing_written(src: bytes | str, tmp_path: Path) -> None:
    project = tmp_path / "fuzz"
    (project / "models" / "Schema").mkdir(parents=True, exist_ok=True)
    (project / "buildamp.toml").write_text('models = ["models"]\n')
    model = project / PATH
    model.write_bytes(src if isinstance(src, bytes) else src.encode("utf-8", "surrogatepass"))
    for stale in (
        (project / "migrations").rglob("*.sql") if (project / "migrations").exists() else ()
    ):
        stale.unlink()
    state = project / ".buildamp" / "schema_state.json"
    state.unlink(missing_ok=True)
    env = {"BUILDAMP_NO_CACHE": "1"}
    result = CliRunner().invoke(main, ["-C", str(project), "migrate", "--generate"], env=env)
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 2), result.output
    written = (
        list((project / "migrations").rglob("*.sql")) if (project / "migrations").exists() else []
    )
    if result.exit_code == 2:
        assert f"{PATH}:" in result.output or "models/" in result.output, result.output
        assert not written and not state.exists()
