"""Read Python model files (dataclasses, Pydantic v2) into declarations.

Model files are imported, because only the interpreter knows what a hint really
is (aliases, ``NewType``, ``from x import y``). Each file gets a private module
name under ``buildamp_models`` and everything we add to ``sys.modules`` and
``sys.path`` is removed afterwards, so reading twice never sees stale classes.
Options are passed on unvalidated: :mod:`buildamp.sources.build` checks them for
both languages, pointing at the lines recorded here.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import enum
import importlib
import importlib.util
import re
import sys
import traceback
import types
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

from buildamp.files.config import Config
from buildamp.markers import DOMAIN_ATTRIBUTE, CallSite, Domain, Migration
from buildamp.model.errors import Location, ModelError
from buildamp.pg.sqltext import quote_literal
from buildamp.sources.decl import (
    EnumDecl,
    FieldDecl,
    OptionDecl,
    SourceFile,
    StructDecl,
)
from buildamp.sources.options import STRUCT_MIGRATION_OPTIONS
from buildamp.sources.python_types import (
    HintReader,
    called_name,
    enum_values,
    is_model_class,
    is_pydantic,
    option_value,
)

PACKAGE = "buildamp_models"
TABLE_KEYS = {
    "table": "name",
    "name": "name",
    "indexes": "indexes",
    "storage": "storage",
    "tenant": "tenant",
    "primary_key": "primary_key",
    "rename_from": "rename_from",
    "tenant_isolation": "tenant_isolation",
    "timestamps": "timestamps",
    "constraints": "constraints",
}
_IMPORT_HINT = "model files are imported: they must run without a database or side effects"


def read_python_files(python_files: list[Path], config: Config) -> list[SourceFile]:
    """Import every file, then declare its ``@domain`` models, enums and the types they use."""
    roots = [(config.project_dir / folder).resolve() for folder in config.models]
    with _isolated(config, roots):
        importer = _Importer(config, roots)
        modules = [(path, importer.load(path)) for path in python_files]
        return _Collector(config).collect(modules)


@contextlib.contextmanager
def _isolated(config: Config, roots: list[Path]) -> Iterator[None]:
    """Import with the model folders' parents on ``sys.path``; undo it all afterwards."""
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    saved_bytecode = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # never write __pycache__ into the user's model folders
    for parent in dict.fromkeys(str(root.parent) for root in roots):
        if parent not in sys.path:
            sys.path.insert(0, parent)
    importlib.invalidate_caches()
    try:
        yield
    finally:
        sys.path[:] = saved_path
        sys.dont_write_bytecode = saved_bytecode
        for name in set(sys.modules) - saved_modules:
            if (
                name == PACKAGE
                or name.startswith(PACKAGE + ".")
                or _under(getattr(sys.modules[name], "__file__", None), roots)
            ):
                del sys.modules[name]


def _under(file: str | None, roots: list[Path]) -> bool:
    if not file:
        return False
    path = Path(file).resolve()
    return any(path == root or root in path.parents for root in roots)


