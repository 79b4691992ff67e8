"""Read Rust model files into :mod:`buildamp.sources.decl` declarations.

We parse with tree-sitter-rust, a real Rust grammar, so comments, strings and
nesting can never fool us the way regular expressions would. This module only
checks syntax and reports what was written; option names, value types and type
mapping are validated by :mod:`buildamp.sources.build` for both languages.
"""

from __future__ import annotations

import difflib
import functools
import math
import os
import pathlib
import sys
from collections.abc import Iterator, Sequence

from tree_sitter import Language, Node, Parser

from buildamp.model.errors import Location, ModelError
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
from buildamp.sources.rust_syntax import (
    doc_lines,
    first_error,
    inner,
    leaves,
    named,
    node_text,
    parse_number,
    raw_string,
    snippet,
    to_bytes,
    unescape,
)

_VALUE_HINT = 'values are strings, true/false, numbers or ["list"]'
_TYPE_HINT = "use a named type, Option<T>, Vec<T>, a tuple or an array"
_OPTION_ATTRS = ("table", "migration")
_DOMAIN_MARKERS = ("buildamp_domain", "buildamp::buildamp_domain")
_DOMAIN_DERIVES = ("BuildAmpDomain", "buildamp::BuildAmpDomain")
_MAX_TYPE_DEPTH = 64

_Attr = tuple[str, Node]  # (attribute path such as "buildamp::migration", attribute node)

# A field type's source text -> what it reads as (a function of the text alone:
# a type that does not read raises, and is never kept).
_TYPES: dict[bytes, TypeRef] = {}
_TYPES_KEPT = 4096


def _rust_grammar() -> object:
    """``tree_sitter_rust.language()`` without the package's ``__init__``, which
    imports ``importlib.resources`` (and with it tempfile, shutil, zipfile's
    readers: ~7 ms of every run that reads a model) for query files buildamp
    never reads. Its compiled ``_binding`` is loaded from the package folder;
    anything unexpected falls back to the plain import."""
    # the loader machinery: already imported at start-up by the interpreter
    import importlib.machinery
    import importlib.util

    try:
        package = importlib.util.find_spec("tree_sitter_rust")
        assert package is not None and package.submodule_search_locations is not None
        folder = next(iter(package.submodule_search_locations))
        for suffix in importlib.machinery.EXTENSION_SUFFIXES:
            path = os.path.join(folder, "_binding" + suffix)
            if os.path.isfile(path):
                spec = importlib.util.spec_from_file_location("tree_sitter_rust._binding", path)
                assert spec is not None and spec.loader is not None
                binding = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(binding)
                return binding.language()
    except (ImportError, AssertionError, OSError, AttributeError):
        pass
    # the package as published: when its layout is not the one above
    import tree_sitter_rust

    return tree_sitter_rust.language()


_LANGUAGE = Language(_rust_grammar())


def _field_id(name: str) -> int:
    found = _LANGUAGE.field_id_for_name(name)
    assert found is not None, f"the Rust grammar has no field {name!r}"
    return found


# A field's name and type by the grammar's field ids (no lookup by name per field).
_NAME = _field_id("name")
_TYPE = _field_id("type")


@functools.cache
def _parser() -> Parser:
    """Building the language is not free; every file shares one parser."""
    return Parser(_LANGUAGE)


