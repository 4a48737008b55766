"""The `trustpulse` command: `up [--demo]`, `migrate`, `demo`, `serve SERVICE` (containers), and
`import --survey ID FILE` (into a running suite)."""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import secrets
import sys
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from services.importer import add_import_command
from services.supervisor import StartupError, Supervisor, gunicorn_command, http_session
from services.supervisor import port_problem as find_port_problem
from shared.observability import multiprocess_environment
from shared.settings import SERVICES, Settings, SettingsError

SECRET_VARIABLES = ("TRUSTPULSE_INTERNAL_TOKEN", "TRUSTPULSE_SECRET_KEY", "TRUSTPULSE_LINK_SECRET")
START_ORDER = ("survey", "metrics", "gateway")
READY_TIMEOUT = 60.0
# Where `serve gateway` leaves an admin key it made, inside the data directory.
ADMIN_KEY_FILE = "admin-key"


def write_private_file(path: Path, text: str) -> None:
    """Write `text` to `path`, which only its owner may read or write (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        os.fchmod(descriptor, 0o600)  # a file left by an older run may be readable by others
        file.write(text)


def suite_environment(environ: dict[str, str]) -> dict[str, str]:
    """Return the children's environment: secrets not given are made once and kept.

    They are stored in `<data dir>/secrets.json` (mode 0600) so that a restart keeps
    respondent links and sessions valid, and every service shares the internal token.
    """
    env = dict(environ)
    missing = [name for name in SECRET_VARIABLES if not env.get(name)]
    if missing:
        path = Path(env.get("TRUSTPULSE_DATA_DIR") or ".trustpulse") / "secrets.json"
        stored = json.loads(path.read_text()) if path.exists() else {}
        if any(name not in stored for name in missing):
            stored.update({name: secrets.token_urlsafe(32) for name in missing
                           if name not in stored})
            write_private_file(path, json.dumps(stored, indent=2))
        env.update({name: stored[name] for name in missing})
    return env


def _redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _engine(settings: Settings, service: str):
    from shared.db import make_engine

    url, schema = settings.database_for(service)
    return make_engine(url, schema, pool_size=2), schema


def migrate_all(settings: Settings, services=SERVICES) -> None:
    """Bring every service's database to its newest migration; say which one cannot."""
    from shared.migrations import upgrade

    for service in services:
        engine, schema = _engine(settings, service)
        try:
            migrations = importlib.import_module(f"services.{service}").MIGRATIONS
            upgrade(migrations, engine, service, schema)
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise StartupError(f"the {service} service cannot use its database at "
                               f"{_redacted(settings.database_for(service)[0])}: {reason}") from None
        finally:
            engine.dispose()


def ensure_admin_key(settings: Settings, *, key_file: Path | None = None) -> str | None:
    """Store TRUSTPULSE_ADMIN_KEY (hashed), or make an admin key when none is active.

    Returns a newly made key, else None. With `key_file`, a new key is first written there
    (mode 0600): a key that cannot be kept is never made active, so the next start can
    make another instead of leaving no way in.
    """
    from services.gateway.keys.service import ensure_bootstrap_admin, generate_key, has_active_admin

    engine, _ = _engine(settings, "gateway")
    try:
        if settings.admin_key:
            ensure_bootstrap_admin(engine, key=settings.admin_key)
            return None
        if has_active_admin(engine):
            return None
        key = generate_key()
        if key_file is not None:
            _keep_admin_key(key, key_file)
        ensure_bootstrap_admin(engine, key=key)
        return key
    finally:
        engine.dispose()


def _keep_admin_key(key: str, path: Path) -> None:
    try:
        write_private_file(path, key + "\n")
    except OSError as exc:
        reason = exc.strerror or exc
        raise StartupError(f"cannot write the new admin key to {path}: {reason}; make "
                           f"{path.parent} writable or set TRUSTPULSE_ADMIN_KEY") from None


