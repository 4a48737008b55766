"""Named scheduled jobs (APScheduler 3), persisted in the metrics database, one runner at a time.

Every replica runs a `BackgroundScheduler` over the same SQLAlchemy job store; a job does its
work only while it holds its lease row (`job_leases`), so across replicas one runs it.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import requests
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from services.metrics.monitoring import repository, service
from services.metrics.monitoring.webhooks import WebhookTarget
from shared.observability import observed_job, record_skipped_job
from shared.db import create_tables

log = logging.getLogger("trustpulse.metrics.jobs")

# name -> interval in seconds. Deteriorations are looked for every 5 minutes so that an
# alert follows the responses that show a drop within minutes; calendar breakdowns whose
# counts are unchanged reuse their suppression decisions (wave breakdowns read their days).
JOB_INTERVALS = {
    "refresh_snapshots": 15 * 60,
    "detect_deteriorations": 5 * 60,
    "deliver_alerts": 60,
    "decide_closed_periods": 10 * 60,
}
LEASE_SECONDS = 10 * 60
# Every job first runs soon after start-up, so that data loaded with the suite (the demo,
# an import) has its snapshots and alerts within the minute rather than after an interval.
FIRST_RUN_DELAY_SECONDS = 20
JOBSTORE_TABLE = "apscheduler_jobs"

# The job store keeps a reference to `run_job` and the job's name; the live objects a job
# needs (engine, survey source) are registered here by the app that starts the scheduler.
_CONTEXTS: dict[str, JobContext] = {}


@dataclass
class JobContext:
    """What the jobs of one app work with."""

    engine: Engine
    source: object
    webhook: WebhookTarget | None
    holder: str = field(default_factory=lambda: uuid.uuid4().hex)
    session: requests.Session = field(default_factory=requests.Session)


def run_named_job(context: JobContext, name: str):
    """Run one named job if this replica can take its lease; return its result or None."""
    try:
        held = repository.acquire_lease(context.engine, name, context.holder,
                                        service.utcnow(), LEASE_SECONDS)
    except IntegrityError:  # another replica created the lease row at the same moment
        held = False
    if not held:
        record_skipped_job("metrics", name)
        return None
    try:
        with observed_job("metrics", name):
            return _work(context, name)
    finally:
        repository.release_lease(context.engine, name, context.holder)


def _work(context: JobContext, name: str):
    """Do the work of one named job."""
    if name == "refresh_snapshots":
        return service.refresh_snapshots(engine=context.engine, source=context.source)
    if name == "detect_deteriorations":
        return service.detect_deteriorations(engine=context.engine, source=context.source,
                                             webhook=bool(context.webhook))
    if name == "decide_closed_periods":
        return service.decide_closed_periods(source=context.source)
    if name == "deliver_alerts":
        return service.deliver_alerts(engine=context.engine, webhook=context.webhook,
                                      session=context.session)
    raise ValueError(f"unknown job {name!r}")


def run_job(context_key: str, name: str) -> None:
    """Entry point the job store refers to: run a named job of a registered app."""
    context = _CONTEXTS.get(context_key)
    if context is None:
        return
    try:
        run_named_job(context, name)
    except Exception:  # a failed run is retried at the next interval
        log.exception("job %s failed", name)


def start_scheduler(context: JobContext, context_key: str = "metrics") -> BackgroundScheduler:
    """Start the named jobs on a scheduler whose job store is the metrics database."""
    _CONTEXTS[context_key] = context
    jobstore = SQLAlchemyJobStore(engine=context.engine, tablename=JOBSTORE_TABLE)
    # Made here, one worker at a time: the job store's own start would race the others'.
    create_tables(context.engine, jobstore.jobs_t)
    scheduler = BackgroundScheduler(
        jobstores={"default": jobstore},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone="UTC",
    )
    first_run = datetime.now(UTC) + timedelta(seconds=FIRST_RUN_DELAY_SECONDS)
    for name, seconds in JOB_INTERVALS.items():
        scheduler.add_job(run_job, "interval", seconds=seconds, id=name, name=name,
                          args=[context_key, name], replace_existing=True,
                          next_run_time=first_run)
    scheduler.start()
    return scheduler
