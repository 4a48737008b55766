"""Scheduled jobs of the survey service: the waves of every schedule, and, on PostgreSQL,
folding single responses' summary deltas into their buckets (summaries/folding.py).

Schedules live in the `schedules` table, so they survive restarts; each process's
scheduler polls them, and the unique (survey_id, opens_at) of waves makes every wave
once however many processes or replicas run the job. Waves then open and close by
their own times: no job has to fire at the exact moment.
"""

from __future__ import annotations

import atexit
import logging

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

from services.survey.clock import utcnow
from services.survey.summaries.folding import FOLD_SECONDS, fold_job
from services.survey.waves.service import materialise_scheduled_waves
from shared.observability import observed_job

log = logging.getLogger("trustpulse.survey.scheduler")
POLL_SECONDS = 60


def make_scheduled_waves(engine: Engine) -> None:
    """The job: make the waves every schedule needs now."""
    try:
        with observed_job("survey", "make_scheduled_waves"):
            made = materialise_scheduled_waves(engine=engine)
        if made:
            log.info("made %d scheduled wave(s)", made)
    except Exception:  # a failed poll must not stop the scheduler; the next one retries
        log.exception("making scheduled waves failed")


def start_scheduler(engine: Engine) -> BackgroundScheduler:
    """Start the background scheduler of the survey service: waves, and summary folding."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(make_scheduled_waves, "interval", seconds=POLL_SECONDS, args=[engine],
                      id="make_scheduled_waves", replace_existing=True, coalesce=True,
                      max_instances=1, next_run_time=utcnow())
    if engine.dialect.name == "postgresql":
        scheduler.add_job(fold_job, "interval", seconds=FOLD_SECONDS, args=[engine],
                          id="fold_summary_deltas", replace_existing=True, coalesce=True,
                          max_instances=1, next_run_time=utcnow())
    scheduler.start()
    atexit.register(lambda: scheduler.running and scheduler.shutdown(wait=False))
    return scheduler
