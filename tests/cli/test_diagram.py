"""``buildamp schema``: golden diagrams of the example project, and proof that they render.

Mermaid has no Python parser, so :func:`parse_mermaid` below re-implements the part
of Mermaid's erDiagram grammar we emit (its jison lexer rules, tried in order, first
match wins, case-insensitive, implicit ``\\b`` after word-ending literals), and
returns what it read so the tests also check the content. DOT gets the same
treatment (:func:`parse_dot`, with the HTML labels parsed as XML); when Graphviz's
``dot`` is installed it must render the file too, and when it is not, that one test
skips and says so: the pure-Python checks still run.

``UPDATE_GOLDEN=1 pytest tests/cli/test_diagram.py`` rewrites ``tests/diagram_cases/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from buildamp.cli.diagram import (
    mermaid_entity,
    references,
    render_diagram,
    render_dot,
    render_json,
    render_mermaid,
    table_rows,
)
from buildamp.cli.main import main
from buildamp.files.config import load_config
from buildamp.files.snapshot import read_snapshot
from buildamp.model.schema import (
    Column,
    Constraint,
    DocumentField,
    Enum,
    Index,
    IndexKey,
    Schema,
    Table,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "blog"
CASES = Path(__file__).resolve().parent.parent / "diagram_cases"
SUFFIX = {"mermaid": "mmd", "dot": "dot", "json": "json"}


def _example_schema() -> Schema:
    config = load_config(EXAMPLE)
    return read_snapshot(config.state_path, "state").schema


# -- a strict reader for Mermaid erDiagram text --------------------------------

_I = re.IGNORECASE


def _rule(pattern: str, token: str | None, flags: int = _I) -> tuple[re.Pattern[str], str | None]:
    # jison appends \b to a rule ending in a word character (unless it is an escape)
    if re.search(r"\w$", pattern) and not re.search(r"\\[a-z]$", pattern):
        pattern += r"\b"
    return re.compile(pattern, flags), token


# Mermaid 11's erDiagram.jison, INITIAL state, in order (style/class rules kept so
# that a table named like them is caught; their statements are not accepted).
_INITIAL = [
    _rule(r"accTitle\s*:\s*", "ACC"),
    _rule(r"accDescr\s*:\s*", "ACC"),
    _rule(r"accDescr\s*\{\s*", "ACC"),
    _rule(r".*direction\s+(TB|BT|RL|LR)[^\n]*", "DIRECTION"),
    _rule(r"[\n]+", "NEWLINE"),
    _rule(r"\s+", None),
    _rule(r'"[^"%\r\n\v\x08\\]+"', "ENTITY_NAME"),
    _rule(r'"[^"]*"', "WORD"),
    _rule(r"erDiagram", "ER_DIAGRAM"),
    _rule(r"\{", "BLOCK_START"),
    _rule(r"#", "BRKT"),
    _rule(r",", "COMMA"),
    _rule(r":::", "STYLE_SEPARATOR"),
    _rule(r":", "COLON"),
    _rule(r"\[", "SQS"),
    _rule(r"\]", "SQE"),
    _rule(r"style", "STYLE"),
    _rule(r"classDef", "CLASSDEF"),
    _rule(r"class", "CLASS"),
    *(
        _rule(p, "CARD")
        for p in (
            "one or zero",
            "one or more",
            "one or many",
            r"1\+",
            r"\|o",
            "zero or one",
            "zero or more",
            "zero or many",
            r"0\+",
            r"\}o",
            r"many\(0\)",
            r"many\(1\)",
            "many",
            r"\}\|",
            "one",
            "only one",
            "1",
            r"\|\|",
            r"o\|",
            r"o\{",
            r"\|\{",
            r"\s*u",
        )
    ),
    _rule(r"\.\.", "REL"),
    _rule(r"\-\-", "REL"),
    _rule(r"to", "REL"),
    _rule(r"optionally to", "REL"),
    _rule(r"\.\-", "REL"),
    _rule(r"\-\.", "REL"),
    _rule(r"([^\x00-\x7F]|\w|\-|\*)+", "UNICODE_TEXT"),
    _rule(r"[0-9]", "NUM"),
    _rule(r".", "CHAR", _I | re.DOTALL),
]
_BLOCK = [
    _rule(r"\s+", None),
    _rule(r"\b((?:PK)|(?:FK)|(?:UK))\b", "ATTRIBUTE_KEY"),
    _rule(r"([^\s]*)[~].*[~]([^\s]*)", "ATTRIBUTE_WORD"),
    _rule(r"[*A-Za-z_\u00C0-\uFFFF][A-Za-z0-9\-_\[\]()\u00C0-\uFFFF*]*", "ATTRIBUTE_WORD"),
    _rule(r'"[^"]*"', "COMMENT"),
    _rule(r"\}", "BLOCK_STOP"),
    _rule(r".", "CHAR", _I | re.DOTALL),
]


def _first_match(
    rules: list[tuple[re.Pattern[str], str | None]], rest: str
) -> tuple[re.Match[str], str | None]:
    """jison semantics: the first rule that matches wins, not the longest."""
    for pattern, token in rules:
        match = pattern.match(rest)
        if match is not None and match.end() > 0:
            return match, token
    raise AssertionError(f"mermaid: no rule matches at {rest[:20]!r}")  # pragma: no cover


def _lex_mermaid(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    rest, in_block = text, False
    while rest:
        match, token = _first_match(_BLOCK if in_block else _INITIAL, rest)
        if token == "BLOCK_START":
            in_block = True
        elif token == "BLOCK_STOP":
            in_block = False
        if token is not None:
            tokens.append((token, match.group(0)))
        rest = rest[match.end() :]
    return tokens


@dataclass
class MermaidDiagram:
    entities: dict[str, list[tuple[str, str, tuple[str, ...], str | None]]] = field(
        default_factory=dict
    )
    relationships: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)


def parse_mermaid(text: str) -> MermaidDiagram:
    """Accepts exactly the erDiagram statements buildamp writes; raises otherwise."""
    tokens = _lex_mermaid(text)
    diagram = MermaidDiagram()
    pos = 0

    def peek(offset: int = 0) -> tuple[str, str]:
        return tokens[pos + offset] if pos + offset < len(tokens) else ("EOF", "")

    def take(*kinds: str) -> str:
        nonlocal pos
        kind, word = peek()
        if kind not in kinds:
            raise AssertionError(f"mermaid: expected {'/'.join(kinds)}, got {kind} {word!r}")
        pos += 1
        return word

    def entity() -> str:
        return take("UNICODE_TEXT", "ENTITY_NAME").strip('"')

    take("ER_DIAGRAM")
    while peek()[0] != "EOF":
        if peek()[0] == "NEWLINE":
            take("NEWLINE")
            continue
        name = entity()
        if peek()[0] == "BLOCK_START":
            take("BLOCK_START")
            attributes = diagram.entities.setdefault(name, [])
            while peek()[0] != "BLOCK_STOP":
                kind = take("ATTRIBUTE_WORD")
                attr = take("ATTRIBUTE_WORD")
                keys: list[str] = []
                if peek()[0] == "ATTRIBUTE_KEY":
                    keys.append(take("ATTRIBUTE_KEY").upper())
                    while peek() == ("CHAR", ","):
                        take("CHAR")
                        keys.append(take("ATTRIBUTE_KEY").upper())
                comment = take("COMMENT")[1:-1] if peek()[0] == "COMMENT" else None
                attributes.append((kind, attr, tuple(keys), comment))
            take("BLOCK_STOP")
        elif peek()[0] == "CARD":
            left, line, right = take("CARD"), take("REL"), take("CARD")
            other = entity()
            take("COLON")
            role = take("WORD", "ENTITY_NAME", "UNICODE_TEXT").strip('"')
            diagram.entities.setdefault(other, [])
            diagram.relationships.append((name, left.strip(), line, right, other, role))
        else:
            diagram.entities.setdefault(name, [])
        if peek()[0] not in ("NEWLINE", "EOF"):
            raise AssertionError(f"mermaid: one statement per line, got {peek()}")
    return diagram


# -- a strict reader for Graphviz DOT ------------------------------------------

_DOT_TOKEN = re.compile(
    r"""\s+|//[^\n]*|/\*.*?\*/|^\#[^\n]*
    |(?P<id>[A-Za-z_\x80-\uffff][A-Za-z0-9_\x80-\uffff]*|-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?))
    |(?P<string>"(?:\\.|[^"\\])*")
    |(?P<html><)
    |(?P<punct>->|--|[{}\[\]=;,:])""",
    re.VERBOSE | re.DOTALL | re.MULTILINE,
)
_COMPASS = {"n", "ne", "e", "se", "s", "sw", "w", "nw", "c", "_"}


def _lex_dot(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _DOT_TOKEN.match(text, pos)
        if match is None:
            raise AssertionError(f"dot: unexpected {text[pos : pos + 20]!r}")
        if match.group("html"):
            depth, end = 0, pos
            while True:
                if end >= len(text):
                    raise AssertionError("dot: unbalanced HTML label")
                depth += {"<": 1, ">": -1}.get(text[end], 0)
                end += 1
                if depth == 0:
                    break
            tokens.append(("html", text[pos + 1 : end - 1]))
            pos = end
            continue
        kind = match.lastgroup
        if kind == "string":
            tokens.append(("id", match.group(0)[1:-1].replace('\\"', '"').replace("\\\\", "\\")))
        elif kind is not None:
            tokens.append((kind, match.group(0)))
        pos = match.end()
    return tokens


@dataclass
class DotGraph:
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    ports: dict[str, set[str]] = field(default_factory=dict)
    edges: list[tuple[tuple[str, str | None], tuple[str, str | None], dict[str, str]]] = field(
        default_factory=list
    )


def parse_dot(text: str) -> DotGraph:
    """A ``digraph`` of node, edge and attribute statements; HTML labels must be
    well-formed and every edge must end on a declared node's declared port."""
    tokens = _lex_dot(text)
    graph = DotGraph()
    pos = 0

    def peek() -> tuple[str, str]:
        return tokens[pos] if pos < len(tokens) else ("EOF", "")

    def take(kind: str, word: str | None = None) -> str:
        nonlocal pos
        got = peek()
        if got[0] != kind or (word is not None and got[1].lower() != word):
            raise AssertionError(f"dot: expected {word or kind}, got {got}")
        pos += 1
        return got[1]

    def attr_list() -> dict[str, str]:
        attrs: dict[str, str] = {}
        while peek() == ("punct", "["):
            take("punct", "[")
            while peek() != ("punct", "]"):
                key = take("id")
                take("punct", "=")
                attrs[key] = take("html") if peek()[0] == "html" else take("id")
                if peek() in (("punct", ","), ("punct", ";")):
                    take("punct")
            take("punct", "]")
        return attrs

    def node_id() -> tuple[str, str | None]:
        name, port = take("id"), None
        if peek() == ("punct", ":"):
            take("punct", ":")
            port = take("id")
            if peek() == ("punct", ":"):
                take("punct", ":")
                compass = take("id")
                assert compass in _COMPASS, f"dot: bad compass point {compass!r}"
        return name, port

    take("id", "digraph")
    if peek()[0] == "id":
        take("id")
    take("punct", "{")
    while peek() != ("punct", "}"):
        if peek()[0] == "id" and peek()[1].lower() in ("graph", "node", "edge"):
            take("id")
            attr_list()
        else:
            source = node_id()
            if peek() == ("punct", "->"):
                take("punct", "->")
                target = node_id()
                graph.edges.append((source, target, attr_list()))
            else:
                assert source[1] is None, "dot: a node statement has no port"
                attrs = attr_list()
                graph.nodes[source[0]] = attrs
                graph.ports[source[0]] = _html_ports(attrs.get("label", ""))
        if peek() == ("punct", ";"):
            take("punct", ";")
    take("punct", "}")
    assert peek()[0] == "EOF", f"dot: text after the graph: {peek()}"
    for source, target, _ in graph.edges:
        for name, port in (source, target):
            assert name in graph.nodes, f"dot: edge to undeclared node {name!r}"
            assert port is None or port in graph.ports[name], f"dot: no port {name}:{port}"
    return graph


