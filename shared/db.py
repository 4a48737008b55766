"""The SQLAlchemy engine for SQLite or PostgreSQL, and the database readiness probe."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

T = TypeVar("T")


# Without pings, pooled PostgreSQL sessions are renewed this often (seconds), before any
# idle timeout of a server or proxy on the way ends them unseen.
POOL_RECYCLE_SECONDS = 1800


def make_engine(url: str, schema: str | None = None, pool_size: int = 8, *,
                pre_ping: bool = True) -> Engine:
    """Return an engine for `url`; on PostgreSQL, with `schema` first on the search path.

    SQLite runs in WAL mode with synchronous=FULL so that an acknowledged write survives
    a crash, and a busy timeout so that concurrent writers wait instead of failing.

    With `pre_ping=False`, PostgreSQL connections are not pinged at each checkout (a
    round trip per request): a connection found dead on use fails that statement and
    renews the whole pool; callers retry what must not fail (`retry_on_disconnect`).
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN drive transactions
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # A write transaction takes the write lock up front (IMMEDIATE), so a
            # read-then-write never fails with "database is locked" on upgrade; reads
            # stay DEFERRED and run beside writers under WAL.
            immediate = conn.get_execution_options().get("immediate", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    connect_args = {"connect_timeout": 5}
    if schema:
        connect_args["options"] = f"-csearch_path={schema}"
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=pre_ping,
        pool_recycle=-1 if pre_ping else POOL_RECYCLE_SECONDS,
        connect_args=connect_args,
    )


def retry_on_disconnect(work: Callable[[], T], attempts: int = 2) -> T:
    """Return `work()`, run again if it failed on a pooled connection found dead.

    The failed transaction was rolled back with its connection, and the pool renewed,
    so the retry starts afresh on a new session.
    """
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as exc:
            if not exc.connection_invalidated or attempt == attempts:
                raise
    raise AssertionError("unreachable")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """Yield a connection in a transaction meant to write (on SQLite: BEGIN IMMEDIATE)."""
    with engine.connect().execution_options(immediate=True) as conn, conn.begin():
        yield conn


@contextmanager
def autocommit(engine: Engine) -> Iterator[Connection]:
    """Yield a pooled PostgreSQL connection on which each statement commits by itself.

    For writes that are one statement: no BEGIN and COMMIT round trips. psycopg2's own
    switch is used, which costs no round trip, where SQLAlchemy's AUTOCOMMIT isolation
    level sends one when the connection is taken and another when it is given back.
    Statements go through the driver (`driver_execute`): SQLAlchemy does not know of
    the switch, so its own `execute` would begin a transaction nothing commits.
    """
    with engine.connect() as conn:
        dbapi_connection = conn.connection.dbapi_connection
        dbapi_connection.autocommit = True
        try:
            yield conn
        finally:
            if not dbapi_connection.closed:
                dbapi_connection.autocommit = False


_prepared: dict[int, tuple] = {}
_PARAM = re.compile(r"%\((\w+)\)s")


def _prepared_form(conn: Connection, statement) -> tuple:
    """Return (name, PREPARE text, EXECUTE text, default parameters) of a statement."""
    entry = _prepared.get(id(statement))
    if entry is None:
        compiled = statement.compile(dialect=conn.dialect)
        order: list[str] = []  # parameter names in the order of their $n

        def positional(match: re.Match) -> str:
            if match[1] not in order:
                order.append(match[1])
            return f"${order.index(match[1]) + 1}"

        body = _PARAM.sub(positional, str(compiled))
        types = ", ".join(compiled.binds[name].type.compile(dialect=conn.dialect) for name in order)
        # Named after its text: the same in every thread and process that prepares it.
        name = "tp_" + hashlib.sha1(body.encode()).hexdigest()[:20]
        # The statement is kept with its forms so that its id is never reused by another.
        entry = _prepared[id(statement)] = (
            name, f"PREPARE {name} ({types}) AS {body}",
            f"EXECUTE {name} ({', '.join(f'%({p})s' for p in order)})",
            dict(compiled.params), statement)
    return entry


def driver_execute(conn: Connection, statement, params: dict) -> tuple[list, int]:
    """Run a Core statement as a PostgreSQL prepared statement; return (rows, rowcount).

    For the hottest statements: each is prepared once per session (parsed and planned
    once, not at every call), and the parameters go to psycopg2 as they are (it adapts
    ints, text, bytes, dates and times itself), skipping SQLAlchemy's per-execution work,
    which costs more CPU than the statement. Errors come out as SQLAlchemy's; a lost
    connection is invalidated, as `Connection.execute` would, so `retry_on_disconnect`
    still applies. Other databases go through `Connection.execute`.
    """
    if conn.dialect.name != "postgresql" or conn.dialect.paramstyle != "pyformat":
        result = conn.execute(statement, params)
        return (result.all() if result.returns_rows else []), result.rowcount
    name, prepare, execute, defaults, _ = _prepared_form(conn, statement)
    values = {**defaults, **params}
    # The session's prepared statements: kept with the pooled connection, and forgotten
    # with it when it is replaced (PREPARE outlives a rolled-back transaction).
    prepared = conn.connection.info.setdefault("trustpulse_prepared", set())
    dbapi_connection = conn.connection.dbapi_connection
    cursor = dbapi_connection.cursor()
    try:
        if name not in prepared:
            cursor.execute(prepare)
            prepared.add(name)
        cursor.execute(execute, values)
        return (cursor.fetchall() if cursor.description else []), cursor.rowcount
    except conn.dialect.loaded_dbapi.Error as exc:
        raise driver_error(conn, exc, cursor, execute, values) from exc
    finally:
        if not cursor.closed:
            cursor.close()


def driver_error(conn: Connection, exc: Exception, cursor, statement: str,
                 params) -> DBAPIError:
    """Return the SQLAlchemy error for a driver error raised on one of `conn`'s cursors.

    As `Connection.execute` would: a lost connection is invalidated (so that
    `retry_on_disconnect` applies), and e.g. a unique violation is an `IntegrityError`.
    """
    lost = conn.dialect.is_disconnect(exc, conn.connection.dbapi_connection, cursor)
    if lost:
        conn.invalidate(exc)
    return DBAPIError.instance(statement, params, exc, conn.dialect.loaded_dbapi.Error,
                               connection_invalidated=lost, dialect=conn.dialect)


# Held while a schema is made: two processes running CREATE SCHEMA IF NOT EXISTS at once
# can both find it missing, and the second then fails on the catalogue's unique index.
SCHEMA_LOCK = 727000


def ensure_schema(engine: Engine, schema: str | None) -> None:
    """Create the service's PostgreSQL schema if it does not exist yet.

    Safe when several workers or replicas start at once: they take turns.
    """
    if schema and engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))


def create_tables(engine: Engine, *tables) -> None:
    """Create those of `tables` that do not exist yet, one process at a time.

    For tables a library defines and makes at start-up (APScheduler's job store): workers
    and replicas starting at once would all find them missing, and all but one would then
    fail on the catalogue. Under the schema lock (on SQLite, the write lock) the others
    wait and find them made.
    """
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
        for table in tables:
            table.create(conn, checkfirst=True)


def database_ready(engine: Engine) -> tuple[bool, str | None]:
    """Return whether the database answers a trivial query, and why not.

    A pooled connection that died while the database restarted is not the database
    being down: the query is tried again on a fresh connection before answering.
    """
    def ping() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        retry_on_disconnect(ping)
        return True, None
    except SQLAlchemyError as exc:
        return False, type(getattr(exc, "orig", None) or exc).__name__
