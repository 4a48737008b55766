"""Fixtures shared by every test: databases on SQLite and PostgreSQL, and a running suite.

Every database test takes the `settings_factory` fixture (or `suite`), which is
parametrised over SQLite and PostgreSQL. PostgreSQL comes from
`TRUSTPULSE_TEST_DATABASE_URL` or a local server; when neither answers the PostgreSQL
half is skipped, except under CI (`CI` set), where it fails.
"""

from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass, field, replace

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from shared.settings import Settings

DEFAULT_PG = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
ADMIN_KEY = "tp_admin_" + "0" * 40


def _pg_admin_url() -> str:
    url = os.environ.get("TRUSTPULSE_TEST_DATABASE_URL") or DEFAULT_PG
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://"):]
    return url


@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL database made for this test session, dropped at its end."""
    admin_url = _pg_admin_url()
    name = f"trustpulse_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT",
                                 connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        message = f"PostgreSQL is not reachable at {admin_url}: {exc.orig}"
        if os.environ.get("CI"):
            pytest.fail(message + " (required under CI)")
        pytest.skip(message)
    url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    """The database kind a test runs on."""
    if request.param == "postgresql":
        request.getfixturevalue("postgres_url")
    return request.param


@pytest.fixture
def settings_factory(backend, tmp_path, request):
    """Return a function making `Settings` on the test's database (fresh per test)."""
    prefix = f"t{uuid.uuid4().hex[:10]}_"
    pg_url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    base = Settings.from_env(
        {},
        env="test",
        data_dir=tmp_path / "data",
        database_url=pg_url,
        db_schema_prefix=prefix,
        admin_key=ADMIN_KEY,
        scheduler_enabled=False,
        connect_timeout=0.5,
        read_timeout=5.0,
        log_level="WARNING",
    )

    def make(**overrides) -> Settings:
        return replace(base, **overrides)

    yield make
    if pg_url:
        engine = sa.create_engine(pg_url)
        with engine.begin() as conn:
            schemas = conn.execute(sa.text(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE :p"), {"p": prefix + "%"})
            for (schema,) in list(schemas):
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def service_app(settings_factory):
    """Return a function making a service's app (``create_app``) on the test's database.

    ``service_app(create_app, **settings_overrides)``; every app's engine is disposed at
    teardown.
    """
    apps = []

    def make(create_app, **overrides):
        application = create_app(settings_factory(**overrides))
        apps.append(application)
        return application

    yield make
    for application in apps:
        application.extensions["trustpulse_engine"].dispose()


class ServerThread:
    """A real HTTP server for one app, on an ephemeral loopback port, in a thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.running = True

    def stop(self):
        if self.running:
            self.server.shutdown()
            self.server.server_close()
            self.running = False


@dataclass
class Suite:
    """The three services running on real sockets; the gateway also as a test client."""

    settings: Settings
    servers: dict = field(default_factory=dict)

    @property
    def gateway_app(self):
        return self.servers["gateway"].app

    @property
    def client(self):
        return self.gateway_app.test_client()

    def url(self, service: str) -> str:
        return self.servers[service].url

    def stop(self, service: str) -> None:
        self.servers[service].stop()

    def shutdown(self) -> None:
        for server in self.servers.values():
            server.stop()
        for server in self.servers.values():
            engine = server.app.extensions.get("trustpulse_engine")
            if engine is not None:
                engine.dispose()


def start_suite(settings: Settings) -> Suite:
    """Start survey, metrics and gateway wired to each other over loopback HTTP."""
    from services.gateway import create_app as gateway_app
    from services.metrics import create_app as metrics_app
    from services.survey import create_app as survey_app

    suite = Suite(settings=settings)
    suite.servers["survey"] = ServerThread(survey_app(settings))
    settings = replace(settings, survey_url=suite.servers["survey"].url)
    suite.servers["metrics"] = ServerThread(metrics_app(settings))
    settings = replace(settings, metrics_url=suite.servers["metrics"].url)
    suite.servers["gateway"] = ServerThread(gateway_app(settings))
    suite.settings = settings
    return suite


@pytest.fixture
def suite(settings_factory):
    """The whole suite on the test's database; the gateway's admin key is `ADMIN_KEY`."""
    running = start_suite(settings_factory())
    yield running
    running.shutdown()


@pytest.fixture
def admin_headers():
    """Headers authenticating as the bootstrap admin."""
    return {"Authorization": f"Bearer {ADMIN_KEY}"}
