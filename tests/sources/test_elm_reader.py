"""The Elm reader: BuildAmp's models as written, its vocabulary, tag comments,
located errors, the parse cache, and what the columns do on PostgreSQL."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from buildamp.cli.generate import generate
from buildamp.cli.main import main
from buildamp.cli.planning import load_models
from buildamp.files.config import Config, load_config
from buildamp.files.snapshot import read_snapshot
from buildamp.model.errors import ConfigError, ModelError, PlanError
from buildamp.run.comparable import comparable
from buildamp.sources.build import BuildSettings, build_models
from buildamp.sources.discover import read_sources
from buildamp.sources.elm import read_elm_source
from tests.helpers import apply_sql, catalog_of

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "elm_buildamp"
PATH = "models/Schema/Thing.elm"
HEAD = "module Schema.Thing exposing (..)\n\nimport Interface.Schema exposing (..)\n\n\n"


def _project(tmp_path: Path, files: dict[str, str], config: str = "") -> Path:
    project = tmp_path / "app"
    project.mkdir(parents=True, exist_ok=True)
    (project / "buildamp.toml").write_text('models = ["models"]\n' + config)
    for name, text in files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return project


def _thing(body: str) -> str:
    return HEAD + textwrap.dedent(body)


# -- the corpus ---------------------------------------------------------------


def test_buildamp_corpus_tables_and_value_types() -> None:
    config = load_config(GOLDEN)
    config = Config(
        project_dir=GOLDEN / "steps" / "01",
        table_names=config.table_names,
        source=config.source,
    )
    sources = read_sources(config)
    structs = {s.name: s for f in sources for s in f.structs}
    tables = sorted(name for name, s in structs.items() if s.is_domain)
    assert tables == ["Guest", "ItemComment", "ItemTag", "MicroblogItem", "Tag"]
    # API, SSE and list-view records sit beside the models and are not tables.
    for value_type in ("Request", "Response", "CommentItem", "NewCommentEvent", "ItemSummary"):
        assert not structs[value_type].is_domain
    # The framework's own Interface.Schema module declares nothing.
    assert not any(f.path.endswith("Interface/Schema.elm") and f.aliases for f in sources)
    enums = [e for f in sources for e in f.enums]
    assert [(e.name, e.variants, e.unit_only) for e in enums] == [
        ("ItemStatus", ("Draft", "Published", "Archived"), True)
    ]
    item = structs["MicroblogItem"]
    fields = {f.name: f for f in item.fields}
    assert str(fields["owner_comment"].type) == "RichContent"
    assert str(fields["link"].type) == "Option<Link<String>>"
    assert str(fields["view_count"].type) == "i32"
    assert [(o.key, o.value) for o in fields["view_count"].options] == [("default", "0")]
    assert str(fields["view_count"].location) == "models/Schema/MicroblogItem.elm:40:7"
    assert [(o.key, o.value) for o in item.options] == [("indexes", ("created_at DESC",))]
    join = structs["ItemTag"]
    assert [(o.key, o.value) for o in join.options] == [("primary_key", ("item_id", "tag_id"))]
    models = build_models(sources, BuildSettings(GOLDEN, table_names="singular"))
    assert [t.name for t in models.schema.tables] == [
        "guest",
        "item_comment",
        "item_tag",
        "microblog_item",
        "tag",
    ]


def test_vocabulary_columns() -> None:
    source = read_elm_source(
        _thing(
            """\
            type Mood
                = Happy
                | Sad


            type alias Thing =
                { thingId : DatabaseId String
                , tenant : Host
                , title : String -- @unique
                , count : Int
                , ratio : Float
                , ok : Bool
                , mood : Mood
                , notes : List String
                , labels : Set String
                , maybeNotes : Maybe (List String)
                , pair : ( Int, String )
                , scores : Dict String Int
                , stamp : Timestamp
                , made : CreateTimestamp
                , updatedAt : UpdateTimestamp
                , gone : SoftDelete
                , url : Link
                , body : RichContent
                , owner : ForeignKey Person String
                }


            type alias Person =
                { id : DatabaseId String }
            """
        ),
        PATH,
    )
    tables = build_models([source], BuildSettings(Path("."))).schema.tables
    table = next(t for t in tables if t.name == "things")
    columns = {c.name: c for c in table.columns}
    assert table.primary_key == ("thing_id",)
    assert columns["thing_id"].default == "CAST(gen_random_uuid() AS text)"
    assert "tenant" not in columns and columns["host"].type == "TEXT"
    assert columns["host"].not_null
    got = {name: (c.type, c.not_null, c.default) for name, c in columns.items()}
    assert got["count"] == ("INTEGER", True, None)
    assert got["ratio"] == ("DOUBLE PRECISION", True, None)
    assert got["ok"] == ("BOOLEAN", True, None)
    assert got["mood"] == ("mood", True, None)
    assert got["notes"] == ("JSONB", True, "'[]'")
    assert got["labels"] == ("JSONB", True, "'[]'")
    assert got["maybe_notes"] == ("JSONB", False, None)
    assert got["pair"][0] == got["scores"][0] == "JSONB"
    assert got["stamp"][0] == "BIGINT"
    assert got["made"] == ("TIMESTAMPTZ", True, "now()")
    assert got["updated_at"] == ("TIMESTAMPTZ", False, None)
    assert got["gone"] == ("BIGINT", False, None)
    assert got["url"] == ("TEXT", True, None)
    assert got["body"] == ("JSONB", True, None)
    assert got["owner"] == ("TEXT", True, None)
    assert table.touch_updated_at
    (unique,) = [i for i in table.indexes if i.unique]
    assert unique.name == "unique_things_title"
    assert [k.expression for k in unique.keys] == ["host", "title"]
    assert unique.where == "gone IS NULL"
    # the title's unique constraint became that index; what is left is the reference
    assert [(c.kind, c.columns) for c in table.constraints] == [("foreign_key", ("host", "owner"))]


def test_every_rust_option_is_a_tag(tmp_path: Path) -> None:
    source = read_elm_source(
        _thing(
            """\
            {-| Everything at once.

            @table name=stuff indexes=["title", "made DESC"] tenant=false renameFrom=old_stuff validate="SELECT count(*) = 0 FROM stuff WHERE title = ''" confirmDestructive=true

            -}
            type alias Thing =
                { id : DatabaseId Int
                , title : String -- @default "''" @notNull true @renameFrom fullName @index
                , made : CreateTimestamp -- @compositeIndex ["title", "made"]
                , n : Int -- @convertFrom "text" @convertSql "CAST(%s AS INTEGER)"
                , code : String -- @unique global @sqlType "varchar(20)" @confirmDestructive
                , old : Maybe String -- @deprecated
                , skip : String -- @ignore
                , fill : String -- @backfill "'x'" @enumMigration add_values
                }
            """
        ),
        PATH,
    )
    struct = source.structs[0]
    assert {o.key: o.value for o in struct.options} == {
        "name": "stuff",
        "indexes": ("title", "made DESC"),
        "tenant": False,
        "rename_from": "old_stuff",
        "validate": "SELECT count(*) = 0 FROM stuff WHERE title = ''",
        "confirm_destructive": True,
    }
    fields = {f.name: {o.key: o.value for o in f.options} for f in struct.fields}
    # the old field is named as Elm wrote it (camelCase) and found as its column
    assert fields["title"] == {
        "default": "''",
        "not_null": True,
        "rename_from": "full_name",
        "index": True,
    }
    assert fields["made"] == {"composite_index": ("title", "made")}
    assert fields["n"] == {"convert_from": "text", "convert_sql": "CAST(%s AS INTEGER)"}
    assert fields["code"] == {
        "unique": "global",
        "sql_type": "varchar(20)",
        "confirm_destructive": True,
    }
    assert fields["skip"] == {"ignore": True}
    table = build_models([source], BuildSettings(tmp_path)).schema.tables[0]
    assert table.name == "stuff" and not table.tenant
    assert "skip" not in {c.name for c in table.columns}
    assert {c.name: c.type for c in table.columns}["code"] == "VARCHAR(20)"


# -- errors -------------------------------------------------------------------

BAD = [
    (
        "type alias Thing =\n    { id : DatabaseId String\n    , name String\n    }\n",
        "Elm syntax error",
        8,
    ),
    (
        "type alias Thing =\n    { id : DatabaseId String\n    , name : String -- @uniqe\n    }\n",
        "unknown tag @uniqe on a table field",
        8,
    ),
    (
        "type alias Thing =\n    { id : DatabaseId String\n    , name : Strng\n    }\n",
        "unknown type Strng in field 'name'",
        8,
    ),
    (
        "type alias Thing =\n    { id : DatabaseId String\n    -- @unique\n    , name : String\n    }\n",
        "tag comment must follow a field on the same line",
        8,
    ),
    (
        "{-| @name things -}\ntype alias Thing =\n    { id : DatabaseId String }\n",
        "table option @name must be written inside the @table tag",
        6,
    ),
    (
        "{-| @table nam=things -}\ntype alias Thing =\n    { id : DatabaseId String }\n",
        "unknown table option `nam` in @table",
        6,
    ),
    (
        "{-| @table name things -}\ntype alias Thing =\n    { id : DatabaseId String }\n",
        "expected `key=value` in @table",
        6,
    ),
    (
        "{-| @table tenant=false -}\ntype alias Thing =\n    { name : String }\n",
        "table Thing has no primary key",
        7,
    ),
    (
        "{-| @table storage=rows -}\ntype alias Thing =\n    { id : DatabaseId String }\n",
        "option 'storage' on struct Thing must be one of columns, jsonb",
        6,
    ),
    (
        'type alias Thing =\n    { id : DatabaseId String\n    , n : String -- @default "a\\q"\n    }\n',
        "invalid escape",
        8,
    ),
    (
        "type alias Thing =\n    { id : DatabaseId String\n    , n : Int -- @index true false\n    }\n",
        "option 'index' on field Thing.n must be true or false, got 'true false'",
        8,
    ),
    (
        'type alias Thing =\n    { id : DatabaseId String\n    , n : Int -- @compositeIndex ["a" "b"]\n    }\n',
        "expected `,` between items of @compositeIndex",
        8,
    ),
    (
        "type alias Thing =\n    { id : DatabaseId String\n    , m : Maybe\n    }\n",
        "Maybe takes 1 type argument in field m, got 0",
        8,
    ),
    (
        "type alias Thing =\n    { id : DatabaseId String\n    , t : ForeignKey String\n    }\n",
        "ForeignKey takes 2 type arguments in field t, got 1",
        8,
    ),
    (
        "type alias Thing =\n    { id : DatabaseId String\n    , f : Int -> Int\n    }\n",
        "function type is not storable in field f",
        8,
    ),
    (
        'type alias Thing =\n    { id : DatabaseId String\n    , n : String -- @index "yes"\n    }\n',
        "option 'index' on field Thing.n must be true or false",
        8,
    ),
    (
        "type alias Thing =\n    { id : DatabaseId String\n    , n : String -- @renameFrom\n    }\n",
        "option 'renameFrom' on field Thing.n must be a string",
        8,
    ),
]


@pytest.mark.parametrize(("body", "message", "line"), BAD)
def test_errors_name_file_line_column(body: str, message: str, line: int, tmp_path: Path) -> None:
    with pytest.raises(ModelError) as error:
        source = read_elm_source(HEAD + body, PATH)
        build_models([source], BuildSettings(tmp_path))
    assert message in error.value.message
    location = error.value.location
    assert location is not None and location.file == PATH
    assert location.line == line and location.column >= 1


def test_module_doc_cannot_carry_table_options() -> None:
    text = "module Schema.Thing exposing (..)\n\n{-| Things.\n\n@table name=x\n-}\n\nimport A\n\n\ntype alias Thing =\n    { id : DatabaseId String }\n"
    with pytest.raises(ModelError, match="directly above its type alias") as error:
        read_elm_source(text, PATH)
    assert str(error.value.location) == f"{PATH}:5:1"


def test_cli_refuses_bad_elm_with_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            PATH: _thing(
                "type alias Thing =\n    { id : DatabaseId String\n    , n : Int -- @sorted\n    }\n"
            )
        },
    )
    result = CliRunner().invoke(main, ["-C", str(project), "migrate", "--generate"])
    assert result.exit_code == 2
    assert f"{PATH}:8:18: unknown tag @sorted" in result.output
    assert "Traceback" not in result.output
    assert not (project / "migrations").exists() or not list(
        (project / "migrations").rglob("*.sql")
    )


def test_non_table_records_keep_their_own_tags() -> None:
    source = read_elm_source(
        _thing(
            "type alias Request =\n    { text : Required (Trim String) -- @minLength 1 @maxLength 500\n    }\n"
        ),
        PATH,
    )
    assert not source.structs[0].is_domain and source.structs[0].fields[0].options == ()


# -- config ---------------------------------------------------------------------


def test_table_names_singular_and_plural(tmp_path: Path) -> None:
    files = {PATH: _thing("type alias MicroblogItem =\n    { id : DatabaseId String }\n")}
    plural = load_models(load_config(_project(tmp_path / "p", files)))
    singular = load_models(
        load_config(_project(tmp_path / "s", files, 'table_names = "singular"\n'))
    )
    assert [t.name for t in plural.schema.tables] == ["microblog_items"]
    assert [t.name for t in singular.schema.tables] == ["microblog_item"]
    bad = _project(tmp_path / "b", files, 'table_names = "dual"\n')
    with pytest.raises(ConfigError, match="table_names"):
        load_config(bad)


# -- on PostgreSQL ----------------------------------------------------------------


def test_framework_columns_on_postgres(tmp_path: Path, pg_url: str) -> None:
    """String ids fill themselves; soft-deleted rows free their unique values."""
    project = _project(
        tmp_path,
        {
            PATH: _thing(
                """\
                type alias Person =
                    { id : DatabaseId String
                    , tenant : MultiTenant
                    , email : String -- @unique
                    , tags : List String
                    , createdAt : CreateTimestamp
                    , updatedAt : UpdateTimestamp
                    , deletedAt : SoftDelete
                    }
                """
            )
        },
        'table_names = "singular"\n',
    )
    result = generate(load_config(project))
    assert result.up_path is not None
    apply_sql(pg_url, result.up_path.read_text())
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO person (host, email) VALUES ('a', 'x@y')")
        row = conn.execute("SELECT id, tags, created_at, updated_at FROM person").fetchone()
        assert row is not None and len(row[0]) == 36 and row[1] == [] and row[3] is None
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO person (host, email) VALUES ('a', 'x@y')")
        conn.execute("UPDATE person SET deleted_at = 1")
        conn.execute("INSERT INTO person (host, email) VALUES ('a', 'x@y')")
        conn.execute("INSERT INTO person (host, email) VALUES ('b', 'x@y')")
        updated = conn.execute(
            "SELECT count(*) FROM person WHERE updated_at IS NOT NULL"
        ).fetchone()
        assert updated == (1,)  # the trigger stamped the soft-deleted row


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "models/people_domain.rs",
            "pub struct Person {\n    pub id: DatabaseId<String>,\n    pub name: String,\n}\n",
        ),
        (
            "models/people.py",
            "from dataclasses import dataclass\nfrom buildamp import domain\nfrom buildamp.types import DatabaseId\n\n\n@domain\n@dataclass\nclass Person:\n    id: DatabaseId[str]\n    name: str\n",
        ),
    ],
)
def test_rust_and_python_database_id_string_defaults(
    name: str, text: str, tmp_path: Path, pg_url: str
) -> None:
    project = _project(tmp_path, {name: text})
    result = generate(load_config(project))
    assert result.up_path is not None
    assert "id TEXT PRIMARY KEY DEFAULT CAST(gen_random_uuid() AS text)" in result.up_text
    apply_sql(pg_url, result.up_path.read_text())
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO persons (host, name) VALUES ('a', 'b')")
        assert conn.execute("SELECT count(*) FROM persons WHERE id <> ''").fetchone() == (1,)


def test_golden_corpus_is_copyable(tmp_path: Path) -> None:
    """The golden step is a project of its own: generate reads it like a user's."""
    project = tmp_path / "proj"
    shutil.copytree(GOLDEN / "steps" / "01", project)
    shutil.copy(GOLDEN / "buildamp.toml", project / "buildamp.toml")
    assert generate(load_config(project)).written