def _html_ports(label: str) -> set[str]:
    """Graphviz HTML labels are XML: parse, and collect the PORT attributes."""
    if not label:
        return set()
    root = ET.fromstring(label)
    assert root.tag == "TABLE", f"dot: label root is {root.tag}"
    for element in root.iter():
        assert element.tag in {"TABLE", "TR", "TD", "B", "I", "BR", "FONT"}, element.tag
    return {td.attrib["PORT"] for td in root.iter("TD") if "PORT" in td.attrib}


# -- golden output of the example project --------------------------------------


@pytest.mark.parametrize("output_format", sorted(SUFFIX))
def test_example_diagram_is_golden(output_format: str) -> None:
    text = render_diagram(_example_schema(), output_format)
    golden = CASES / f"blog.{SUFFIX[output_format]}"
    if os.environ.get("UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("output_format", sorted(SUFFIX))
def test_cli_prints_the_golden_diagram(output_format: str) -> None:
    result = CliRunner().invoke(main, ["-C", str(EXAMPLE), "schema", "--format", output_format])
    assert result.exit_code == 0, result.output
    golden = CASES / f"blog.{SUFFIX[output_format]}"
    assert result.output == golden.read_text(encoding="utf-8")


def test_cli_defaults_to_mermaid_and_rejects_other_formats() -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["-C", str(EXAMPLE), "schema"]).output.startswith("erDiagram\n")
    result = runner.invoke(main, ["-C", str(EXAMPLE), "schema", "--format", "png"])
    assert result.exit_code == 2


