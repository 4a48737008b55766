"""One survey's page, put together from the public API in two rounds of parallel calls.

The first round asks what the filter state alone names: every headline metric over the
chosen periods, its change from the period before (`changes`, which also fills the table
of significant changes), the breakdown, alerts and participation. Its answers name the
last closed period in view; the second round asks about that period: drivers, comments,
question results and compare-with (and the headline comparisons, when the date range ends
before the last closed period, which `changes` always compares).

Every call costs the metrics service a read of the survey's summaries, so the page asks
each question once: answers are shared between panels, and a group's view reads the
segment's rows instead of asking for everyone's too.
"""

from __future__ import annotations

from datetime import date

from services.gateway.dashboard import panels
from services.gateway.dashboard.api import Call, PublicApi
from services.gateway.dashboard.filters import Filters, periods_of
from services.gateway.dashboard.labels import Period, Vocabulary
from services.gateway.dashboard.page_panels import PagePanels


def _first(survey: dict, kind: str, key: str | None = None) -> dict | None:
    """The survey's question named `key`, else its first question of type `kind`."""
    questions = [q for q in survey.get("questions") or [] if q.get("type") == kind]
    return next((q for q in questions if q["key"] == key), questions[0] if questions else None)


def outcome_of(survey: dict) -> str:
    """A customer survey's outcome for linkage: the share satisfied, else its first index."""
    csat = _first(survey, "likert5", "csat")
    if csat and csat["key"] == "csat":
        return f"top2:{csat['key']}"
    indices = survey.get("indices") or []
    return f"index:{indices[0]['key']}" if indices else f"top2:{csat['key']}"