@pytest.mark.parametrize(
    ("tag", "key", "attribute", "value"),
    [
        ('name="people"', "name", "table", "people"),
        ('indexes=["email", "created_at DESC"]', "indexes", "table", ("email", "created_at DESC")),
        ("storage=jsonb", "storage", "table", "jsonb"),
        ("tenant=false", "tenant", "table", False),
        ('primaryKey=["a", "b"]', "primary_key", "table", ("a", "b")),
        ("renameFrom=persons", "rename_from", "table", "persons"),
        ("tenantIsolation=rls", "tenant_isolation", "table", "rls"),
        ('customSql="custom/seed.sql"', "custom_sql", "migration", "custom/seed.sql"),
        ('validate="SELECT 1"', "validate", "migration", "SELECT 1"),
        ("confirmDestructive=true", "confirm_destructive", "migration", True),
    ],
)
def test_every_table_option_key(tag: str, key: str, attribute: str, value: object) -> None:
    text = _thing(
        f"{{-| Doc.\n\n@table {tag}\n-}}\ntype alias Thing =\n    {{ id : DatabaseId String }}\n"
    )
    (option, *_) = read_elm_source(text, PATH).structs[0].options
    assert (option.key, option.attribute, option.value) == (key, attribute, value)
    assert str(option.location).startswith(f"{PATH}:8:")


