"""`Client`: one method per public endpoint of the TrustPulse API (API.md), keyword arguments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import requests

from trustpulse_client.frames import rows_frame
from trustpulse_client.transport import Transport


def _when(value: date | datetime | str | None) -> str | None:
    """Return a date or time as the API writes it (ISO 8601; a naive time is taken as UTC)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat() + "Z"
    return value.isoformat()


def _segments(segment_by: str | list[str] | None) -> str | None:
    return ",".join(segment_by) if isinstance(segment_by, (list, tuple)) else segment_by


class Client:
    """The TrustPulse API at `base_url` (the gateway), called with `api_key`.

    Lists are followed page by page and returned whole; `scores`, `changes`,
    `participation` and `questions` return pandas DataFrames. Errors raise
    `TrustPulseError` subclasses carrying the API's error document.
    """

    def __init__(self, base_url: str, api_key: str | None = None, *, timeout=(5.0, 120.0),
                 retries: int = 3, session: requests.Session | None = None):
        self.http = Transport(base_url, api_key, timeout=timeout, retries=retries,
                              session=session)

    # --- health -------------------------------------------------------------------------
    def health(self) -> dict:
        """`GET /healthz`: the gateway process is up."""
        return self.http.request("GET", "/healthz")

    def ready(self) -> dict:
        """`GET /readyz`: every service and database answers (else `Unavailable`)."""
        return self.http.request("GET", "/readyz")

    # --- keys ---------------------------------------------------------------------------
    def create_api_key(self, *, name: str, role: str) -> dict:
        """Make an API key (admin); the returned `key` is shown this once."""
        return self.http.request("POST", "/api/v1/api-keys", json={"name": name, "role": role})

    def api_keys(self) -> list[dict]:
        """Every API key (admin), without the keys themselves."""
        return list(self.http.pages("/api/v1/api-keys"))

    def revoke_api_key(self, key_id: int) -> None:
        """Revoke an API key (admin); it stops working at once."""
        self.http.request("DELETE", f"/api/v1/api-keys/{key_id}")

    # --- instruments ----------------------------------------------------------------------
    def templates(self) -> list[dict]:
        """The built-in instruments, with their questions and indices."""
        return self.http.request("GET", "/api/v1/templates")["items"]

    def create_survey(self, *, title: str, kind: str, template: str | None = None,
                      questions: list[dict] | None = None, indices: list[dict] | None = None,
                      segments: list[str] | None = None, anonymity_threshold: int | None = None,
                      comment_threshold: int | None = None) -> dict:
        """Create a survey from a template or from explicit questions and indices (admin)."""
        body = {"title": title, "kind": kind, "template": template, "questions": questions,
                "indices": indices, "segments": segments,
                "anonymity_threshold": anonymity_threshold,
                "comment_threshold": comment_threshold}
        return self.http.request("POST", "/api/v1/surveys",
                                 json={k: v for k, v in body.items() if v is not None})

    def surveys(self) -> list[dict]:
        """Every survey."""
        return list(self.http.pages("/api/v1/surveys"))

    def survey(self, survey_id: int) -> dict:
        """One survey."""
        return self.http.request("GET", f"/api/v1/surveys/{survey_id}")

    # --- waves, invitations, links --------------------------------------------------------------
    def create_wave(self, survey_id: int, *, opens_at, closes_at) -> dict:
        """Open a wave of a survey between two times (admin)."""
        return self.http.request("POST", f"/api/v1/surveys/{survey_id}/waves",
                                 json={"opens_at": _when(opens_at),
                                       "closes_at": _when(closes_at)})

    def waves(self, survey_id: int) -> list[dict]:
        """Every wave of a survey."""
        return list(self.http.pages(f"/api/v1/surveys/{survey_id}/waves"))

    def schedule(self, survey_id: int, *, every_days: int, open_days: int,
                 starts_at=None) -> dict:
        """Make waves open and close by themselves every `every_days` days (admin)."""
        body = {"every_days": every_days, "open_days": open_days, "starts_at": _when(starts_at)}
        return self.http.request("POST", f"/api/v1/surveys/{survey_id}/schedule",
                                 json={k: v for k, v in body.items() if v is not None})

    def create_invitations(self, wave_id: int, *, respondents: list[dict],
                           issue_tokens: bool = True) -> list[str]:
        """Return one single-use token per respondent (`{"segment": {...}}`), in order; with
        `issue_tokens=False`, only count them as invited (a past wave's, imported) and
        return no tokens."""
        return self.http.request("POST", f"/api/v1/waves/{wave_id}/invitations",
                                 json={"respondents": respondents,
                                       "issue_tokens": issue_tokens})["tokens"]

    def create_link(self, survey_id: int, *, interaction_id: str,
                    segment: dict | None = None) -> dict:
        """Return `{"token", "url"}` of a customer's survey link for one interaction."""
        return self.http.request("POST", f"/api/v1/surveys/{survey_id}/links",
                                 json={"interaction_id": interaction_id,
                                       "segment": segment or {}})

    # --- responding -------------------------------------------------------------------------
    def submit_response(self, *, token: str, answers: dict) -> dict:
        """Answer with a token; retried safely (the suite honours the idempotency key)."""
        return self.http.request("POST", "/api/v1/responses", replay_safe=True,
                                 json={"token": token, "answers": answers})

    def import_responses(self, survey_id: int, *, responses: list[dict] | None = None,
                         csv: str | bytes | Path | None = None, dry_run: bool = False) -> dict:
        """Import responses (JSON rows, or CSV text or a CSV file): all of them or none.

        With `dry_run`, every row is checked and nothing stored (`{"imported": 0, "valid"}`).
        """
        if (responses is None) == (csv is None):
            raise TypeError("give either responses or csv")
        params = {"dry_run": "true" if dry_run else None}
        path = f"/api/v1/surveys/{survey_id}/responses/import"
        if responses is not None:
            return self.http.request("POST", path, params=params, json={"responses": responses})
        body = Path(csv).read_bytes() if isinstance(csv, Path) else csv
        if isinstance(body, str):
            body = body.encode("utf-8")  # requests would send text as Latin-1
        return self.http.request("POST", path, params=params, data=body,
                                 headers={"Content-Type": "text/csv"})

    # --- analytics ------------------------------------------------------------------------------
    def _analytics(self, survey_id: int, name: str, **params) -> dict:
        return self.http.request("GET", f"/api/v1/surveys/{survey_id}/{name}", params=params)

    def scores_answer(self, survey_id: int, *, metric: str, period: str | None = None,
                      segment_by=None, from_=None, to=None) -> dict:
        """The `scores` answer as JSON."""
        return self._analytics(survey_id, "scores", metric=metric, period=period,
                               segment_by=_segments(segment_by), to=_when(to),
                               **{"from": _when(from_)})

    def scores(self, survey_id: int, **query) -> pd.DataFrame:
        """A metric per period and segment: one row per `series` row, `segment.<attribute>`
        columns; `attrs` holds survey_id, metric, period, threshold."""
        answer = self.scores_answer(survey_id, **query)
        return rows_frame(answer["series"], answer, rows_key="series")

    def compare(self, survey_id: int, *, metric: str, a: str, b: str,
                alpha: float | None = None) -> dict:
        """One metric between two selected groups, with its test and effect size."""
        return self._analytics(survey_id, "compare", metric=metric, a=a, b=b, alpha=alpha)

    def distribution(self, survey_id: int, *, question: str, a: str, b: str) -> dict:
        """Chi-square test of one question's answers in two groups, with Cramér's V."""
        return self._analytics(survey_id, "distribution", question=question, a=a, b=b)

    def changes_answer(self, survey_id: int, *, metric: str, period: str | None = None,
                       segment_by=None, alpha: float | None = None) -> dict:
        """The `changes` answer as JSON."""
        return self._analytics(survey_id, "changes", metric=metric, period=period,
                               segment_by=_segments(segment_by), alpha=alpha)

    def changes(self, survey_id: int, **query) -> pd.DataFrame:
        """The last period against the one before, per segment: one row per item, `a.*`,
        `b.*`, `effect_size.*` and `segment.<attribute>` columns."""
        answer = self.changes_answer(survey_id, **query)
        return rows_frame(answer["items"], answer, rows_key="items")

    def trend(self, survey_id: int, *, metric: str, period: str | None = None,
              segment: str | None = None) -> dict:
        """Mann-Kendall test and Sen's slope of one group over periods."""
        return self._analytics(survey_id, "trend", metric=metric, period=period,
                               segment=segment)

    def drivers(self, survey_id: int, *, outcome: str, selector: str | None = None) -> dict:
        """The questions ranked by relative weight on an outcome."""
        return self._analytics(survey_id, "drivers", outcome=outcome, selector=selector)

    def comments(self, survey_id: int, *, question: str, selector: str | None = None) -> dict:
        """A group's free-text answers (groups of at least the comment threshold)."""
        return self._analytics(survey_id, "comments", question=question, selector=selector)

    def snapshots(self, survey_id: int, *, metric: str | None = None) -> list[dict]:
        """Every stored index score of a survey."""
        return list(self.http.pages(f"/api/v1/surveys/{survey_id}/snapshots",
                                    {"metric": metric}))

    def participation(self, survey_id: int, *, period: str | None = None,
                      segment_by=None) -> pd.DataFrame:
        """Invited (or linked) against responded, per period and segment."""
        answer = self._analytics(survey_id, "participation", period=period,
                                 segment_by=_segments(segment_by))
        return rows_frame(answer["series"], answer, rows_key="series")

    def questions(self, survey_id: int, *, selector: str | None = None) -> pd.DataFrame:
        """Every non-text question of a group: one row per question, `distribution.*`."""
        answer = self._analytics(survey_id, "questions", selector=selector)
        return rows_frame(answer["items"], answer, rows_key="items")

    def impact(self, survey_id: int, *, metric: str, treated: str, control: str, before: str,
               after: str) -> dict:
        """Difference in differences of an intervention between two groups."""
        return self._analytics(survey_id, "impact", metric=metric, treated=treated,
                               control=control, before=before, after=after)

    def linkage(self, *, employee: str, customer: str, by: str, from_=None, to=None) -> dict:
        """Correlation of employees' and customers' metrics over the teams both show."""
        return self.http.request("GET", "/api/v1/linkage", params={
            "employee": employee, "customer": customer, "by": by, "from": _when(from_),
            "to": _when(to)})

    # --- alerts ----------------------------------------------------------------------------------
    def alerts(self) -> list[dict]:
        """Every significant deterioration found by the scheduled jobs, newest first."""
        return list(self.http.pages("/api/v1/alerts"))

    def alert_deliveries(self) -> list[dict]:
        """Every webhook delivery of an alert (admin), newest first."""
        return list(self.http.pages("/api/v1/alerts/deliveries"))
