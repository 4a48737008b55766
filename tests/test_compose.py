"""docker-compose.yml names only services, ports and variables that exist in the code."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from shared.settings import SERVICES, Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SETTINGS_VARIABLES = set(re.findall(r'"(TRUSTPULSE_[A-Z_]+)"',
                                    (ROOT / "shared" / "settings.py").read_text()))
COMPOSE_ONLY = {"POSTGRES_PASSWORD"}
# Read by the command line (`trustpulse import`), not by the services.
CLIENT_VARIABLES = set(re.findall(r'"(TRUSTPULSE_[A-Z_]+)"',
                                  (ROOT / "services" / "importer.py").read_text()))
DEFAULTS = Settings()


def _port_of(service: str) -> int:
    return getattr(DEFAULTS, f"{service}_port")


def test_the_services_are_postgres_each_trustpulse_service_and_optional_prometheus():
    assert set(COMPOSE["services"]) == {"postgres", *SERVICES, "prometheus"}
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["trustpulse"] == "services.cli:main"
    for service in SERVICES:
        definition = COMPOSE["services"][service]
        assert definition["command"] == ["trustpulse", "serve", service]
        assert (ROOT / "services" / service / "__init__.py").exists()
        assert definition["build"] == "."
    assert (ROOT / "Dockerfile").exists()


def test_postgres_has_a_health_check_and_a_volume_and_everyone_waits_for_it():
    postgres = COMPOSE["services"]["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume = postgres["volumes"][0].split(":")[0]
    assert volume in COMPOSE["volumes"]
    for service in SERVICES:
        depends = COMPOSE["services"][service]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"


def test_only_the_gateway_is_published_and_every_port_is_the_services_own():
    for service in SERVICES:
        definition = COMPOSE["services"][service]
        port = _port_of(service)
        assert definition["environment"][f"TRUSTPULSE_{service.upper()}_PORT"] == str(port)
        assert f":{port}/readyz" in " ".join(definition["healthcheck"]["test"])
        if service == "gateway":
            assert definition["ports"] == [f"{port}:{port}"]
        else:
            assert "ports" not in definition and definition["expose"] == [str(port)]
    common = COMPOSE["x-trustpulse-environment"]
    for service in ("survey", "metrics"):
        assert common[f"TRUSTPULSE_{service.upper()}_URL"] == (
            f"http://{service}:{_port_of(service)}")
    assert "ports" not in COMPOSE["services"]["postgres"]


def test_every_variable_named_is_a_setting():
    text = (ROOT / "docker-compose.yml").read_text()
    named = set(re.findall(r"\b(TRUSTPULSE_[A-Z_]+)\b", text))
    assert named <= SETTINGS_VARIABLES, named - SETTINGS_VARIABLES
    referenced = set(re.findall(r"\$\{([A-Z_]+)", text))
    assert referenced <= SETTINGS_VARIABLES | COMPOSE_ONLY
    # Production mode refuses to start without its secrets: compose must demand them.
    for secret in ("TRUSTPULSE_INTERNAL_TOKEN", "TRUSTPULSE_SECRET_KEY",
                   "TRUSTPULSE_LINK_SECRET"):
        assert f"${{{secret}:?" in text


def test_env_example_documents_every_setting_and_nothing_else():
    text = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z_]+)=", text, re.MULTILINE))
    assert documented == SETTINGS_VARIABLES | COMPOSE_ONLY | CLIENT_VARIABLES


PROMETHEUS_DIR = ROOT / "docs" / "prometheus"


def test_prometheus_is_optional_and_scrapes_every_service_with_its_token():
    prometheus = COMPOSE["services"]["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    assert ":" in prometheus["image"] and not prometheus["image"].endswith(":latest")
    assert all(port.startswith("127.0.0.1:") for port in prometheus["ports"])
    mounted = {volume.split(":")[0] for volume in prometheus["volumes"]}
    assert {"./docs/prometheus/prometheus.yml", "./docs/prometheus/alerts.yml"} <= mounted
    secrets = COMPOSE["secrets"]
    assert secrets["trustpulse-internal-token"]["environment"] == "TRUSTPULSE_INTERNAL_TOKEN"
    assert secrets["trustpulse-metrics-token"]["environment"] == "TRUSTPULSE_METRICS_TOKEN"
    assert set(prometheus["secrets"]) == set(secrets)
    assert "TRUSTPULSE_METRICS_TOKEN" in COMPOSE["services"]["gateway"]["environment"]

    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    gateway, backends = jobs["trustpulse-gateway"], jobs["trustpulse-backends"]
    assert gateway["static_configs"][0]["targets"] == [f"gateway:{_port_of('gateway')}"]
    assert gateway["authorization"]["credentials_file"] == "/run/secrets/trustpulse-metrics-token"
    assert sorted(backends["static_configs"][0]["targets"]) == [
        f"metrics:{_port_of('metrics')}", f"survey:{_port_of('survey')}"]
    assert backends["http_headers"]["X-Internal-Token"]["files"] == [
        "/run/secrets/trustpulse-internal-token"]
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]


def test_alert_rules_name_only_metrics_the_suite_exports():
    from prometheus_client.metrics import MetricWrapperBase

    from shared import observability

    exported = set()
    for metric in vars(observability).values():
        if isinstance(metric, MetricWrapperBase):
            suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}
            exported |= {metric._name + s for s in suffixes.get(metric._type, ("",))}
    rules = yaml.safe_load((PROMETHEUS_DIR / "alerts.yml").read_text())["groups"][0]["rules"]
    named = set().union(*(re.findall(r"\btrustpulse_[a-z_]+", rule["expr"]) for rule in rules))
    assert named and named <= exported, named - exported
    assert all(rule["alert"].startswith("TrustPulse") and rule["annotations"]["summary"]
               for rule in rules)
