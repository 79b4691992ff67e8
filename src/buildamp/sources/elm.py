"""Read Elm model files (BuildAmp's ``models/Schema/*.elm``) into declarations.

A real Elm grammar (tree-sitter, from tree-sitter-language-pack 0.13's wheel)
reads the file; this module translates what was written into the Rust type
vocabulary of :mod:`buildamp.sources.decl` (``Int`` is ``i32``, ``Maybe a`` is
``Option<a>``, ``ForeignKey Tag String`` is ``ForeignKey<Tag, String>``), so the
shared builder gives an Elm model exactly the columns of its Rust twin.

Which records are tables: a ``type alias`` of a record with a ``DatabaseId``
field, or with two or more ``ForeignKey`` fields (a join table), or with an
``@table`` tag in its doc comment. Every other record (API requests, SSE and KV
records) is a value type. Options are BuildAmp's tag comments with the Rust
option names in camelCase: ``, email : String -- @unique @renameFrom mail`` on a
field, and one ``@table key=value ...`` line in the alias's doc comment.
"""

from __future__ import annotations

import functools
import pathlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from tree_sitter import Language, Node, Parser

from buildamp.model.errors import Location, ModelError
from buildamp.model.naming import camel_case, snake_case
from buildamp.sources.decl import (
    AliasDecl,
    EnumDecl,
    FieldDecl,
    OptionDecl,
    OptionScalar,
    OptionValue,
    SourceFile,
    StructDecl,
    TypeRef,
)
from buildamp.sources.options import (
    FIELD_OPTIONS,
    STRUCT_MIGRATION_OPTIONS,
    TABLE_OPTIONS,
)
from buildamp.sources.rust_syntax import first_error, named, node_text, snippet, to_bytes

_MAX_TYPE_DEPTH = 64
_TYPE_HINT = "use a named type, Maybe a, List a, Dict k v, a tuple or a record"
_ENUM_HINT = "a union's doc comment takes `@enumName sql_type_name`"
_TAG_HINT = "tags look like `-- @unique @renameFrom oldName @default \"''\"`"
_TABLE_HINT = 'write `@table name=people indexes=["email", "created_at DESC"]` on one line'

# Elm's own types, spelled with the Rust names the shared type mapping knows.
_ELM_SCALARS: dict[str, TypeRef] = {
    "String": TypeRef("String"),
    "Char": TypeRef("char"),
    "Int": TypeRef("i32"),
    "Float": TypeRef("f64"),
    "Bool": TypeRef("bool"),
    "Value": TypeRef("Value"),  # Json.Encode.Value / Json.Decode.Value
    "Posix": TypeRef("DateTime", (TypeRef("Utc"),)),  # Time.Posix
}
_ELM_CONTAINERS = {"Maybe": "Option", "List": "Vec", "Array": "Vec", "Set": "HashSet"}
# BuildAmp's Interface.Schema vocabulary: the same names in every language.
VOCABULARY = frozenset(
    {
        "DatabaseId",
        "ForeignKey",
        "Host",
        "MultiTenant",
        "CreateTimestamp",
        "UpdateTimestamp",
        "SoftDelete",
        "Timestamp",
        "RichContent",
        "Link",
    }
)
# Type constructors whose argument count the builder relies on.
_ARITY = {
    "Maybe": 1,
    "List": 1,
    "Array": 1,
    "Set": 1,
    "Dict": 2,
    "DatabaseId": 1,
    "ForeignKey": 2,
}
_ANY_JSON = TypeRef("Value")
_FRAMEWORK_MODULE = "Interface."  # Interface.Schema, Interface.Api: the vocabulary itself


@functools.cache
def _parser() -> Parser:
    # the language pack's import costs ~100 ms: only when an .elm file is read
    from tree_sitter_language_pack import get_language

    language: Language = get_language("elm")
    return Parser(language)


def read_elm_file(path: pathlib.Path, display_path: str) -> SourceFile:
    try:
        data = path.read_bytes()
    except OSError as exc:
        message = f"cannot read Elm model file: {exc.strerror}"
        raise ModelError(message, Location(display_path)) from exc
    return read_elm_source(data, display_path)


def read_elm_source(text: bytes | str, display_path: str) -> SourceFile:
    return _Reader(to_bytes(text, display_path), display_path).read()