def test_api_records_and_aliases_may_hold_anything(tmp_path: Path) -> None:
    """Functions, type variables and records with them live beside the models."""
    source = read_elm_source(
        _thing(
            """\
            type alias Handler =
                Request -> Cmd Msg


            type alias Paged a =
                { items : List a, next : Maybe String }


            type alias Config =
                { onSave : String -> Cmd Msg
                , item : a
                }


            type alias Thing =
                { id : DatabaseId String
                , config : Config
                }
            """
        ),
        PATH,
    )
    assert [a.name for a in source.aliases] == []
    assert [(s.name, s.is_domain) for s in source.structs] == [("Config", False), ("Thing", True)]
    table = build_models([source], BuildSettings(tmp_path)).schema.tables[0]
    assert {c.name: c.type for c in table.columns}["config"] == "JSONB"
    with pytest.raises(ModelError, match="function type is not storable in field f") as error:
        read_elm_source(
            _thing("type alias T =\n    { id : DatabaseId String\n    , f : Int -> Int\n    }\n"),
            PATH,
        )
    assert str(error.value.location) == f"{PATH}:8:11"


def test_table_tag_above_a_union_or_plain_alias_is_refused() -> None:
    for decl in ("type Mood\n    = Happy\n", "type alias Email =\n    String\n"):
        with pytest.raises(ModelError, match="directly above its type alias"):
            read_elm_source(_thing("{-| @table name=x -}\n" + decl), PATH)