def read_rust_file(path: pathlib.Path, display_path: str) -> SourceFile:
    """Read one model file; ``*_domain.rs`` files make every ``pub struct`` a domain model."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        message = f"cannot read Rust model file: {exc.strerror}"
        raise ModelError(message, Location(display_path)) from exc
    return read_rust_source(data, display_path, path.name.endswith("_domain.rs"))


def read_rust_source(
    text: bytes | str, display_path: str, domain_file: bool | None = None
) -> SourceFile:
    """Parse Rust source; ``domain_file=None`` infers it from ``display_path``."""
    if domain_file is None:
        domain_file = display_path.endswith("_domain.rs")
    return _Reader(to_bytes(text, display_path), display_path, domain_file).read()


@functools.lru_cache(maxsize=1024)
def _close_attribute(name: str, wanted: tuple[str, ...]) -> str | None:
    """The attribute of ours ``name`` nearly spells (every struct repeats its
    ``derive``: one difflib run per distinct name, not per struct)."""
    close = difflib.get_close_matches(name, wanted, n=1, cutoff=0.75)
    return close[0] if close else None


class _Reader:
    """Holds the source and display path so every helper can point at file:line:column."""

    def __init__(self, src: bytes, path: str, domain_file: bool) -> None:
        self.src = src
        self.path = path
        self.domain_file = domain_file
        self.ascii = src.isascii()  # then a byte column is the character column
        self.structs: list[StructDecl] = []
        self.enums: list[EnumDecl] = []
        self.aliases: list[AliasDecl] = []

    def read(self) -> SourceFile:
        root = _parser().parse(self.src).root_node
        try:
            if (bad := first_error(root)) is not None:
                raise self._syntax_error(bad)
            self._items(root)
        except RecursionError:
            raise ModelError(
                "items nested too deeply (thousands of mod blocks?)",
                Location(self.path, 1, 1),
                "flatten the mod blocks",
            ) from None
        return SourceFile(self.path, tuple(self.structs), tuple(self.enums), tuple(self.aliases))

    # -- locations and errors -------------------------------------------------

    def loc(self, node: Node) -> Location:
        """1-based line and character (not byte) column, as editors show them."""
        row, col = node.start_point
        if self.ascii:
            return Location(self.path, row + 1, col + 1)
        prefix = self.src[node.start_byte - col : node.start_byte]
        return Location(self.path, row + 1, len(prefix.decode("utf-8", "replace")) + 1)

    def snippet(self, node: Node) -> str:
        return snippet(self.src, node)

    def error(self, message: str, node: Node, hint: str = "") -> ModelError:
        return ModelError(message, self.loc(node), hint)

    def bad_option(self, expected: str, attr: str, node: Node) -> ModelError:
        found = f", found `{self.snippet(node)}`" if node.type != "=" else ""
        return self.error(f"{expected} in #[{attr}(...)]{found}", node, _VALUE_HINT)

    def _syntax_error(self, node: Node) -> ModelError:
        near = self.snippet(node)
        message = f"Rust syntax error near `{near}`" if near else "Rust syntax error at end of file"
        if node.is_missing:
            message += f": missing `{node.type}`"
        return self.error(message, node, "fix the Rust syntax; the file must compile")

    def required(self, node: Node, field: str) -> Node:
        """A child the grammar guarantees in an error-free tree; never trust it blindly."""
        child = node.child_by_field_name(field)
        if child is None:
            raise self.error(f"Rust syntax error near `{self.snippet(node)}`", node)
        return child

    # -- items ----------------------------------------------------------------

    def _items(self, container: Node) -> None:
        """Walk items in order; outer attributes attach to the next item."""
        attrs: list[_Attr] = []
        docs: list[str] = []
        for child in container.named_children:
            if child.is_extra:
                docs += doc_lines(child)
                continue
            if child.type == "attribute_item":
                attrs.extend(self._attr(child))
                continue
            self._item(child, attrs, docs)
            attrs, docs = [], []

    def _item(self, node: Node, attrs: list[_Attr], docs: list[str]) -> None:
        if node.type == "struct_item":
            self._struct(node, attrs, docs)
        elif node.type == "enum_item":
            self._enum(node, attrs)
        elif node.type == "type_item":
            self._alias(node)
        elif node.type == "mod_item" and not self._is_cfg_test(attrs):
            body = node.child_by_field_name("body")
            if body is not None:
                self._items(body)

    def _attr(self, item: Node) -> list[_Attr]:
        attrs = [c for c in named(item) if c.type == "attribute"]
        if not attrs:
            return []
        parts = named(attrs[0])
        if not parts:
            return []
        first = parts[0]
        if first.type == "identifier":  # `derive`, `table`: one token, one string
            return [(sys.intern(node_text(first)), attrs[0])]
        path = "".join(leaves(first)).removeprefix("::")
        return [(path, attrs[0])]

    def _is_cfg_test(self, attrs: list[_Attr]) -> bool:
        """Test-only modules are not part of the model."""
        return any(path == "cfg" and self._arg_paths(node) == ["test"] for path, node in attrs)

    def _arg_paths(self, attr: Node) -> list[str]:
        """``derive(A, b::C)`` -> ``["A", "b::C"]``."""
        args = attr.child_by_field_name("arguments")
        if args is None:
            return []
        paths, current = [], ""
        for token in args.children[1:-1]:
            if token.is_extra:
                continue
            if token.type == ",":
                paths.append(current)
                current = ""
            else:
                current += "".join(leaves(token))
        paths.append(current)
        return [p.removeprefix("::") for p in paths if p]

    def _marker(self, attrs: list[_Attr]) -> str:
        """The attribute that explicitly makes this struct a table, as written."""
        for path, attr in attrs:
            if path in _DOMAIN_MARKERS:
                return f"#[{path}]"
            if path == "derive" and any(p in _DOMAIN_DERIVES for p in self._arg_paths(attr)):
                return "#[derive(BuildAmpDomain)]"
        return ""

    def _is_domain(self, node: Node, marker: str) -> bool:
        if marker:
            return True
        public = any(c.type == "visibility_modifier" for c in node.named_children)
        return self.domain_file and public

    def _struct(self, node: Node, attrs: list[_Attr], docs: list[str]) -> None:
        name_node = self.required(node, "name")
        name = node_text(name_node)
        body = node.child_by_field_name("body")
        marker = self._marker(attrs)
        domain = self._is_domain(node, marker)
        if body is None or body.type != "field_declaration_list":
            if domain:
                kind = "unit" if body is None else "tuple"
                raise self.error(
                    f"{kind} struct {name} cannot be a domain model; use named fields", name_node
                )
            return
        fields = tuple(self._fields(body))
        options = tuple(self._options(attrs, _OPTION_ATTRS))
        if domain and not marker and any(path == "table" for path, _ in attrs):
            marker = "#[table(...)]"
        doc = "\n".join(docs) if docs else None
        self.structs.append(
            StructDecl(name, fields, options, domain, self.loc(name_node), marker, doc)
        )

    def _fields(self, body: Node) -> Iterator[FieldDecl]:
        attrs: list[_Attr] = []
        docs: list[str] = []
        for child in body.named_children:
            kind = child.type  # fields and attributes are never comments (extras)
            if kind == "field_declaration":
                name_node = child.child_by_field_id(_NAME) or self.required(child, "name")
                type_node = child.child_by_field_id(_TYPE) or self.required(child, "type")
                # serde names `r#type` "type"; one string per name, however many fields
                name = sys.intern(node_text(name_node).removeprefix("r#"))
                type_ref = self.field_type(type_node, name)
                options = tuple(self._options(attrs, ("migration",))) if attrs else ()
                doc = "\n".join(docs) if docs else None
                yield FieldDecl(name, type_ref, options, self.loc(name_node), None, doc)
            elif kind == "attribute_item":
                attrs.extend(self._attr(child))
                continue
            elif child.is_extra:
                docs += doc_lines(child)
                continue
            attrs, docs = [], []

    def _enum(self, node: Node, outer: list[_Attr]) -> None:
        name_node = self.required(node, "name")
        variants: list[str] = []
        renames: list[tuple[str, str]] = []
        unit_only = True
        attrs: list[_Attr] = []
        for variant in named(self.required(node, "body")):
            if variant.type == "attribute_item":
                attrs.extend(self._attr(variant))
                continue
            if variant.type != "enum_variant":
                continue
            # one string per variant name, however many enums repeat it
            name = sys.intern(node_text(self.required(variant, "name")))
            variants.append(name)
            unit_only = unit_only and variant.child_by_field_name("body") is None
            renames += self._variant_renames(attrs, name)
            attrs = []
        self.enums.append(
            EnumDecl(
                node_text(name_node),
                tuple(variants),
                unit_only,
                self.loc(name_node),
                tuple(renames),
                tuple(self._options(outer, _OPTION_ATTRS)),
            )
        )

    def _variant_renames(self, attrs: list[_Attr], variant: str) -> list[tuple[str, str]]:
        """``#[migration(rename_from = "Mid")] Medium``: the value is renamed, not replaced."""
        found = []
        for option in self._options(attrs, ("migration",)):
            if option.key != "rename_from" or not isinstance(option.value, str):
                raise ModelError(
                    f'enum variant {variant} takes only #[migration(rename_from = "...")]',
                    option.location,
                )
            found.append((option.value, variant))
        return found

    def _alias(self, node: Node) -> None:
        name_node = self.required(node, "name")
        name = node_text(name_node)
        params = node.child_by_field_name("type_parameters")
        if params is not None:
            raise self.error(
                f"generic type alias {name} is not supported",
                params,
                "write the concrete type, e.g. `type X = Vec<String>;`",
            )
        target = self.type_ref(self.required(node, "type"), f"type alias {name}")
        self.aliases.append(AliasDecl(name, target, self.loc(name_node)))

    # -- types ----------------------------------------------------------------

    def field_type(self, node: Node, field: str) -> TypeRef:
        """:meth:`type_ref` of a field's type, read once per distinct spelling:
        a project repeats a few types (``Option<String>``) thousands of times,
        and every field of one spelling shares one :class:`TypeRef`."""
        key = node.text or b""
        known = _TYPES.get(key)
        if known is None:
            known = self.type_ref(node, f"field {field}")
            if len(_TYPES) >= _TYPES_KEPT:
                _TYPES.clear()
            _TYPES[key] = known
        return known

    def type_ref(self, node: Node, owner: str, depth: int = 0) -> TypeRef:
        """The type as written; lifetimes, references and const generics are dropped."""
        kind = node.type
        if depth > _MAX_TYPE_DEPTH:
            raise self.error(f"type nested too deeply in {owner}", node)
        if kind in ("primitive_type", "type_identifier"):
            return TypeRef(node_text(node))
        if kind == "scoped_type_identifier":
            return self._scoped(node, owner)
        if kind == "generic_type":
            return self._generic(node, owner, depth)
        if kind == "reference_type":
            return self.type_ref(self.required(node, "type"), owner, depth + 1)
        if kind == "array_type":
            element = self.type_ref(self.required(node, "element"), owner, depth + 1)
            return TypeRef("[]", (element,))
        if kind == "tuple_type":
            return TypeRef("()", tuple(self.type_ref(c, owner, depth + 1) for c in named(node)))
        if kind == "unit_type":
            return TypeRef("()")
        raise self._unsupported(node, owner)

    def _unsupported(self, node: Node, owner: str) -> ModelError:
        return self.error(f"unsupported type `{self.snippet(node)}` in {owner}", node, _TYPE_HINT)

    def _scoped(self, node: Node, owner: str) -> TypeRef:
        parts = leaves(node)
        if not all(p == "::" or p.isidentifier() for p in parts):
            raise self._unsupported(node, owner)
        name = node_text(self.required(node, "name"))
        return TypeRef(name, path="".join(parts).removeprefix("::"))

    def _generic(self, node: Node, owner: str, depth: int) -> TypeRef:
        base = self.type_ref(self.required(node, "type"), owner, depth + 1)
        args: list[TypeRef] = []
        for arg in named(self.required(node, "type_arguments")):
            # Lifetimes and const-generic arguments say nothing about the stored shape.
            if arg.type not in ("lifetime", "block") and not arg.type.endswith("_literal"):
                args.append(self.type_ref(arg, owner, depth + 1))
        return TypeRef(base.name, tuple(args), base.path)

    # -- attribute options ----------------------------------------------------

    def _options(self, attrs: Sequence[_Attr], wanted: Sequence[str]) -> Iterator[OptionDecl]:
        """Options of every wanted attribute, in source order (several attributes merge)."""
        for path, attr in attrs:
            name = path.removeprefix("buildamp::")
            if name not in wanted:
                self._check_spelling(name, wanted, attr)
                continue
            args = attr.child_by_field_name("arguments")
            if args is not None:
                yield from self._option_list(args, name)
            elif attr.child_by_field_name("value") is not None:
                raise self.error(f"expected #[{name}(key = value, ...)]", attr, _VALUE_HINT)

    def _check_spelling(self, name: str, wanted: Sequence[str], attr: Node) -> None:
        """``#[migraton(...)]`` would be ignored silently, like any foreign attribute:
        one that is nearly ours is a typo."""
        close = _close_attribute(name, tuple(wanted))
        if close:
            raise self.error(
                f"unknown attribute #[{name}(...)]", attr, f"did you mean #[{close}(...)]?"
            )

    def _option_list(self, tree: Node, attr: str) -> Iterator[OptionDecl]:
        tokens = inner(tree)
        i = 0
        while i < len(tokens):
            key_node = tokens[i]
            key = self._key(key_node, attr)
            i += 1
            value: OptionValue = True
            if i < len(tokens) and tokens[i].type == "=":
                value, i = self._value(tokens, i + 1, key, attr)
            yield OptionDecl(key, value, self.loc(key_node), attr)
            if i < len(tokens):
                self._expect_comma(tokens[i], f"after option `{key}`", attr)
                i += 1

    def _key(self, node: Node, attr: str) -> str:
        text = node_text(node)
        word = node.type == "identifier" or (not node.is_named and text.isidentifier())
        if not word:
            raise self.bad_option("expected `key = value`", attr, node)
        return sys.intern(text.removeprefix("r#"))  # a few keys, repeated by every model

    def _expect_comma(self, node: Node, where: str, attr: str) -> None:
        if node.type != ",":
            raise self.bad_option(f"expected `,` {where}", attr, node)

    def _value(self, tokens: list[Node], i: int, key: str, attr: str) -> tuple[OptionValue, int]:
        if i >= len(tokens):
            raise self.bad_option(f"missing value for `{key}`", attr, tokens[i - 1])
        tree = tokens[i]
        if tree.type == "token_tree" and tree.children and tree.children[0].type == "[":
            return self._list(tree, key, attr), i + 1
        return self._scalar(tokens, i, key, attr)

    def _list(self, tree: Node, key: str, attr: str) -> tuple[OptionScalar, ...]:
        tokens = inner(tree)
        items: list[OptionScalar] = []
        i = 0
        while i < len(tokens):
            value, i = self._scalar(tokens, i, key, attr)
            items.append(value)
            if i < len(tokens):
                self._expect_comma(tokens[i], f"between items of `{key}`", attr)
                i += 1
        return tuple(items)

    def _scalar(self, tokens: list[Node], i: int, key: str, attr: str) -> tuple[OptionScalar, int]:
        token = tokens[i]
        kind = token.type
        numbers = ("integer_literal", "float_literal")
        if kind == "-" and i + 1 < len(tokens) and tokens[i + 1].type in numbers:
            return -self._number(tokens[i + 1]), i + 2
        if kind in numbers:
            return self._number(token), i + 1
        if kind == "boolean_literal":
            return node_text(token) == "true", i + 1
        if kind == "string_literal" and (token.text or b"").startswith(b'"'):
            # one string per value (every model may repeat an index spec)
            return sys.intern(self._string(token)), i + 1
        if kind == "raw_string_literal" and (token.text or b"").startswith(b"r"):
            return raw_string(node_text(token)), i + 1
        raise self.bad_option(f"expected a value for `{key}`", attr, token)

    def _number(self, node: Node) -> int | float:
        text = node_text(node).replace("_", "")
        try:
            value = parse_number(text, node.type == "float_literal")
        except ValueError:
            value = math.nan
        if isinstance(value, float) and not math.isfinite(value):
            raise self.error(f"cannot read number `{text}`", node, "write a plain decimal number")
        return value

    def _string(self, node: Node) -> str:
        """Decode a ``"..."`` literal using the grammar's escape nodes."""
        pieces: list[str] = []
        pos = node.start_byte + 1
        skip_space = False
        for escape in node.named_children:
            if escape.type != "escape_sequence":
                continue
            raw = self.src[pos : escape.start_byte].decode("utf-8", "replace")
            pieces.append(raw.lstrip(" \t\r\n") if skip_space else raw)
            decoded = unescape(node_text(escape))
            if decoded is None:
                raise self.error(f"invalid escape `{node_text(escape)}` in string", escape)
            skip_space = decoded == ""  # backslash-newline skips the next line's indent
            pieces.append(decoded)
            pos = escape.end_byte
        raw = self.src[pos : node.end_byte - 1].decode("utf-8", "replace")
        pieces.append(raw.lstrip(" \t\r\n") if skip_space else raw)
        return "".join(pieces)
