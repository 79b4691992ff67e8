"""Which database to talk to, and how to connect without leaking secrets.

psycopg costs ~100 ms to import, so it is imported lazily: only commands that
talk to a database pay for it (URLs are parsed by libpq's rules through
psycopg's conninfo parser, see :mod:`buildamp.pg.secrets`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from buildamp.model.errors import ConfigError, DatabaseError
from buildamp.pg.secrets import KV_PASSWORD, is_url, register, scrub_text, secrets_in
from buildamp.pg.secrets import database_identity as identity
from buildamp.pg.secrets import redact as redact_url

if TYPE_CHECKING:
    import psycopg
    from psycopg.rows import TupleRow

    Connection: TypeAlias = psycopg.Connection[TupleRow]

NO_DATABASE = (
    "no database configured: pass --database-url, set BUILDAMP_DATABASE_URL or "
    "DATABASE_URL, or set database_url in buildamp.toml"
)
EMBEDDED_DIR = Path(".buildamp") / "pgdata"


def resolve_database_url(
    cli_url: str | None, config_url: str | None, mode: str, project_dir: Path
) -> str:
    """First of ``--database-url``, ``BUILDAMP_DATABASE_URL``, ``DATABASE_URL``,
    config ``database_url``; in dev mode, else, an embedded server (see
    :func:`embedded_server_url`). An empty value counts as unset."""
    explicit = explicit_database_url(cli_url, config_url)
    if explicit is not None:
        return explicit
    if mode == "dev":
        return embedded_server_url(project_dir / EMBEDDED_DIR)
    raise ConfigError(NO_DATABASE)


def explicit_database_url(cli_url: str | None, config_url: str | None) -> str | None:
    """The configured URL, if any; ``None`` means dev mode falls back to the
    embedded server."""
    for candidate in (
        cli_url,
        os.environ.get("BUILDAMP_DATABASE_URL"),
        os.environ.get("DATABASE_URL"),
        config_url,
    ):
        if candidate and candidate.strip():
            register(candidate.strip())  # every later message is scrubbed of it
            return candidate.strip()
    return None


def embedded_server_url(pgdata: Path) -> str:
    """Start (or reuse) a pgserver PostgreSQL kept in ``pgdata`` and return its URL.

    ``cleanup_mode=None`` leaves the server running when this process exits, so
    the next command reuses it (pgserver finds it through ``postmaster.pid``);
    it listens only on a Unix socket inside ``pgdata`` (or a short runtime
    directory when that path is too long for a socket), with trust auth.

    As root, PostgreSQL refuses to run, so pgserver (0.1.x) instead: creates a
    system user ``pgserver`` with ``useradd`` if missing, adds ``g+rx,o+rx`` to
    every directory from ``pgdata``'s parent up to ``/`` and to its bundled
    binaries, chowns ``pgdata`` to that user and runs initdb/pg_ctl as it. That
    works here but changes permissions outside the project, which is why the
    embedded server is a dev-mode fallback and never the default.
    """
    try:
        with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set" noise
            warnings.simplefilter("ignore")
            # the embedded server is optional (pip install buildamp[embedded])
            from pgserver.postgres_server import get_server
    except ImportError:
        raise ConfigError(
            NO_DATABASE, hint="or install buildamp[embedded] for a local dev database"
        ) from None
    pgdata = pgdata.resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    try:
        server = get_server(pgdata, cleanup_mode=None)
    except Exception as error:  # pgserver raises CalledProcessError, OSError, ...
        raise DatabaseError(
            f"cannot start the embedded PostgreSQL in {pgdata}: {error}",
            hint=f"see {pgdata / 'log'}, or configure database_url",
        ) from None
    return str(server.get_uri())


def redact(url: str) -> str:
    """The URL (or ``key=value`` DSN) with any password replaced by ``***``."""

    return redact_url(url)


def without_password(url: str) -> str:
    """The URL (or ``key=value`` DSN) with its password left out, for files we
    write: the password comes from ``PGPASSWORD`` or ``~/.pgpass`` instead."""
    if not is_url(url):
        return " ".join(KV_PASSWORD.sub("", url).split())
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hosts = netloc.rpartition("@")
        netloc = f"{userinfo.partition(':')[0]}@{hosts}"
    pairs = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key.lower() != "password"
    ]
    query = urlencode(pairs, safe="/:") if pairs else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def with_database(url: str, dbname: str) -> str:
    """``url`` pointing at another database on the same server, same credentials."""
    if not is_url(url):
        return f"{url} dbname={dbname}"
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{dbname}", parts.query, parts.fragment))


@contextmanager
def scratch_database(url: str, purpose: str) -> Iterator[str]:
    """A throwaway database on ``url``'s server (needs CREATEDB), dropped afterwards."""
    # uuid imports ctypes machinery: only the embedded server's setup needs it
    import uuid

    name = f"buildamp_{purpose}_{uuid.uuid4().hex[:10]}"
    with connect(url, autocommit=True) as admin:
        try:
            admin.execute(f'CREATE DATABASE "{name}"')
        except Exception as error:
            raise DatabaseError(
                f"cannot create a scratch database on {redact(url)}: "
                + scrub_text(str(error).strip().splitlines()[0], secrets_in(url)),
                hint="use a role with CREATEDB (only a throwaway database is made)",
            ) from None
    try:
        yield with_database(url, name)
    finally:
        with connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_identity(url: str) -> str:
    """``host:port/dbname``, for messages and the audit log: never credentials."""

    return identity(url)


def connect(url: str, autocommit: bool = False) -> Connection:
    """Open a connection; any failure becomes a DatabaseError (exit 3) that names
    the server without its password."""
    # psycopg costs ~100 ms to import: only commands that talk to a database pay it
    import psycopg

    register(url)
    options: dict[str, Any] = {"autocommit": autocommit}
    if "connect_timeout" not in url:
        options["connect_timeout"] = 10
    try:
        return psycopg.connect(url, **options)
    except (psycopg.Error, ValueError) as error:
        reason = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
        reason = scrub_text(reason, secrets_in(url))
        raise DatabaseError(
            f"cannot connect to {redact(url)}: {reason or type(error).__name__}",
            hint="check that the server is running and the URL, user and password are right",
        ) from None


def stop_embedded_server(pgdata: Path) -> bool:
    """Stop the embedded server kept in ``pgdata`` (its data stays); False when
    none is running there. Never starts one."""
    if not (pgdata / "postmaster.pid").is_file():
        return False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # the embedded server is optional (pip install buildamp[embedded])
            from pgserver.postgres_server import get_server
    except ImportError:
        raise ConfigError(
            "the embedded PostgreSQL needs buildamp[embedded] to be managed",
            hint=f"or stop it with pg_ctl stop -D {pgdata}",
        ) from None
    server = get_server(pgdata.resolve(), cleanup_mode="stop")
    server.cleanup()
    return True
