"""The gunicorn settings: a service's modules are imported in the master, its migrations not."""

from __future__ import annotations

import sys

from shared.gunicorn_config import import_service_modules


def test_every_module_of_the_service_is_imported_but_its_migrations():
    names = import_service_modules("services.metrics")
    assert "services.metrics.analytics.routes" in names
    assert "services.metrics.monitoring.scheduled" in names
    assert all(name in sys.modules for name in names)
    assert not any("migrations" in name for name in names)