def test_cli_on_a_project_without_migrations_prints_an_empty_diagram(tmp_path: Path) -> None:
    (tmp_path / "buildamp.toml").write_text('models = ["models"]\n')
    result = CliRunner().invoke(main, ["-C", str(tmp_path), "schema"])
    assert result.exit_code == 0
    assert result.output == "erDiagram\n"
    assert parse_mermaid(result.output).entities == {}


def test_example_mermaid_parses_and_shows_every_table_column_and_index() -> None:
    schema = _example_schema()
    diagram = parse_mermaid((CASES / "blog.mmd").read_text(encoding="utf-8"))
    assert sorted(diagram.entities) == ["comments", "users"]
    users = {name: (kind, keys, note) for kind, name, keys, note in diagram.entities["users"]}
    assert users["id"] == ("TEXT", ("PK",), None)
    assert users["username"][1] == ("UK",)
    assert users["status"][0] == "user_status"
    assert users["unique_users_username"] == ("UNIQUE", (), "host, username")
    assert users["idx_users_created_at_desc"] == ("INDEX", (), "host, created_at DESC")
    for table in schema.tables:
        names = [a[1] for a in diagram.entities[table.name]]
        expected = [c.name for c in table.columns] + [d.name for d in table.document]
        expected += [i.name for i in table.indexes] + [c.name for c in table.constraints]
        assert names == expected
    # comments.author_id has no authors table: no arrow is drawn
    assert diagram.relationships == []