class _Importer:
    """Imports model files by path under unique, package-aware module names."""

    def __init__(self, config: Config, roots: list[Path]) -> None:
        self.project = config.project_dir.resolve()
        self.config = config
        self.roots = roots

    def module_name(self, path: Path) -> tuple[str, list[Path]]:
        """``models/a/b.py`` -> ``buildamp_models.models.a.b`` and the package folders."""
        path = path.resolve()
        bases = [self.project, *(root.parent for root in self.roots)]
        base = next((b for b in bases if b in path.parents), path.parent)
        parts = list(path.relative_to(base).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names = [re.sub(r"\W", "_", p) for p in parts]
        names = [f"_{n}" if n[:1].isdigit() else n for n in names]
        folders = [base.joinpath(*parts[:i]) for i in range(len(parts))]
        return ".".join([PACKAGE, *names]), folders

    def load(self, path: Path) -> types.ModuleType:
        name, folders = self.module_name(path)
        if name in sys.modules:  # already imported by a sibling's relative import
            return sys.modules[name]
        self._packages(name, folders)
        package = path.name == "__init__.py"
        spec = importlib.util.spec_from_file_location(
            name, path, submodule_search_locations=[str(path.parent)] if package else None
        )
        if spec is None or spec.loader is None:
            raise ModelError("cannot import model file", Location(self.config.display(path)))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except SyntaxError as error:
            sys.modules.pop(name, None)
            raise self._syntax_error(error, path) from None
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # GeneratorExit, SystemExit, BaseException itself
            sys.modules.pop(name, None)
            raise self._import_error(error, path) from None
        return module

    def _packages(self, name: str, folders: list[Path]) -> None:
        """Parent packages, so ``from .sibling import X`` works inside model folders."""
        parts = name.split(".")
        for depth, folder in enumerate(folders, start=1):
            package = ".".join(parts[:depth])
            if package in sys.modules:
                continue
            init = folder / "__init__.py"
            if init.is_file() and _under(str(init), self.roots):
                self.load(init)
                continue
            module = types.ModuleType(package)
            module.__path__ = [str(folder)]
            module.__package__ = package
            sys.modules[package] = module

    def _syntax_error(self, error: SyntaxError, path: Path) -> ModelError:
        file = Path(error.filename) if error.filename else path
        where = Location(self.config.display(file), error.lineno or 0, error.offset or 0)
        return ModelError(f"Python syntax error: {error.msg}", where, "fix the Python syntax")

    def _import_error(self, error: BaseException, path: Path) -> ModelError:
        """Point at the innermost line of a model file, not at our import machinery."""
        where = Location(self.config.display(path))
        for frame in traceback.extract_tb(error.__traceback__):
            if _under(frame.filename, self.roots) or Path(frame.filename) == path:
                where = Location(self.config.display(Path(frame.filename)), frame.lineno or 0)
        text = f"{type(error).__name__}: {error}".rstrip(": ")
        return ModelError(f"importing the model file failed: {text}", where, _IMPORT_HINT)


class _Collector:
    """Turns imported classes into declarations, grouped by the file that defines them."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.sources = _Sources(config)
        self.files: dict[str, _FileDecls] = {}
        self.seen: set[tuple[str, str]] = set()
        self.queue: list[type] = []
        self.hints = HintReader(self._found, self._literal)
        self._current = ""

    def collect(self, modules: list[tuple[Path, types.ModuleType]]) -> list[SourceFile]:
        for path, module in modules:
            self._file(self.config.display(path))
            found = [
                v
                for v in vars(module).values()
                if isinstance(v, type) and v.__module__ == module.__name__
            ]
            self._refuse_marked_functions(module)
            for cls in sorted(found, key=lambda c: self.sources.class_location(c).line):
                if DOMAIN_ATTRIBUTE in vars(cls) or issubclass(cls, enum.Enum):
                    self._found(cls)
        while self.queue:
            self._declare(self.queue.pop(0))
        return [decls.source(path) for path, decls in self.files.items()]

    def _refuse_marked_functions(self, module: types.ModuleType) -> None:
        """``@domain`` on a function would be ignored silently: refuse it."""
        for value in vars(module).values():
            if isinstance(value, type) or DOMAIN_ATTRIBUTE not in getattr(value, "__dict__", {}):
                continue
            code = getattr(value, "__code__", None)
            if code is None or getattr(value, "__module__", None) != module.__name__:
                continue
            where = Location(self.config.display(Path(code.co_filename)), code.co_firstlineno)
            raise ModelError(
                f"@domain marks a class, but {getattr(value, '__name__', '?')} is a function",
                where,
                "put @domain on a dataclass or a Pydantic model",
            )

    def _file(self, display: str) -> _FileDecls:
        return self.files.setdefault(display, _FileDecls())

    def _found(self, cls: type) -> None:
        key = (str(getattr(sys.modules.get(cls.__module__), "__file__", "")), cls.__qualname__)
        if key not in self.seen and cls is not enum.Enum:
            self.seen.add(key)
            self.queue.append(cls)

    def _literal(self, name: str, values: tuple[str, ...], where: Location) -> None:
        self.files[self._current].enums.append(EnumDecl(name, values, True, where))

    def _declare(self, cls: type) -> None:
        where = self.sources.class_location(cls)
        self._current = where.file
        decls = self._file(where.file)
        if issubclass(cls, enum.Enum):
            values = enum_values(cls)
            options, renames = self._enum_options(cls, values, where)
            decls.enums.append(EnumDecl(cls.__name__, values, True, where, renames, options))
            return
        marker = vars(cls).get(DOMAIN_ATTRIBUTE)
        if not is_model_class(cls):
            raise ModelError(
                f"@domain class {cls.__name__} must be a dataclass or a Pydantic model",
                where,
                "add @dataclass below @domain, or derive from pydantic.BaseModel",
            )
        fields = tuple(self._fields(cls, where))
        options = tuple(self._table_options(marker)) if isinstance(marker, Domain) else ()
        # @domain marks a table: without id, primary key or two references it is
        # an error (sources/build.py); unmarked dataclasses are value types.
        doc = self.sources.class_doc(cls)
        struct = StructDecl(
            cls.__name__,
            fields,
            options,
            marker is not None,
            where,
            "@domain" if marker else "",
            doc,
        )
        decls.structs.append(struct)

    def _fields(self, cls: type, where: Location) -> Iterator[FieldDecl]:
        try:
            hints = typing.get_type_hints(cls, include_extras=True)
        except Exception as error:
            at = self._unresolved_field(cls) or where
            raise ModelError(
                f"cannot resolve the type hints of {cls.__name__}: {error}", at, _IMPORT_HINT
            ) from None
        names: list[str]
        if is_pydantic(cls):
            names = list(cast(Any, cls).model_fields)
        else:
            names = [f.name for f in dataclasses.fields(cast(Any, cls))]
        for name in names:
            field_where, places = self.sources.field_location(cls, name) or (where, {})
            ref, markers = self.hints.field(hints.get(name, Any), cls.__name__, name, field_where)
            options = [
                option
                for marker in markers
                for option in self._options(marker, lambda key: key, "migration", places)
            ]
            literal = default_literal(_field_default(cls, name))
            doc = self.sources.field_doc(cls, name)
            yield FieldDecl(name, ref, tuple(options), field_where, literal, doc)

    def _unresolved_field(self, cls: type) -> Location | None:
        """The first field whose string annotation does not evaluate, to point at its line."""
        module = sys.modules.get(cls.__module__)
        for owner in reversed(cls.__mro__):
            for name, hint in vars(owner).get("__annotations__", {}).items():
                if not isinstance(hint, str):
                    continue
                try:
                    eval(hint, dict(vars(module)) if module else {}, dict(vars(owner)))
                except Exception:
                    found = self.sources.field_location(owner, name)
                    return found[0] if found else None
        return None

    def _enum_options(
        self, cls: type[enum.Enum], values: tuple[str, ...], where: Location
    ) -> tuple[tuple[OptionDecl, ...], tuple[tuple[str, str], ...]]:
        """``@domain(enum_name="...", rename_from={"Medium": "Mid"})`` on an enum class:
        Rust's ``#[migration(enum_name)]`` on the enum and ``rename_from`` on a variant
        (each key a label as stored, its value the label it was renamed from)."""
        marker = vars(cls).get(DOMAIN_ATTRIBUTE)
        if not isinstance(marker, Domain):
            return (), ()
        options: list[OptionDecl] = []
        renames: list[tuple[str, str]] = []
        raw = dict(marker.options)
        for option in self._options(marker, lambda key: key, "migration", {}):
            if option.key != "rename_from":
                options.append(option)
                continue
            pairs = raw["rename_from"]
            if not isinstance(pairs, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in pairs.items()
            ):
                raise ModelError(
                    f'rename_from on enum {cls.__name__} must be a dict of labels {{"New": "Old"}}',
                    option.location,
                )
            for new, old in pairs.items():
                if new not in values or old in values:
                    raise ModelError(
                        f"rename_from on enum {cls.__name__}: {new!r} must be one of its "
                        f"labels and {old!r} must not be",
                        option.location,
                        f"labels: {', '.join(values)}",
                    )
                renames.append((old, new))
        return tuple(options), tuple(renames)

    def _table_options(self, marker: Domain) -> Iterator[OptionDecl]:
        """``table=`` is Rust's ``name``; struct-level migration options keep their attribute."""
        for option in self._options(marker, lambda key: TABLE_KEYS.get(key, key), "table", {}):
            if option.key in STRUCT_MIGRATION_OPTIONS:
                option = dataclasses.replace(option, attribute="migration")
            yield option

    def _options(
        self,
        marker: Migration | Domain,
        rename: Callable[[str], str],
        attr: str,
        fallback: dict[str, Location],
    ) -> Iterator[OptionDecl]:
        """Each option at its ``key=``; markers evaluated from string annotations (PEP 563)
        were called from ``<string>``, so their keys are found in the field's annotation."""
        places = self.sources.keyword_locations(marker.site) or fallback
        for key, value in marker.options:
            where = places.get(key) or self.sources.site_location(marker.site)
            yield OptionDecl(rename(key), option_value(value), where, attr)


@dataclasses.dataclass
class _FileDecls:
    structs: list[StructDecl] = dataclasses.field(default_factory=list)
    enums: list[EnumDecl] = dataclasses.field(default_factory=list)

    def source(self, path: str) -> SourceFile:
        return SourceFile(path, tuple(self.structs), tuple(self.enums))


class _Sources:
    """Parsed model sources, for the file:line:column of classes, fields and options."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.trees: dict[str, tuple[list[str], ast.Module] | None] = {}

    def _tree(self, file: str) -> tuple[list[str], ast.Module] | None:
        if file not in self.trees:
            try:
                text = Path(file).read_text(encoding="utf-8")
                self.trees[file] = (text.splitlines(), ast.parse(text))
            except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
                self.trees[file] = None
        return self.trees[file]

    def location(self, file: str, line: int, byte_column: int) -> Location:
        """Columns as editors count them (characters, 1-based); ``ast`` counts UTF-8 bytes."""
        tree = self._tree(file)
        column = byte_column + 1
        if tree is not None and 0 < line <= len(tree[0]):
            prefix = tree[0][line - 1].encode("utf-8")[:byte_column]
            column = len(prefix.decode("utf-8", "replace")) + 1
        return Location(self.config.display(Path(file)), line, column)

    def _class_node(self, cls: type) -> tuple[str, ast.ClassDef] | None:
        file = getattr(sys.modules.get(cls.__module__), "__file__", None)
        tree = self._tree(file) if file else None
        if file is None or tree is None:
            return None
        body: list[ast.stmt] = tree[1].body
        node: ast.ClassDef | None = None
        for part in cls.__qualname__.split("."):
            node = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == part), None)
            if node is None:
                return None
            body = node.body
        return (file, node) if node is not None else None

    def class_location(self, cls: type) -> Location:
        found = self._class_node(cls)
        if found is None:
            file = getattr(sys.modules.get(cls.__module__), "__file__", None) or cls.__module__
            return Location(self.config.display(Path(file)))
        file, node = found
        lines = self._tree(file)
        text = lines[0][node.lineno - 1] if lines else ""
        start = text.encode("utf-8").find(node.name.encode("utf-8"), node.col_offset + 5)
        return self.location(file, node.lineno, start if start >= 0 else node.col_offset)

    def field_location(self, cls: type, name: str) -> tuple[Location, dict[str, Location]] | None:
        """The field's place in the class body (or the base class declaring it), plus the
        ``key=`` places of ``migration(...)`` calls written in its annotation."""
        for owner in cls.__mro__:
            found = self._class_node(owner)
            if found is None:
                continue
            file, node = found
            for stmt in node.body:
                if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
                    continue
                if stmt.target.id == name:
                    places: dict[str, Location] = {}
                    for call in ast.walk(stmt.annotation):
                        if isinstance(call, ast.Call) and called_name(call) == "migration":
                            places.update(self._call_places(file, call))
                    where = self.location(file, stmt.target.lineno, stmt.target.col_offset)
                    return where, places
        return None

    def class_doc(self, cls: type) -> str | None:
        """The class's own docstring (``__doc__`` is no use: ``@dataclass`` fills
        it with the signature when there is none)."""
        found = self._class_node(cls)
        return None if found is None else ast.get_docstring(found[1], clean=False)

    def field_doc(self, cls: type, name: str) -> str | None:
        """A field's attribute docstring: the string written on the line after it
        (as Sphinx and Pydantic's ``use_attribute_docstrings`` read it)."""
        for owner in cls.__mro__:
            found = self._class_node(owner)
            if found is None:
                continue
            body = found[1].body
            for position, stmt in enumerate(body):
                if (
                    isinstance(stmt, ast.AnnAssign)
                    and isinstance(stmt.target, ast.Name)
                    and stmt.target.id == name
                ):
                    after = body[position + 1] if position + 1 < len(body) else None
                    if (
                        isinstance(after, ast.Expr)
                        and isinstance(after.value, ast.Constant)
                        and isinstance(after.value.value, str)
                    ):
                        return after.value.value
                    return None
        return None

    def site_location(self, site: CallSite) -> Location:
        return self.location(site.file, site.line, max(site.column - 1, 0))

    def keyword_locations(self, site: CallSite) -> dict[str, Location]:
        """Each ``key=`` (or bare ``"flag"``) of the ``migration(...)``/``domain(...)`` call."""
        tree = self._tree(site.file)
        if tree is None:
            return {}
        for node in ast.walk(tree[1]):
            if (
                isinstance(node, ast.Call)
                and node.lineno == site.line
                and node.col_offset == site.column - 1
            ):
                return self._call_places(site.file, node)
        return {}

    def _call_places(self, file: str, call: ast.Call) -> dict[str, Location]:
        places = {
            k.arg: self.location(file, k.lineno, k.col_offset)
            for k in call.keywords
            if k.arg is not None
        }
        for arg in call.args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                places[arg.value] = self.location(file, arg.lineno, arg.col_offset)
        return places


def _field_default(cls: type, name: str) -> object:
    """The field's plain default (``= "web"``), or None when it has none or only a
    factory (a factory runs per object; it says nothing the database could store)."""
    if is_pydantic(cls):
        info = cast(Any, cls).model_fields[name]
        value = info.default
        return None if type(value).__name__ == "PydanticUndefinedType" else value
    for field in dataclasses.fields(cast(Any, cls)):
        if field.name == name and field.default is not dataclasses.MISSING:
            return field.default
    return None


def default_literal(value: object) -> str | None:
    """A Python default as SQL, for the column default a dataclass user expects.
    Values without an obvious SQL spelling (dates, containers) give None."""

    if isinstance(value, enum.Enum):
        members = list(type(value))
        return quote_literal(enum_values(type(value))[members.index(value)])
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and value == value and abs(value) != float("inf"):
        return repr(value)
    if isinstance(value, str):
        return quote_literal(value)
    return None
