"""Typed settings read from the environment, in one place (documented in `.env.example`)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

SERVICES = ("gateway", "survey", "metrics")


class SettingsError(ValueError):
    """A setting is missing or malformed."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = env.get(name) or choices[0]
    if raw not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


WEBHOOK_FORMATS = ("json", "slack", "teams")


@dataclass(frozen=True)
class Settings:
    """Everything a TrustPulse process can be told from outside."""

    env: str = "development"
    host: str = "127.0.0.1"
    gateway_port: int = 8000
    survey_port: int = 8001
    metrics_port: int = 8002
    data_dir: Path = Path(".trustpulse")
    database_url: str | None = None
    db_schema_prefix: str = ""
    survey_url: str | None = None
    metrics_url: str | None = None
    public_url: str | None = None
    internal_token: str = ""
    secret_key: str = ""
    link_secret: str = ""
    admin_key: str | None = None
    connect_timeout: float = 2.0
    read_timeout: float = 10.0
    respondent_rate_limit: int = 60
    rate_limit_storage: str = "memory://"
    rate_limit_key_prefix: str = "trustpulse"
    log_level: str = "INFO"
    scheduler_enabled: bool = True
    alert_webhook_url: str | None = None
    alert_webhook_secret: str = ""
    alert_webhook_format: str = "json"
    metrics_token: str | None = None
    db_pool_size: int = 8
    dashboard_cache_seconds: float = 60.0
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Read settings from `environ` (default: the process environment), then apply overrides."""
        env = os.environ if environ is None else environ
        mode = env.get("TRUSTPULSE_ENV", "development")
        if mode not in ("development", "production", "test"):
            raise SettingsError(f"TRUSTPULSE_ENV must be development, production or test, got {mode!r}")
        settings = cls(
            env=mode,
            host=env.get("TRUSTPULSE_HOST", "127.0.0.1"),
            gateway_port=_int(env, "TRUSTPULSE_GATEWAY_PORT", 8000),
            survey_port=_int(env, "TRUSTPULSE_SURVEY_PORT", 8001),
            metrics_port=_int(env, "TRUSTPULSE_METRICS_PORT", 8002),
            data_dir=Path(env.get("TRUSTPULSE_DATA_DIR") or ".trustpulse"),
            database_url=env.get("TRUSTPULSE_DATABASE_URL") or None,
            db_schema_prefix=env.get("TRUSTPULSE_DB_SCHEMA_PREFIX", ""),
            survey_url=env.get("TRUSTPULSE_SURVEY_URL") or None,
            metrics_url=env.get("TRUSTPULSE_METRICS_URL") or None,
            public_url=env.get("TRUSTPULSE_PUBLIC_URL") or None,
            internal_token=env.get("TRUSTPULSE_INTERNAL_TOKEN", ""),
            secret_key=env.get("TRUSTPULSE_SECRET_KEY", ""),
            link_secret=env.get("TRUSTPULSE_LINK_SECRET", ""),
            admin_key=env.get("TRUSTPULSE_ADMIN_KEY") or None,
            connect_timeout=_float(env, "TRUSTPULSE_CONNECT_TIMEOUT", 2.0),
            read_timeout=_float(env, "TRUSTPULSE_READ_TIMEOUT", 10.0),
            respondent_rate_limit=_int(env, "TRUSTPULSE_RESPONDENT_RATE_LIMIT", 60),
            rate_limit_storage=env.get("TRUSTPULSE_RATE_LIMIT_STORAGE") or "memory://",
            rate_limit_key_prefix=env.get("TRUSTPULSE_RATE_LIMIT_KEY_PREFIX") or "trustpulse",
            log_level=env.get("TRUSTPULSE_LOG_LEVEL", "INFO").upper(),
            scheduler_enabled=_bool(env, "TRUSTPULSE_SCHEDULER", True),
            alert_webhook_url=env.get("TRUSTPULSE_ALERT_WEBHOOK_URL") or None,
            alert_webhook_secret=env.get("TRUSTPULSE_ALERT_WEBHOOK_SECRET", ""),
            alert_webhook_format=_choice(env, "TRUSTPULSE_ALERT_WEBHOOK_FORMAT",
                                         WEBHOOK_FORMATS),
            metrics_token=env.get("TRUSTPULSE_METRICS_TOKEN") or None,
            db_pool_size=_int(env, "TRUSTPULSE_DB_POOL_SIZE", 8),
            dashboard_cache_seconds=_float(env, "TRUSTPULSE_DASHBOARD_CACHE_SECONDS", 60.0),
        )
        return replace(settings, **overrides).checked()

    def checked(self) -> Settings:
        """Fill development secrets, refuse missing secrets in production."""
        secrets_needed = {
            "internal_token": "TRUSTPULSE_INTERNAL_TOKEN",
            "secret_key": "TRUSTPULSE_SECRET_KEY",
            "link_secret": "TRUSTPULSE_LINK_SECRET",
        }
        filled = {}
        for attr, var in secrets_needed.items():
            if not getattr(self, attr):
                if self.env == "production":
                    raise SettingsError(f"{var} must be set in production")
                # A process-local random secret: safe, but not shared between processes;
                # `trustpulse up` generates one and hands it to every child.
                filled[attr] = secrets.token_urlsafe(32)
        if self.env == "production" and self.alert_webhook_url and not self.alert_webhook_secret:
            # Receivers could not tell our alerts from anyone's.
            raise SettingsError("TRUSTPULSE_ALERT_WEBHOOK_SECRET must be set in production "
                                "when TRUSTPULSE_ALERT_WEBHOOK_URL is")
        return replace(self, **filled) if filled else self

    def url_of(self, service: str) -> str:
        """Return the base URL another service is reached at."""
        explicit = {"survey": self.survey_url, "metrics": self.metrics_url}.get(service)
        if explicit:
            return explicit.rstrip("/")
        port = {"gateway": self.gateway_port, "survey": self.survey_port,
                "metrics": self.metrics_port}[service]
        return f"http://{self.host}:{port}"

    def database_for(self, service: str) -> tuple[str, str | None]:
        """Return (SQLAlchemy URL, schema) of a service's database.

        On PostgreSQL all services share one database, each in its own schema; on
        SQLite each service has its own file under the data directory.
        """
        if self.database_url:
            url = self.database_url
            if url.startswith("postgres://"):
                url = "postgresql+psycopg2://" + url[len("postgres://"):]
            elif url.startswith("postgresql://"):
                url = "postgresql+psycopg2://" + url[len("postgresql://"):]
            if url.startswith("sqlite"):
                return url, None
            return url, f"{self.db_schema_prefix}{service}"
        return f"sqlite:///{(self.data_dir / f'{service}.db').resolve()}", None
