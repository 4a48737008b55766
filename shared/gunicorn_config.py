"""gunicorn settings every service runs with (`--config python:shared.gunicorn_config`)."""

from __future__ import annotations

import importlib
import pkgutil


def import_service_modules(package_name: str) -> list[str]:
    """Import every module of a service's package except its migrations; return their names."""
    package = importlib.import_module(package_name)
    names = []
    for module in pkgutil.walk_packages(package.__path__, package_name + "."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
            names.append(module.name)
    return names


def on_starting(server) -> None:
    """Import the app's modules in the master, once, before any worker forks.

    Each worker then starts with them loaded (a worker's boot was mostly imports, scipy's
    above all, done by every worker at once), so a restarted service answers seconds
    sooner. Importing has no side effects (STYLE.md): the app itself is still built in
    each worker.
    """
    import_service_modules(server.app.app_uri.partition(":")[0])