def test_example_dot_is_well_formed() -> None:
    graph = parse_dot((CASES / "blog.dot").read_text(encoding="utf-8"))
    assert sorted(graph.nodes) == ["comments", "users"]
    assert {"c_id", "c_host", "d_author_id", "d_created_at", "c_created_at"} <= graph.ports[
        "comments"
    ]
    assert graph.edges == []


def test_example_json_carries_the_schema() -> None:
    data = json.loads((CASES / "blog.json").read_text(encoding="utf-8"))
    assert [t["name"] for t in data["tables"]] == ["comments", "users"]
    users = data["tables"][1]
    assert users["tenant"] is True and users["rls"] is False
    assert users["constraints"][0]["columns"] == ["host", "username"]
    assert data["enums"] == [{"name": "user_status", "values": ["Active", "Suspended", "Deleted"]}]
    assert data["references"] == []


def test_readme_shows_the_example_diagram() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Schema diagram\n", 1)
    assert len(section) == 2, "README.md needs a '## Schema diagram' section"
    blocks = re.findall(r"```mermaid\n(.*?)```", section[1], re.DOTALL)
    assert blocks and blocks[0] == (CASES / "blog.mmd").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", ["blog.dot", "tricky.dot"])
def test_dot_renders_with_graphviz(case: str, tmp_path: Path) -> None:
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip(
            "Graphviz's `dot` is not installed (apt-get install graphviz); "
            "the pure-Python DOT checks in this file still ran"
        )
    text = (
        (CASES / case).read_text(encoding="utf-8")
        if case == "blog.dot"
        else render_dot(_tricky_schema())
    )
    source = tmp_path / "schema.dot"
    source.write_text(text, encoding="utf-8")
    result = subprocess.run(
        [dot, "-Tsvg", str(source)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr  # warnings (bad ports, bad HTML) count as failure
    assert "<svg" in result.stdout


# -- references and awkward names ------------------------------------------------


def _table(name: str, *columns: Column, **kwargs: object) -> Table:
    base = (Column("id", "BIGINT", True), Column("host", "TEXT", True))
    return Table(name, base + columns, **kwargs)  # type: ignore[arg-type]


def _tricky_schema() -> Schema:
    return Schema(
        tables=(
            _table("users"),
            _table("categories", tenant=False),
            _table(
                "posts",
                Column("author_id", "BIGINT", True),
                Column("user_id", "BIGINT", False),
                Column("category_id", "BIGINT", True),
                Column("post_id", "BIGINT", False),
                Column("editor_id", "BIGINT", False),
                Column("grid_id", "BIGINT", False),
                Column("price", "NUMERIC(20,0)", False, "0"),
                Column("ratio", "DOUBLE PRECISION", True),
                Column("pk", "TEXT", False, "'say \"hi\"'"),
                Column("state", "post_state", True),
                constraints=(Constraint("chk_posts_price", "check", (), "price >= 0"),),
                indexes=(
                    Index(
                        "idx_posts_live",
                        (IndexKey("host"), IndexKey("lower(pk)", True, False)),
                        unique=True,
                        where="state = 'Live'",
                    ),
                ),
                rls=True,
            ),
            Table(
                "grids",
                (Column("a", "TEXT", True), Column("b", "TEXT", True)),
                primary_key=("a", "b"),
                tenant=False,
            ),
            _table("one"),
            _table("weird name"),
            Table(
                "events",
                (Column("id", "TEXT", True), Column("data", "JSONB", True)),
                storage="jsonb",
                tenant=False,
                document=(
                    DocumentField("user_id", "TEXT", True),
                    DocumentField("weird_name_id", "TEXT"),
                ),
                indexes=(
                    Index(
                        "unique_events_user_id",
                        (IndexKey("(data ->> 'user_id')", False, False),),
                        True,
                    ),
                ),
            ),
        ),
        enums=(Enum("post_state", ("Draft", "Live")),),
    )


def test_references_come_from_foreign_keys_and_existing_tables_only() -> None:
    found = {(r.table, r.column): r for r in references(_tricky_schema())}
    assert set(found) == {
        ("posts", "user_id"),
        ("posts", "category_id"),
        ("posts", "post_id"),
        ("events", "user_id"),
    }
    assert found[("posts", "category_id")].target == "categories"  # y -> ies
    assert found[("posts", "post_id")].target == "posts"  # a table may point at itself
    assert found[("posts", "user_id")].nullable and not found[("posts", "category_id")].nullable
    assert found[("events", "user_id")].document
    # editor_id: no editors table; grid_id: grids has a two-column key
    assert ("posts", "editor_id") not in found and ("posts", "grid_id") not in found


def test_rows_mark_keys_and_notes() -> None:
    schema = _tricky_schema()
    posts = schema.table("posts")
    assert posts is not None
    rows = {r.name: r for r in table_rows(schema, posts, references(schema))}
    assert rows["host"].note == "tenant, row-level security"
    assert rows["user_id"].note == "nullable, -> users.id (by name)"
    assert rows["state"].note == "one of Draft | Live"
    assert rows["idx_posts_live"].type == "UNIQUE_INDEX"
    assert rows["idx_posts_live"].note == "host, lower(pk) DESC WHERE state = 'Live'"
    events = schema.table("events")
    assert events is not None
    event_rows = {r.name: r for r in table_rows(schema, events, references(schema))}
    assert event_rows["user_id"].keys == ("FK", "UK")


def test_awkward_names_still_make_valid_mermaid() -> None:
    text = render_mermaid(_tricky_schema())
    diagram = parse_mermaid(text)
    assert set(diagram.entities) == {
        "users",
        "categories",
        "posts",
        "grids",
        "one",
        "weird name",
        "events",
    }
    assert '    "one" {' in text and '    "weird name" {' in text
    posts = {a[1]: a for a in diagram.entities["posts"]}
    assert posts["price"][0] == "NUMERIC(20_0)"
    assert posts["ratio"][0] == "DOUBLE_PRECISION"
    assert "pk_" in posts  # a column named pk is not read as the PK marker
    assert posts["pk_"][3] == "nullable, default 'say 'hi''"
    assert ("users", "|o", "..", "o{", "posts", "user_id") in diagram.relationships
    assert ("posts", "|o", "..", "o{", "posts", "post_id") in diagram.relationships
    assert len(diagram.relationships) == 4


def test_awkward_names_still_make_valid_dot() -> None:
    graph = parse_dot(render_dot(_tricky_schema()))
    assert "weird name" in graph.nodes
    styles = {(s[0], s[1]): attrs["style"] for s, _, attrs in graph.edges}
    assert styles[("posts", "c_user_id")] == "dashed"
    assert styles[("events", "d_user_id")] == "dashed"


def test_json_is_stable_and_complete() -> None:
    schema = _tricky_schema()
    data = json.loads(render_json(schema))
    assert render_json(schema) == render_json(schema.normalized())
    assert len(data["references"]) == 4
    posts = next(t for t in data["tables"] if t["name"] == "posts")
    assert posts["rls"] is True
    assert [c["name"] for c in posts["columns"]][:2] == ["id", "host"]


# -- the readers reject what Mermaid and Graphviz would reject ------------------


# Each of these fails `mermaid.parse` (checked against Mermaid 11.17 once, by hand),
# except the two marked "older": Mermaid 11 accepts them, Mermaid 10 and the jison
# rules above do not, and buildamp writes neither so that older renderers cope too.
@pytest.mark.parametrize(
    "text",
    [
        "erDiagram\n    one {\n        TEXT id\n    }\n",  # keyword as a bare name
        "erDiagram\n    u {\n        TEXT id\n    }\n",  # older: u is a cardinality
        "erDiagram\n    t {\n        DOUBLE PRECISION x\n    }\n",  # three words
        "erDiagram\n    t {\n        NUMERIC(20,0) x\n    }\n",  # older: comma in a type
        "erDiagram\n    t {\n        TEXT pk\n    }\n",  # pk is a key marker
        'erDiagram\n    t {\n        TEXT x "say "hi""\n    }\n',  # quote in a comment
        "erDiagram\n    t {\n        TEXT x\n",  # unclosed block
        "erDiagram\n    a ||..o{ b\n",  # relationship without a label
        "erDiagram\n    a ||..-- b : x\n",  # two line styles
        "graph TD\n    a --> b\n",  # not an ER diagram
    ],
)
def test_mermaid_reader_rejects_invalid_text(text: str) -> None:
    with pytest.raises(AssertionError):
        parse_mermaid(text)


@pytest.mark.parametrize(
    "text",
    [
        'digraph g { "a" [label=<<TABLE><TR><TD>x</TD></TABLE>>]; }',  # unclosed TR
        'digraph g { "a" [label=<<TABLE><TR><TD PORT="p">x</TD></TR></TABLE>>]; "a":"q" -> "a":"p"; }',
        'digraph g { "a" -> "b"; }',  # undeclared nodes
        'digraph g { "a" [label="x"] }  extra',
        'digraph g { "a" [label=<<TABLE><TR><TD>x & y</TD></TR></TABLE>>]; }',  # raw &
        'digraph g { "a" [label="x"]; "a":"p":up -> "a"; }',  # bad compass
    ],
)
def test_dot_reader_rejects_invalid_text(text: str) -> None:
    with pytest.raises((AssertionError, ET.ParseError)):
        parse_dot(text)


def test_mermaid_entity_quotes_only_when_needed() -> None:
    assert mermaid_entity("item_comments") == "item_comments"
    assert mermaid_entity("Users") == "Users"
    assert mermaid_entity("u") == '"u"'
    assert mermaid_entity("MANY") == '"MANY"'
    assert mermaid_entity('a"b') == '"a_b"'


def test_unknown_format_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown diagram format"):
        render_diagram(Schema(), "png")