def test_foreign_keys_become_references(tmp_path: Path) -> None:
    source = read_elm_source(
        _thing(
            """\
            type alias Tag =
                { id : DatabaseId String, name : String }


            type alias ItemTag =
                { itemId : ForeignKey Item String
                , tagId : ForeignKey Tag String
                }


            type alias Item =
                { id : DatabaseId String, title : String }
            """
        ),
        PATH,
    )
    tables = {t.name: t for t in build_models([source], BuildSettings(tmp_path)).schema.tables}
    assert tables["item_tags"].primary_key == ("item_id", "tag_id")
    assert {c.kind for c in tables["item_tags"].constraints} == {"foreign_key"}


def test_soft_delete_uniques_on_jsonb_tables(tmp_path: Path, pg_url: str) -> None:
    project = _project(
        tmp_path,
        {
            PATH: _thing(
                """\
                {-| @table storage=jsonb -}
                type alias Person =
                    { id : DatabaseId String
                    , email : String -- @unique
                    , deletedAt : SoftDelete
                    }
                """
            )
        },
    )
    result = generate(load_config(project))
    assert result.up_path is not None
    assert "(data ->> 'email')) WHERE data ->> 'deleted_at' IS NULL;" in result.up_text
    apply_sql(pg_url, result.up_path.read_text())
    state = read_snapshot(project / ".buildamp" / "schema_state.json", "state").schema
    assert catalog_of(pg_url) == comparable(state)  # the catalog reads the predicate back
    with psycopg.connect(pg_url, autocommit=True) as conn:
        insert = "INSERT INTO persons (host, data) VALUES ('a', %s::jsonb)"
        conn.execute(insert, ('{"email": "x", "deleted_at": 1}',))
        conn.execute(insert, ('{"email": "x"}',))
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(insert, ('{"email": "x"}',))


