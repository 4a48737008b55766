"""Alembic environment of the metrics service."""
from shared.migrations import run_env

run_env()
