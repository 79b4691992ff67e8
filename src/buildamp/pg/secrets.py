"""The one place that knows what a secret looks like and removes it.

Every channel buildamp writes to (stdout and stderr lines, the audit log,
webhook bodies, events handed to subscribers, exception messages) goes through
:func:`scrub`. Passwords are found with libpq's own URL and ``key=value``
rules (psycopg's conninfo parser), plus the spelling a naive URL split would
see, so a password holding ``/``, ``@``, ``#`` or ``?`` is removed whole.
"""

from __future__ import annotations

import _thread
import io
import re
from collections.abc import Iterable, Mapping
from typing import Any, TextIO, TypeVar

MASK = "***"
# Shorter values are too common to replace everywhere ("a" would garble every
# line); they are still removed where they stand in a URL or a key=value pair.
MIN_SECRET_LENGTH = 4
URL_SCHEMES = ("postgresql://", "postgres://")
# Any scheme (webhook URLs too); greedy to the token's last "@". A pattern
# string, compiled (~1.3 ms) by re's cache the first time a line holds an "@":
# every command loads this module and most print none.
_URL_PASSWORD = r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/?#@\s]*:)[^\s]+@"
KV_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s,;\"&]+)", re.IGNORECASE)

# _thread, not threading: every command loads this module (its stdout is
# scrubbed) and most start no thread
_lock = _thread.allocate_lock()
_registered: set[str] = set()

T = TypeVar("T")


def is_url(url: str) -> bool:
    """A ``postgresql://`` URL rather than a ``key=value`` DSN."""
    return url.startswith(URL_SCHEMES)


def conninfo(url: str) -> dict[str, str]:
    """``url`` (URL or ``key=value`` DSN) parsed by libpq's rules; empty when
    libpq cannot parse it."""
    try:
        # loaded on use: only this path needs it (keeps start-up cheap)
        from psycopg.conninfo import conninfo_to_dict
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return {}
    try:
        parsed = conninfo_to_dict(url)
    except Exception:  # psycopg.ProgrammingError and friends: not parseable
        return {}
    return {key: str(value) for key, value in parsed.items() if value is not None}


def _naive_passwords(url: str) -> list[str]:
    """What a URL split at the *last* ``@`` would call the password: libpq stops
    at ``/`` and a URL library at ``#``, but a human wrote everything up to @."""
    if not url.startswith(URL_SCHEMES):
        return [m.group(2).strip("'") for m in KV_PASSWORD.finditer(url)]
    rest = url.split("://", 1)[1]
    found: list[str] = []
    if "@" in rest:
        userinfo = rest.rsplit("@", 1)[0]
        if ":" in userinfo:
            found.append(userinfo.split(":", 1)[1])
    query = rest.split("?", 1)[1] if "?" in rest else ""
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if key.lower() == "password" and value:
            found.append(value)
    return found


def secrets_in(url: str | None) -> list[str]:
    """Every spelling of the password in ``url``: as libpq reads it, as written,
    percent-encoded and decoded."""
    # loaded on use: only commands that hold a URL need it (start-up stays cheap)
    from urllib.parse import quote, unquote

    if not url:
        return []
    naive = _naive_passwords(url)
    # libpq may split a password holding "@" or "/" elsewhere and then name the
    # pieces in its errors (host "ss@db.example"): every piece is secret too.
    pieces = [p for value in naive for p in re.split(r"[@/#?:]", value)]
    raw = [conninfo(url).get("password", ""), *naive, *pieces]
    spellings: set[str] = set()
    for value in raw:
        if not value:
            continue
        spellings |= {value, unquote(value), quote(value, safe=""), quote(value)}
    return sorted((s for s in spellings if s), key=len, reverse=True)


def register(*urls: str | None) -> None:
    """Remember the passwords of ``urls`` for every later :func:`scrub`."""
    found = [secret for url in urls for secret in secrets_in(url)]
    with _lock:
        _registered.update(found)


def register_secret(*values: str) -> None:
    """Remember other secrets (webhook tokens, configured headers)."""
    with _lock:
        _registered.update(v for v in values if v)


def _known(extra: Iterable[str]) -> list[str]:
    """Every secret to mask, longest first (a secret inside another goes last)."""
    with _lock:
        known = set(_registered)
    known.update(e for e in extra if e)
    return [s for s in sorted(known, key=len, reverse=True) if len(s) >= MIN_SECRET_LENGTH]


def scrub_text(text: str, extra: Iterable[str] = ()) -> str:
    return _scrub_text(text, _known(extra))


def _scrub_text(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    if "@" in text:  # what a URL password needs, checked before the regex
        text = re.sub(_URL_PASSWORD, rf"\1{MASK}@", text)
    if "password" in text.lower():
        text = KV_PASSWORD.sub(rf"\1{MASK}", text)
    return text


def scrub(value: T, extra: Iterable[str] = ()) -> T:
    """``value`` with every known secret replaced by ``***``: strings, and
    strings inside mappings, lists and tuples (event payloads)."""
    return _scrub(value, _known(extra))  # type: ignore[no-any-return]


def _scrub(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        return _scrub_text(value, secrets)
    if isinstance(value, Mapping):
        return {key: _scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, secrets) for item in value]
    if isinstance(value, tuple):
        return tuple(_scrub(item, secrets) for item in value)
    return value


def redact(url: str) -> str:
    """``url`` for display: the password (every spelling) replaced by ``***``."""
    return scrub_text(url, secrets_in(url))


def database_identity(url: str) -> str:
    """``host:port/dbname`` by libpq's rules, for messages and the audit log:
    never credentials (a password holding ``#`` no longer turns the user name
    into the host)."""
    credentials_free = url
    if url.startswith(URL_SCHEMES) and "@" in url:
        scheme, rest = url.split("://", 1)
        credentials_free = f"{scheme}://{rest.rsplit('@', 1)[1]}"
    info = conninfo(credentials_free)
    host = info.get("host", "").split(",")[0]
    port = info.get("port", "").split(",")[0]
    dbname = info.get("dbname", "")
    identity = f"{host or 'localhost'}:{port or '5432'}/{dbname or 'postgres'}"
    return scrub_text(identity, secrets_in(url))


class ScrubbingWriter(io.TextIOBase):
    """A text stream (``sys.stdout``, ``sys.stderr``) whose every line goes
    through :func:`scrub_text` before ``inner`` sees it. Text is held until a
    line ends or ``flush()`` so a password printed in two pieces is still
    found. There is no ``.buffer`` to write around it: bytes (click's shell
    completion script) are decoded and scrubbed like text."""

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner
        self._pending = ""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(getattr(self.inner, "encoding", None) or "utf-8")

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return getattr(self.inner, "errors", None)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    def write(self, text: str | bytes) -> int:
        if isinstance(text, bytes | bytearray):
            text = bytes(text).decode(self.encoding, self.errors or "strict")
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._pending += text
        end = self._pending.rfind("\n")
        if end >= 0:
            lines, self._pending = self._pending[: end + 1], self._pending[end + 1 :]
            self.inner.write(scrub_text(lines))
        return len(text)

    def flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, ""
            self.inner.write(scrub_text(pending))
        self.inner.flush()