def test_a_trailing_comment_belongs_to_the_last_field_on_its_line() -> None:
    text = _thing("type alias Thing =\n    { id : DatabaseId String, email : String } -- @unique\n")
    fields = read_elm_source(text, PATH).structs[0].fields
    assert [(f.name, [o.key for o in f.options]) for f in fields] == [
        ("id", []),
        ("email", ["unique"]),
    ]


def test_plan_hints_speak_elm(tmp_path: Path) -> None:
    """A refusal tells an Elm user what to write in Elm, not in Rust."""
    model = "type alias Thing =\n    { id : DatabaseId String\n    , n : Int\n    }\n"
    project = _project(tmp_path, {PATH: _thing(model)})
    assert generate(load_config(project)).written
    (project / PATH).write_text(
        _thing(model.replace("    , n : Int\n", "    , n : Int\n    , m : Int\n"))
    )
    with pytest.raises(PlanError) as error:
        generate(load_config(project))
    assert f'add -- @default "..." or -- @backfill "..." at {PATH}:9:7' in str(error.value)
    (project / PATH).write_text(_thing(model.replace("n : Int", "n : Bool")))
    with pytest.raises(PlanError) as error:
        generate(load_config(project))
    assert '-- @convertFrom "INTEGER" @convertSql "CAST(%s AS BOOLEAN)"' in str(error.value)