class SurveyPage(PagePanels):
    """The calls, answers and panels of one survey page."""

    def __init__(self, api: PublicApi, survey: dict, filters: Filters, today: date):
        self.api, self.survey, self.filters, self.today = api, survey, filters, today
        self.words = Vocabulary(survey)
        self.base = f"/api/v1/surveys/{survey['id']}"
        self.customer = survey.get("kind") == "customer_ai"
        self.metrics = [(f"index:{key}", self.words.index_title(key), key)
                        for key in self.words.indices]
        if self.customer:
            recommend = _first(survey, "scale11", "recommend")
            csat = _first(survey, "likert5", "csat")
            if recommend:
                self.metrics.append((f"nps:{recommend['key']}", "Net promoter score", None))
            if csat:
                self.metrics.append((f"top2:{csat['key']}", "Satisfied customers", None))
        self.preference = _first(survey, "choice", "next_preference") if self.customer else None
        self.comment_question = _first(survey, "text", "comment")
        self.focus_metric = (f"index:{filters.index}" if filters.index
                             else self.metrics[0][0] if self.metrics else None)
        self.periods: list[Period] = []
        self.last: Period | None = None
        self.values: dict[str, list[str]] = {}
        self.partner: tuple[str, str, str] | None = None
        self.partner_survey: dict | None = None
        self.outcome_metric = outcome_of(survey)

    @property
    def segmented(self) -> bool:
        """Whether the page shows a group: its rows come from a breakdown by the segment."""
        return bool(self.filters.group and self.filters.by)

    @property
    def ends_early(self) -> bool:
        """Whether the date range ends before the last closed period (which `changes` uses)."""
        return bool(self.filters.end and self.filters.end < self.today)

    def scores(self, metric: str, segment_by: str | None = None) -> Call:
        """The `scores` call of a metric over the chosen periods."""
        return Call.of(f"{self.base}/scores", metric=metric, period=self.filters.period,
                       segment_by=segment_by, **self.filters.range_params())

    def changes_call(self, metric: str, segment_by: str | None) -> Call:
        """The `changes` call of a metric: the last closed period against the one before."""
        return Call.of(f"{self.base}/changes", metric=metric, period=self.filters.period,
                       segment_by=segment_by)

    def first_round(self) -> dict:
        """Return the first round's calls by name."""
        f, by = self.filters, self.filters.by
        split = by if self.segmented else None
        calls = {("scores", m): self.scores(m, split) for m, _, _ in self.metrics}
        if by and self.focus_metric:
            calls["heat"] = self.scores(self.focus_metric, by)
        if not self.ends_early:
            calls.update({("change", m): self.changes_call(m, split) for m, _, _ in self.metrics})
        if by:
            calls.update({("changes", k): self.changes_call(f"index:{k}", by)
                          for k in self.words.indices})
        if f.period == "wave":
            calls["waves"] = Call.of(f"{self.base}/waves", limit=500)
        calls["alerts"] = Call.of("/api/v1/alerts")
        calls["surveys"] = Call.of("/api/v1/surveys", limit=100)
        calls["participation"] = Call.of(f"{self.base}/participation", period=f.period,
                                         segment_by=split)
        for option in (self.preference or {}).get("options") or []:
            calls[("share", option)] = self.scores(f"share:{self.preference['key']}={option}",
                                                   split)
        return calls

    def second_round(self, before: Period | None) -> dict:
        """Return the calls about the last closed period in view, by name."""
        f, last, calls = self.filters, self.last, {}
        if last is None:
            return calls
        if self.ends_early and before:
            calls.update({("compare", m): Call.of(
                f"{self.base}/compare", metric=m, a=f.selector(before.label),
                b=f.selector(last.label)) for m, _, _ in self.metrics})
        if f.compare and self.focus_metric:
            calls["compare-with"] = Call.of(
                f"{self.base}/compare", metric=self.focus_metric, a=f.selector(last.label),
                b=f.selector(last.label, group=f.compare))
        if self.focus_metric and self.focus_metric.startswith("index:"):
            calls["drivers"] = Call.of(f"{self.base}/drivers", outcome=self.focus_metric,
                                       selector=f.selector(last.label))
        if self.comment_question:
            calls["comments"] = Call.of(f"{self.base}/comments",
                                        question=self.comment_question["key"],
                                        selector=f.selector(last.label))
        calls["questions"] = Call.of(f"{self.base}/questions", selector=f.selector(last.label))
        if f.compare and f.before and f.after and self.focus_metric:
            calls["impact"] = Call.of(f"{self.base}/impact", metric=self.focus_metric,
                                      treated=f.selector(), before=f.before, after=f.after,
                                      control=f.selector(group=f.compare))
        if self.partner:
            employee, customer, by = self.partner
            calls["linkage"] = Call.of("/api/v1/linkage", employee=employee, customer=customer,
                                       by=by, **f.range_params())
        return calls

    def find_partner(self, surveys) -> None:
        """Pick the survey of the other side sharing a segment (a team, a site) for linkage."""
        self.partner = None
        if surveys is None or not surveys.ok or not self.focus_metric:
            return
        mine = self.survey.get("segments") or []
        for other in surveys.body.get("items", []):
            shared = [a for a in other.get("segments") or [] if a in mine]
            if other.get("kind") == self.survey.get("kind") or not shared:
                continue
            by = "team" if "team" in shared else shared[0]
            if self.customer:
                employee = next(iter(other.get("indices") or []), None)
                if employee:
                    self.partner = (f"{other['id']}:index:{employee['key']}",
                                    f"{self.survey['id']}:{self.outcome_metric}", by)
                    self.partner_survey = other
            else:
                self.partner = (f"{self.survey['id']}:{self.focus_metric}",
                                f"{other['id']}:{outcome_of(other)}", by)
                self.partner_survey = other
            return

    def _fetch(self, calls: dict) -> dict:
        answers = self.api.get_many(calls.values())
        return {name: answers[call] for name, call in calls.items()}

    def _check_groups(self, heat) -> None:
        """Keep a group only if the segment has it (group options follow the segment)."""
        f = self.filters
        if heat is None or not heat.ok:
            return
        self.values[f.by] = sorted({str((r.get("segment") or {}).get(f.by))
                                    for r in heat.body.get("series", [])})
        known, name = self.values[f.by], self.words.attribute(f.by).lower()
        if f.group and f.group not in known:
            self.filters = f.without_group(
                f"No {name} called “{f.group}” answered in this range; showing everyone.")
        elif f.compare and f.compare not in known:
            self.filters = f.without_compare(
                f"No {name} called “{f.compare}” answered in this range.")

    def build(self) -> dict:
        """Fetch everything and return the template's context."""
        got = self._fetch(self.first_round())
        had_group = self.segmented
        self._check_groups(got.get("heat"))
        if had_group and not self.segmented:
            got.update(self._fetch(self.first_round()))  # the group was dropped: everyone
        f = self.filters
        focus_rows = {m: panels.rows_of(got[("scores", m)], f.segment) for m, _, _ in self.metrics}
        self.periods = panels.timeline(got[("scores", self.focus_metric)]) \
            if self.focus_metric else []
        self.last = self.periods[-1] if self.periods else None
        before = self.periods[-2] if len(self.periods) >= 2 else None
        self.find_partner(got.get("surveys"))
        got.update(self._fetch(self.second_round(before)))
        cards = self.cards(focus_rows, got)
        return {"cards": cards, "filters": f, "periods_offered": periods_of(self.survey),
                "group_options": {a: [(v, self.words.value(v)) for v in values]
                                  for a, values in self.values.items()},
                "words": self.words, "last": self.last, "range_text": self.range_text,
                "vocabularies": {self.survey["id"]: self.words},
                "waiting": self.waiting_note(got.get("waves"), got["participation"]),
                "pending": self.api.pending,
                "trends": self.trend_panels(focus_rows, got, cards),
                "heat": self.heatmap(got.get("heat")), "changes": self.changes(got),
                "compare": self.compare_panel(got.get("compare-with")),
                "drivers": self.drivers(got.get("drivers")),
                "comments": self.comments(got.get("comments"), focus_rows),
                "questions": self.questions(got.get("questions")),
                "participation": self.participation(got["participation"]),
                "preference": self.preferences(got),
                "impact": self.impact(got.get("impact")), "linkage": self.linkage(got.get("linkage")),
                "alerts": [a for a in got["alerts"].body.get("items", [])
                           if a.get("survey_id") == self.survey["id"]]
                if got["alerts"].ok else []}
