"""The SQLAlchemy engine for SQLite or PostgreSQL, and the database readiness probe."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError


def make_engine(url: str, schema: str | None = None, pool_size: int = 8) -> Engine:
    """Return an engine for `url`; on PostgreSQL, with `schema` first on the search path.

    SQLite runs in WAL mode with synchronous=FULL so that an acknowledged write survives
    a crash, and a busy timeout so that concurrent writers wait instead of failing.
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
        pool_pre_ping=True,
        connect_args=connect_args,
    )


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """Yield a connection in a transaction meant to write (on SQLite: BEGIN IMMEDIATE)."""
    with engine.connect().execution_options(immediate=True) as conn, conn.begin():
        yield conn


def ensure_schema(engine: Engine, schema: str | None) -> None:
    """Create the service's PostgreSQL schema if it does not exist yet."""
    if schema and engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))


def database_ready(engine: Engine) -> tuple[bool, str | None]:
    """Return whether the database answers a trivial query, and why not."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True, None
    except SQLAlchemyError as exc:
        return False, type(getattr(exc, "orig", None) or exc).__name__