def test_rename_from_names_the_old_elm_field(tmp_path: Path) -> None:
    model = "type alias Thing =\n    { id : DatabaseId String\n    , authorName : String\n    }\n"
    project = _project(tmp_path, {PATH: _thing(model)})
    assert generate(load_config(project)).written
    renamed = model.replace("authorName : String", "writerName : String -- @renameFrom authorName")
    (project / PATH).write_text(_thing(renamed))
    result = generate(load_config(project))
    assert "ALTER TABLE things RENAME COLUMN author_name TO writer_name;" in result.up_text


def test_reference_tags_on_postgres(tmp_path: Path, pg_url: str) -> None:
    """`-- @references tag @onDelete set null`: the Rust options, as Elm tags."""
    project = _project(
        tmp_path,
        {
            PATH: _thing(
                """\
                type alias Tag =
                    { id : DatabaseId String
                    , host : MultiTenant
                    }


                type alias Post =
                    { id : DatabaseId String
                    , host : MultiTenant
                    , tagId : Maybe String -- @references tag @onDelete set null
                    , mainTag : ForeignKey Tag String -- @onDelete cascade
                    }
                """
            )
        },
        'table_names = "singular"\n',
    )
    result = generate(load_config(project))
    assert result.up_path is not None
    assert "REFERENCES tag (host, id) ON DELETE SET NULL (tag_id)" in result.up_text
    assert "REFERENCES tag (host, id) ON DELETE CASCADE" in result.up_text
    apply_sql(pg_url, result.up_path.read_text())
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO tag (id, host) VALUES ('t1', 'a'), ('t2', 'a')")
        conn.execute("INSERT INTO post (host, tag_id, main_tag) VALUES ('a', 't1', 't2')")
        conn.execute("DELETE FROM tag WHERE id = 't1'")
        assert conn.execute("SELECT host, tag_id FROM post").fetchall() == [("a", None)]
        conn.execute("DELETE FROM tag WHERE id = 't2'")
        assert conn.execute("SELECT count(*) FROM post").fetchone() == (0,)
