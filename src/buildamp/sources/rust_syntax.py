"""Rust syntax helpers for the reader: tree-sitter node access, input bytes,
and literal decoding (numbers, escapes, raw strings)."""

from __future__ import annotations

from tree_sitter import Node

from buildamp.model.errors import Location, ModelError

INT_SUFFIXES = tuple(
    f"{sign}{bits}" for sign in "iu" for bits in ("128", "size", "64", "32", "16", "8")
)
FLOAT_SUFFIXES = ("f32", "f64")
SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "0": "\0", "'": "'", '"': '"'}


def parse_number(text: str, is_float: bool) -> int | float:
    bases = {"0x": 16, "0o": 8, "0b": 2}
    base = bases.get(text[:2], 10)
    if base == 10 and (is_float or text.endswith(FLOAT_SUFFIXES)):
        return float(strip_suffix(text, FLOAT_SUFFIXES))
    digits = text[2:] if base != 10 else text
    return int(strip_suffix(digits, INT_SUFFIXES), base)


def strip_suffix(text: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if text.endswith(suffix):
            return text[: -len(suffix)]
    return text


def unescape(escape: str) -> str | None:
    """One Rust escape; ``""`` for a line continuation, ``None`` when invalid."""
    body = escape[1:]
    if body in SIMPLE_ESCAPES:
        return SIMPLE_ESCAPES[body]
    if body.strip(" \t\r\n") == "":
        return ""
    try:
        if body.startswith("x") and len(body) == 3:
            code = int(body[1:], 16)
            return chr(code) if code <= 0x7F else None
        if body.startswith("u{") and body.endswith("}"):
            code = int(body[2:-1].replace("_", ""), 16)
            surrogate = 0xD800 <= code <= 0xDFFF
            return chr(code) if code <= 0x10FFFF and not surrogate else None
    except ValueError:
        return None
    return None


def raw_string(text: str) -> str:
    """``r#"a"b"#`` -> ``a"b``: no escapes, only the hash fences to remove."""
    body = text[1:]
    hashes = len(body) - len(body.lstrip("#"))
    return body[hashes + 1 : len(body) - hashes - 1]


def to_bytes(text: bytes | str, display_path: str) -> bytes:
    """Tree-sitter works on UTF-8 bytes; anything else is the user's encoding problem."""
    if isinstance(text, str):
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as exc:
            prefix = text[: exc.start].encode("utf-8", "surrogatepass")
            raise encoding_error(prefix, display_path) from None
    else:
        data = text
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise encoding_error(data[: exc.start], display_path) from None
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def encoding_error(prefix: bytes, display_path: str) -> ModelError:
    """Point at the first bad byte; ``prefix`` is everything before it."""
    line = prefix.count(b"\n") + 1
    column = len(prefix[prefix.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
    return ModelError(
        "file is not valid UTF-8", Location(display_path, line, column), "save it as UTF-8"
    )


def doc_lines(comment: Node) -> list[str]:
    """The text of an outer doc comment (``/// text``, ``/** text */``), else nothing:
    ``//`` and ``////`` comments are not documentation."""
    markers = [c for c in comment.named_children if c.type == "outer_doc_comment_marker"]
    text = next((c for c in comment.named_children if c.type == "doc_comment"), None)
    if not markers or text is None:
        return [""] if markers else []
    return node_text(text).rstrip("\n").split("\n")


def named(node: Node) -> list[Node]:
    """Named children without comments, which the grammar allows almost anywhere."""
    return [c for c in node.named_children if not c.is_extra]


def leaves(node: Node) -> list[str]:
    """Token texts under ``node`` in order, so ``a :: b`` and ``a::b`` read the same."""
    out: list[str] = []
    stack = [node]
    while stack:
        cur = stack.pop()
        if cur.is_extra:
            continue
        if cur.child_count == 0:
            out.append(node_text(cur))
        stack.extend(reversed(cur.children))
    return out


def snippet(src: bytes, node: Node) -> str:
    """The node's first line, or what follows it when it is empty (a MISSING node)."""
    end = node.end_byte if node.end_byte > node.start_byte else node.start_byte + 80
    text = src[node.start_byte : end].decode("utf-8", "replace").strip()
    return text.splitlines()[0][:40] if text else ""


def node_text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def first_error(root: Node) -> Node | None:
    """First ERROR or MISSING node in document order (iterative: files can nest deeply)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return node
        stack.extend(reversed([c for c in node.children if c.has_error or c.is_missing]))
    return None


def inner(tree: Node) -> list[Node]:
    """Tokens of a token tree without its delimiters and comments."""
    children = [c for c in tree.children if not c.is_extra]
    return children[1:-1] if len(children) >= 2 else []