def _public_url(settings: Settings) -> str:
    """Return where people reach the gateway."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
    return f"http://{host}:{settings.gateway_port}"


def _settings(env: dict[str, str]) -> Settings:
    try:
        return Settings.from_env(env)
    except SettingsError as exc:
        raise StartupError(f"configuration error: {exc}") from None


def load_demo_data(settings: Settings, *, admin_key: str | None, seed: int, force: bool) -> bool:
    """Load the demo organisation through the gateway; say why not when it cannot."""
    if importlib.util.find_spec("services.demo") is None:
        print("Demo data is unavailable in this version of TrustPulse.")
        return False
    import requests

    from services.demo import DemoError, load_demo
    from services.gateway.keys.service import create_key, revoke_key

    engine, _ = _engine(settings, "gateway")
    temporary = None
    if not admin_key:
        # The admin key was shown on an earlier start; use a short-lived one instead.
        temporary = create_key(engine, name="demo loader", role="admin")
        admin_key = temporary["key"]
    print("Loading demo data...", flush=True)
    try:
        result = load_demo(gateway_url=_public_url(settings), admin_key=admin_key, seed=seed,
                           force=force)
    except (DemoError, requests.RequestException, OSError) as exc:
        # The demo is a convenience: report it and keep the suite up.
        print(f"Demo data was not loaded: {exc}")
        return False
    finally:
        if temporary:
            revoke_key(engine, key_id=temporary["id"])
        engine.dispose()
    summary = result.get("responses") if isinstance(result, dict) else None
    print("Demo data loaded" + (f": {summary} responses." if summary is not None else "."))
    return True


def command_up(args) -> int:
    """Migrate, start the three services, wait until ready, and keep them up until stopped."""
    env = suite_environment(dict(os.environ))
    settings = _settings(env)
    for service in START_ORDER:
        problem = find_port_problem(settings.host, getattr(settings, f"{service}_port"))
        if problem:
            raise StartupError(f"the {service} service cannot start: {problem}. Stop whatever "
                               f"uses it or set TRUSTPULSE_{service.upper()}_PORT.")
    migrate_all(settings)
    new_admin_key = ensure_admin_key(settings)
    supervisor = Supervisor(settings.data_dir / "logs", env)
    supervisor.install_signal_handlers()
    local_host = "127.0.0.1" if settings.host in ("0.0.0.0", "") else settings.host
    try:
        for service in START_ORDER:
            port = getattr(settings, f"{service}_port")
            # Each service's gunicorn workers share one directory of Prometheus values.
            metrics_env = multiprocess_environment(env, settings.data_dir, service,
                                                   shared_parent=True)
            supervisor.start(service, settings.host, port, f"http://{local_host}:{port}",
                             env={**env, **metrics_env})
        supervisor.wait_ready(READY_TIMEOUT)
        url = _public_url(settings)
        print(f"TrustPulse is up.\n  Gateway:   {url}\n  API docs:  {url}/api/docs\n"
              f"  Dashboard: {url}/dashboard\n  Logs:      {supervisor.log_dir}/", flush=True)
        if new_admin_key:
            print(f"  Admin key: {new_admin_key}\n  (shown this once: keep it; only its hash "
                  "is stored)", flush=True)
        if args.demo:
            load_demo_data(settings, admin_key=settings.admin_key or new_admin_key,
                           seed=args.seed, force=False)
        print("Press Ctrl-C to stop.", flush=True)
        failure = supervisor.watch()
        if failure:
            print(f"The suite cannot keep running: {failure}. Stopping the suite.",
                  file=sys.stderr)
            return 1
        return 0
    finally:
        supervisor.stop_all()
        print("TrustPulse stopped.", flush=True)


def command_migrate(_args) -> int:
    """Migrate every service's database."""
    settings = _settings(suite_environment(dict(os.environ)))
    migrate_all(settings)
    print("Migrated: " + ", ".join(SERVICES) + ".")
    return 0


def command_demo(args) -> int:
    """Load demo data into a running suite."""
    settings = _settings(suite_environment(dict(os.environ)))
    url = _public_url(settings)
    try:
        with http_session() as session:
            ready = session.get(url + "/readyz", timeout=5).status_code == 200
    except OSError:
        ready = False
    if not ready:
        raise StartupError(f"the suite is not running (or not ready) at {url}; "
                           "start it with `trustpulse up`.")
    loaded = load_demo_data(settings, admin_key=settings.admin_key, seed=args.seed,
                            force=args.force)
    return 0 if loaded else 1


def command_serve(args) -> int:
    """Migrate one service and replace this process with its gunicorn (for containers)."""
    settings = _settings(dict(os.environ))
    migrate_all(settings, services=(args.service,))
    if args.service == "gateway":
        # Container logs are kept and shipped elsewhere: the key goes to a private file.
        key_file = (settings.data_dir / ADMIN_KEY_FILE).resolve()
        if ensure_admin_key(settings, key_file=key_file):
            print(f"A new admin API key was written to {key_file} (readable by its owner "
                  "only; the database keeps only its hash). Read it, keep it somewhere safe "
                  "and delete the file. To choose the first admin key instead, set "
                  "TRUSTPULSE_ADMIN_KEY.", flush=True)
    port = getattr(settings, f"{args.service}_port")
    os.environ.update(multiprocess_environment(os.environ, settings.data_dir, args.service,
                                               shared_parent=False))
    command = gunicorn_command(args.service, settings.host, port, workers=None)
    os.execv(command[0], command)
    return 0  # not reached


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of `trustpulse`."""
    parser = argparse.ArgumentParser(prog="trustpulse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="start the suite on this machine")
    up.add_argument("--demo", action="store_true", help="load demo data once it is up")
    up.add_argument("--seed", type=int, default=7, help="seed of the demo data")
    up.set_defaults(run=command_up)
    commands.add_parser("migrate", help="migrate every service's database").set_defaults(
        run=command_migrate)
    demo = commands.add_parser("demo", help="load demo data into a running suite")
    demo.add_argument("--force", action="store_true", help="load even if surveys exist")
    demo.add_argument("--seed", type=int, default=7, help="seed of the demo data")
    demo.set_defaults(run=command_demo)
    serve = commands.add_parser("serve", help="run one service in the foreground")
    serve.add_argument("service", choices=SERVICES)
    serve.set_defaults(run=command_serve)
    add_import_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the `trustpulse` command; a failure is one clear line, not a traceback."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except StartupError as exc:
        print(f"trustpulse: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
