"""Alembic environment of the gateway service."""
from shared.migrations import run_env

run_env()
