"""The one place that knows what a secret looks like and removes it.

Every channel buildamp writes to (stdout and stderr lines, the audit log,
webhook bodies, events handed to subscribers, exception messages) goes through
:func:`scrub`. Passwords are found with libpq's own URL and ``key=value``
rules (psycopg's conninfo parser), plus the spelling a naive URL split would
see, so a password holding ``/``, ``@``, ``#`` or ``?`` is removed whole.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote, unquote

MASK = "***"
# Shorter values are too common to replace everywhere ("a" would garble every
# line); they are still removed where they stand in a URL or a key=value pair.
MIN_SECRET_LENGTH = 4
URL_SCHEMES = ("postgresql://", "postgres://")
# Any scheme (webhook URLs too); greedy to the token's last "@".
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/?#@\s]*:)[^\s]+@", re.IGNORECASE)
KV_PASSWORD = re.compile(r"(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s,;\"&]+)", re.IGNORECASE)

_lock = threading.Lock()
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
        text = _URL_PASSWORD.sub(rf"\1{MASK}@", text)
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
