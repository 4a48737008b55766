"""Alembic environment of the survey service."""
from shared.migrations import run_env

run_env()
