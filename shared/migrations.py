"""Alembic migrations, one history per service, run at start-up and by `trustpulse migrate`."""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Engine

from shared.db import ensure_schema


def alembic_config(migrations_dir: Path, engine: Engine, service: str) -> Config:
    """Return an Alembic config for a service's history, bound to `engine`."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["engine"] = engine
    config.attributes["version_table"] = f"alembic_version_{service}"
    return config


def upgrade(migrations_dir: Path, engine: Engine, service: str, schema: str | None = None) -> None:
    """Bring a service's database to the newest migration."""
    ensure_schema(engine, schema)
    command.upgrade(alembic_config(migrations_dir, engine, service), "head")


def run_env() -> None:
    """The body of every service's `migrations/env.py` (online mode only)."""
    config = context.config
    engine: Engine = config.attributes["engine"]
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # Several workers may start at once: one migrates, the others wait and find head.
            connection.execute(text("SELECT pg_advisory_lock(727001)"))
            connection.commit()
        context.configure(
            connection=connection,
            version_table=config.attributes["version_table"],
            render_as_batch=engine.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_unlock(727001)"))
            connection.commit()