_FIELD_TAGS = {camel_case(k): k for k in FIELD_OPTIONS}
_TABLE_KEYS = {camel_case(k): k for k in (*TABLE_OPTIONS, *STRUCT_MIGRATION_OPTIONS)}


@dataclass(frozen=True)
class _Token:
    kind: str  # "tag", "string", "word", "=", "[", "]", ","
    text: str
    offset: int  # character offset in the comment


_TOKEN = re.compile(
    r'(?P<string>"(?:[^"\\\n]|\\.)*")|(?P<tag>@[A-Za-z_][A-Za-z0-9_]*)'
    r"|(?P<punct>[=\[\],])|(?P<word>[^\s=\[\],\"]+)|(?P<bad>\")"
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\"}


class _Reader:
    """Holds the source and display path so every helper can point at file:line:column."""

    def __init__(self, src: bytes, path: str) -> None:
        self.src = src
        self.path = path
        self.structs: list[StructDecl] = []
        self.enums: list[EnumDecl] = []
        self.aliases: list[AliasDecl] = []
        self.comments: dict[int, Node] = {}  # line comments of the file, by line

    def read(self) -> SourceFile:
        root = _parser().parse(self.src).root_node
        if (bad := first_error(root)) is not None:
            raise self._syntax_error(bad)
        self.comments = self._line_comments(root)
        module = next((c for c in root.named_children if c.type == "module_declaration"), None)
        if module is not None:
            name = module.child_by_field_name("name")
            if name is not None and node_text(name).startswith(_FRAMEWORK_MODULE):
                return SourceFile(self.path)
        doc: Node | None = None
        for child in root.named_children:
            if child.type == "block_comment":
                doc = child if node_text(child).startswith("{-|") else None
                continue
            if child.type == "type_alias_declaration":
                self._alias(child, doc)
            elif child.type == "type_declaration":
                if doc is not None:
                    self._stray_table_tag(doc)  # a union is never a table
                self._union(child, doc)
            elif doc is not None and child.type != "line_comment":
                self._stray_table_tag(doc)
            if child.type != "line_comment":
                doc = None
        if doc is not None:
            self._stray_table_tag(doc)
        return SourceFile(self.path, tuple(self.structs), tuple(self.enums), tuple(self.aliases))

    # -- locations and errors -------------------------------------------------

    def loc(self, node: Node, offset: int = 0) -> Location:
        """1-based line and character column; ``offset`` characters into the node."""
        row, col = node.start_point
        prefix = self.src[node.start_byte - col : node.start_byte].decode("utf-8", "replace")
        before = node_text(node)[:offset]
        newlines = before.count("\n")
        if newlines:
            return Location(self.path, row + 1 + newlines, len(before) - before.rfind("\n"))
        return Location(self.path, row + 1, len(prefix) + offset + 1)

    def error(self, message: str, node: Node, hint: str = "", offset: int = 0) -> ModelError:
        return ModelError(message, self.loc(node, offset), hint)

    def _syntax_error(self, node: Node) -> ModelError:
        near = snippet(self.src, node)
        message = f"Elm syntax error near `{near}`" if near else "Elm syntax error at end of file"
        if node.is_missing:
            message += f": missing `{node.type}`"
        return self.error(message, node, "fix the Elm syntax; the file must compile")

    # -- declarations ---------------------------------------------------------

    def _alias(self, node: Node, doc: Node | None) -> None:
        name_node = node.child_by_field_name("name")
        body = node.child_by_field_name("typeExpression")
        if name_node is None or body is None:
            raise self.error("Elm syntax error in type alias", node)
        name = node_text(name_node)
        if name in VOCABULARY:
            return  # a project's own copy of Interface.Schema's definitions
        if any(c.type == "lower_type_name" for c in node.named_children):
            return  # generic alias: only meaningful applied, which models never need
        parts = named(body)
        if len(parts) == 1 and parts[0].type == "record_type":
            self._record(name, name_node, parts[0], doc)
            return
        if doc is not None:
            self._stray_table_tag(doc)
        try:
            target = self.type_ref(body, f"type alias {name}")
        except ModelError:
            return  # `type alias Handler = Msg -> Cmd Msg`: never a column; a table
            # naming it gets "unknown type Handler" from the builder
        self.aliases.append(AliasDecl(name, target, self.loc(name_node)))

    def _stray_table_tag(self, doc: Node) -> None:
        """A doc comment that documents no record alias (the module's, a union's)
        cannot carry table options: refuse rather than ignore them."""
        match = re.search(r"(?:^|(?<=\s))@table\b", node_text(doc))
        if match is not None:
            raise self.error(
                "@table must be in the doc comment directly above its type alias",
                doc,
                "move it to `{-| ... -}` right before `type alias`",
                match.start(),
            )

    def _union(self, node: Node, doc: Node | None) -> None:
        name_node = node.child_by_field_name("name")
        if name_node is None:
            raise self.error("Elm syntax error in type declaration", node)
        variants: list[str] = []
        renames: list[tuple[str, str]] = []
        unit_only = not any(c.type == "lower_type_name" for c in node.named_children)
        for variant in node.named_children:
            if variant.type != "union_variant":
                continue
            variant_name = variant.child_by_field_name("name")
            if variant_name is None:
                raise self.error("Elm syntax error in union variant", variant)
            variants.append(node_text(variant_name))
            parts = [c for c in named(variant) if not c.type.endswith("_comment")]
            unit_only = unit_only and len(parts) == 1
            renamed = self._variant_rename(parts[-1])
            if renamed is not None:
                renames.append((renamed, node_text(variant_name)))
        name = node_text(name_node)
        options = tuple(self._enum_tags(doc)) if doc is not None else ()
        self.enums.append(
            EnumDecl(name, tuple(variants), unit_only, self.loc(name_node), tuple(renames), options)
        )

    def _variant_rename(self, last: Node) -> str | None:
        """``| Medium -- @renameFrom Mid``: the value is renamed, not replaced
        (``last``: the variant's last part; the comment may be inside the variant)."""
        row, column = last.end_point
        comment = self.comments.get(row)
        if comment is None or comment.start_point[1] < column:
            return None
        text = node_text(comment)
        start = self._tag_offset(text)
        if start is None:
            return None
        tokens = self._tokens(comment, start, len(text))
        if (
            len(tokens) != 2
            or tokens[0].text != "@renameFrom"
            or tokens[1].kind not in ("word", "string")
        ):
            raise self.error(
                "a union variant takes only `-- @renameFrom OldName`",
                comment,
                "e.g. `| Medium -- @renameFrom Mid`",
                start,
            )
        return tokens[1].text.strip('"')

    def _enum_tags(self, doc: Node) -> Iterator[OptionDecl]:
        """``{-| @enumName task_priority -}`` above a union: its PostgreSQL type name."""
        text = node_text(doc)
        for match in re.finditer(r"(?:^|(?<=\s))@([A-Za-z_]\w*)", text):
            tag = match.group(1)
            if tag in _TABLE_KEYS or tag in _FIELD_TAGS:
                raise self.error(
                    f"@{tag} does not apply to a union type", doc, _ENUM_HINT, match.start()
                )
            if tag != "enumName":
                continue  # @docs and friends belong to elm-format and the docs
            line_end = text.find("\n", match.end())
            end = len(text) - 2 if line_end < 0 and text.endswith("-}") else line_end
            tokens = self._tokens(doc, match.end(), len(text) if end < 0 else end)
            if len(tokens) != 1 or tokens[0].kind not in ("word", "string"):
                raise self.error("@enumName takes one name", doc, _ENUM_HINT, match.start())
            value = tokens[0].text.strip('"')
            yield OptionDecl("enum_name", value, self.loc(doc, match.start()), "migration")

    def _record(self, name: str, name_node: Node, record: Node, doc: Node | None) -> None:
        if any(c.type == "record_base_identifier" for c in record.named_children):
            return  # extensible record `{ r | x : Int }`: a constraint, not a shape
        comments = self._line_comments(record)
        fields: list[tuple[FieldDecl, Node | None]] = []
        problem: ModelError | None = None  # a field type no table could store
        for field in record.named_children:
            if field.type != "field_type":
                continue
            name_part = field.child_by_field_name("name")
            type_part = field.child_by_field_name("typeExpression")
            if name_part is None or type_part is None:
                raise self.error("Elm syntax error in record field", field)
            field_name = node_text(name_part)
            try:
                type_ref = self.type_ref(type_part, f"field {field_name}")
            except ModelError as error:
                problem, type_ref = problem or error, _ANY_JSON
            row, column = type_part.end_point
            comment = self.comments.get(row)
            if comment is not None and comment.start_point[1] < column:
                comment = None
            decl = FieldDecl(snake_case(field_name), type_ref, (), self.loc(name_part))
            if fields and comment is not None and fields[-1][1] is comment:
                fields[-1] = (fields[-1][0], None)  # `{ a : A, b : B } -- @x`: the last field's
            fields.append((decl, comment))
        kinds = [f.type.name for f, _ in fields]
        is_table = "DatabaseId" in kinds or kinds.count("ForeignKey") >= 2
        table_options = tuple(self._table_tags(doc)) if doc is not None else ()
        if not (is_table or table_options):
            # value types (API, KV, SSE records) keep their own tags, unread, and
            # may hold functions or type variables: stored, they are JSON
            decls = tuple(f for f, _ in fields)
            self.structs.append(StructDecl(name, decls, (), False, self.loc(name_node)))
            return
        if problem is not None:
            raise problem
        used = {c.start_point[0] for _, c in fields if c is not None}
        for row, comment in comments.items():
            if row not in used and self._tag_offset(node_text(comment)) is not None:
                raise self.error(
                    "tag comment must follow a field on the same line", comment, _TAG_HINT
                )
        decls = tuple(
            self._implied(
                FieldDecl(f.name, f.type, tuple(self._field_tags(c)), f.location)
                if c is not None
                else f
            )
            for f, c in fields
        )
        table_options += self._implied_key(name_node, list(decls), table_options)
        keyed = any(o.key == "primary_key" for o in table_options)
        if not keyed and not any(f.name == "id" for f in decls):
            raise self.error(
                f"table {name} has no primary key",
                name_node,
                "add `id : DatabaseId String` or `@table primaryKey=[...]`",
            )
        self.structs.append(StructDecl(name, decls, table_options, True, self.loc(name_node)))

    def _implied(self, decl: FieldDecl) -> FieldDecl:
        """``List a`` (``Array``, ``Set``) is JSONB NOT NULL DEFAULT '[]' unless the
        field says otherwise."""
        if decl.type.name not in ("Vec", "HashSet") or any(
            o.key == "default" for o in decl.options
        ):
            return decl
        default = OptionDecl("default", "'[]'", decl.location, "migration")
        return FieldDecl(decl.name, decl.type, (*decl.options, default), decl.location)

    def _implied_key(
        self, name_node: Node, fields: list[FieldDecl], options: tuple[OptionDecl, ...]
    ) -> tuple[OptionDecl, ...]:
        """The primary key when it is not ``id``: the ``DatabaseId`` field, or a join
        table's ``ForeignKey`` fields."""
        if any(o.key == "primary_key" for o in options):
            return ()
        ids = [f.name for f in fields if f.type.name == "DatabaseId"]
        if ids == ["id"] or any(f.name == "id" for f in fields):
            return ()
        key = ids or [f.name for f in fields if f.type.name == "ForeignKey"]
        if not key:
            return ()
        return (OptionDecl("primary_key", tuple(key), self.loc(name_node), "table"),)

    def _line_comments(self, node: Node) -> dict[int, Node]:
        """Line comments under ``node`` by line (the grammar may nest them anywhere)."""
        found: dict[int, Node] = {}
        stack = [node]
        while stack:
            current = stack.pop()
            if current.type == "line_comment":
                found.setdefault(current.start_point[0], current)
            stack.extend(current.children)
        return found

    # -- types ----------------------------------------------------------------

    def type_ref(self, node: Node, owner: str, depth: int = 0) -> TypeRef:
        if depth > _MAX_TYPE_DEPTH:
            raise self.error(f"type nested too deeply in {owner}", node)
        kind = node.type
        if kind == "type_expression":
            parts = named(node)
            if any(c.type == "arrow" for c in node.children):
                raise self.error(f"function type is not storable in {owner}", node, _TYPE_HINT)
            if len(parts) != 1:
                raise self.error(f"unsupported type `{node_text(node)[:40]}` in {owner}", node)
            return self.type_ref(parts[0], owner, depth + 1)
        if kind == "type_ref":
            return self._applied(node, owner, depth)
        if kind == "tuple_type":
            items = [c for c in named(node) if c.type != "unit_expr"]
            return TypeRef("()", tuple(self.type_ref(c, owner, depth + 1) for c in items))
        if kind == "record_type":
            return _ANY_JSON  # an inline record is a JSON object
        if kind == "type_variable":
            raise self.error(
                f"type variable `{node_text(node)}` in {owner} is not storable",
                node,
                "use a concrete type",
            )
        raise self.error(f"unsupported type `{node_text(node)[:40]}` in {owner}", node, _TYPE_HINT)

    def _applied(self, node: Node, owner: str, depth: int) -> TypeRef:
        parts = named(node)
        qid = parts[0]
        qualified = node_text(qid)
        name = qualified.rsplit(".", 1)[-1]
        args = tuple(self.type_ref(a, owner, depth + 1) for a in parts[1:])
        path = qualified if "." in qualified else ""
        arity = _ARITY.get(name)
        if arity is not None and len(args) != arity:
            raise self.error(
                f"{name} takes {arity} type argument{'s' if arity > 1 else ''} in {owner}, "
                f"got {len(args)}",
                node,
                _TYPE_HINT,
            )
        if name in _ELM_SCALARS and not args:
            return _ELM_SCALARS[name]
        if name in _ELM_CONTAINERS:
            return TypeRef(_ELM_CONTAINERS[name], args)
        if name == "Dict":
            return TypeRef("HashMap", args)
        if name == "Link" and not args:
            return TypeRef("Link", (TypeRef("String"),))  # a URL, stored as text
        return TypeRef(name, args, "" if name in VOCABULARY else path)

    # -- tag comments ---------------------------------------------------------

    @staticmethod
    def _tag_offset(text: str) -> int | None:
        """Where the first ``@tag`` starts (prose before it is a comment)."""
        match = re.search(r"(?:^|(?<=\s))@[A-Za-z]", text)
        return match.start() if match else None

    def _tokens(self, comment: Node, start: int, end: int) -> list[_Token]:
        text = node_text(comment)
        tokens: list[_Token] = []
        for match in _TOKEN.finditer(text, start, end):
            kind = match.lastgroup or "bad"
            if kind == "bad":
                raise self.error("unterminated string in tag comment", comment, "", match.start())
            if kind == "punct":
                kind = match.group()
            tokens.append(_Token(kind, match.group(), match.start()))
        return tokens

    def _field_tags(self, comment: Node) -> Iterator[OptionDecl]:
        text = node_text(comment)
        start = self._tag_offset(text)
        if start is None:
            return
        tokens = self._tokens(comment, start, len(text))
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.kind != "tag":
                raise self.error(
                    f"expected a tag, found `{token.text}`", comment, _TAG_HINT, token.offset
                )
            tag = token.text[1:]
            key = _FIELD_TAGS.get(tag)
            if key is None:
                allowed = ", ".join(f"@{t}" for t in sorted(_FIELD_TAGS))
                raise self.error(
                    f"unknown tag @{tag} on a table field",
                    comment,
                    f"allowed: {allowed}",
                    token.offset,
                )
            i += 1
            j = i
            while j < len(tokens) and tokens[j].kind != "tag":
                j += 1
            value = self._tag_value(comment, tokens[i:j], tag) if j > i else True
            if key == "rename_from" and isinstance(value, str):
                value = snake_case(value)  # `@renameFrom fullName`: the old field, as a column
            yield OptionDecl(key, value, self.loc(comment, token.offset), "migration")
            i = j

    def _tag_value(self, comment: Node, tokens: list[_Token], tag: str) -> OptionValue:
        """``@renameFrom fullName``, ``@default "''"``, ``@onDelete set null``,
        ``@compositeIndex ["a", "b"]``, ``@unique global``, ``@index false``."""
        value: OptionValue
        if tokens[0].kind == "[":
            value, used = self._list(comment, tokens, 0, tag)
        elif all(t.kind == "word" for t in tokens):
            return self._scalar_words(" ".join(t.text for t in tokens))
        else:
            value, used = self._scalar(comment, tokens[0], tag), 1
        if used != len(tokens):
            extra = tokens[used]
            raise self.error(
                f"unexpected `{extra.text}` after the value of @{tag}",
                comment,
                _TAG_HINT,
                extra.offset,
            )
        return value

    def _list(
        self, comment: Node, tokens: list[_Token], i: int, tag: str
    ) -> tuple[tuple[OptionScalar, ...], int]:
        items: list[OptionScalar] = []
        i += 1
        while i < len(tokens) and tokens[i].kind != "]":
            items.append(self._scalar(comment, tokens[i], tag))
            i += 1
            if i < len(tokens) and tokens[i].kind == ",":
                i += 1
            elif i < len(tokens) and tokens[i].kind != "]":
                raise self.error(
                    f"expected `,` between items of @{tag}", comment, _TAG_HINT, tokens[i].offset
                )
        if i >= len(tokens):
            raise self.error(f"missing `]` in @{tag}", comment, _TAG_HINT, tokens[-1].offset)
        return tuple(items), i + 1

    def _scalar(self, comment: Node, token: _Token, tag: str) -> OptionScalar:
        if token.kind == "string":
            return self._string(comment, token)
        if token.kind == "word":
            return self._scalar_words(token.text)
        raise self.error(
            f"expected a value for @{tag}, found `{token.text}`", comment, _TAG_HINT, token.offset
        )

    @staticmethod
    def _scalar_words(text: str) -> OptionScalar:
        if text in ("true", "True"):
            return True
        if text in ("false", "False"):
            return False
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        return text

    def _string(self, comment: Node, token: _Token) -> str:
        out: list[str] = []
        body = token.text[1:-1]
        i = 0
        while i < len(body):
            char = body[i]
            if char == "\\":
                escaped = _ESCAPES.get(body[i + 1 : i + 2])
                if escaped is None:
                    raise self.error(
                        f"invalid escape `{body[i : i + 2]}` in string",
                        comment,
                        'use \\" \\\\ \\n or \\t',
                        token.offset + 1 + i,
                    )
                out.append(escaped)
                i += 2
            else:
                out.append(char)
                i += 1
        return "".join(out)

    def _table_tags(self, doc: Node) -> Iterator[OptionDecl]:
        """``@table key=value ...`` on one line of the doc comment; options given as
        separate tags (``@name people``) are refused so there is one way to say it."""
        text = node_text(doc)
        for match in re.finditer(r"(?:^|(?<=\s))@([A-Za-z_]\w*)", text):
            tag = match.group(1)
            if tag in _TABLE_KEYS or tag in _FIELD_TAGS:
                raise self.error(
                    f"table option @{tag} must be written inside the @table tag",
                    doc,
                    _TABLE_HINT,
                    match.start(),
                )
            if tag != "table":
                continue  # @docs and friends belong to elm-format and the docs
            line_end = text.find("\n", match.end())
            end = len(text) - 2 if line_end < 0 else line_end  # drop a closing `-}`
            if line_end < 0 and not text.endswith("-}"):
                end = len(text)
            yield from self._table_options(doc, self._tokens(doc, match.end(), end))

    def _table_options(self, doc: Node, tokens: list[_Token]) -> Iterator[OptionDecl]:
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token.kind != "word" or i + 1 >= len(tokens) or tokens[i + 1].kind != "=":
                raise self.error(
                    f"expected `key=value` in @table, found `{token.text}`",
                    doc,
                    _TABLE_HINT,
                    token.offset,
                )
            name = token.text
            key = _TABLE_KEYS.get(name)
            if key is None:
                allowed = ", ".join(sorted(_TABLE_KEYS))
                raise self.error(
                    f"unknown table option `{name}` in @table",
                    doc,
                    f"allowed: {allowed}",
                    token.offset,
                )
            i += 2
            if i >= len(tokens):
                raise self.error(f"missing value for `{name}`", doc, _TABLE_HINT, token.offset)
            value: OptionValue
            if tokens[i].kind == "[":
                value, i = self._list(doc, tokens, i, name)
            else:
                value = self._scalar(doc, tokens[i], name)
                i += 1
            attribute = "migration" if key in STRUCT_MIGRATION_OPTIONS else "table"
            yield OptionDecl(key, value, self.loc(doc, token.offset), attribute)
