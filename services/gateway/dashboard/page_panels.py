"""The panels of a survey page, made from the answers its two rounds of calls fetched."""

from __future__ import annotations

import re
from datetime import date

from flask import url_for

from services.gateway.dashboard import analyses, detail_panels, panels
from services.gateway.dashboard.charts import heat_legend
from services.gateway.dashboard.headline import Card, MetricFormat, change_words, headline_card
from services.gateway.dashboard.labels import Period, Vocabulary, day_text, period_word, span_text
from shared.periods import PeriodError, period_label, period_range


def comparison_of(answer, segment: dict, last: Period | None) -> dict | None:
    """Return the comparison of the last period with the one before for one group.

    From a `compare` answer, or from the group's row of a `changes` answer (when it
    compares the same last period); an error becomes `{"error": message}`.
    """
    if answer is None:
        return None
    if not answer.ok:
        return {"error": answer.message}
    if "items" not in answer.body:
        return answer.body
    return next((row for row in answer.body["items"]
                 if (row.get("segment") or {}) == segment and last
                 and (row.get("b") or {}).get("period") == last.label), None)


class PagePanels:
    """Panel makers of `SurveyPage` (which holds the survey, filters, periods and answers)."""

    def link(self, **changes) -> str:
        """Return the URL of this page with some filters changed."""
        return url_for("dashboard.survey", survey_id=self.survey["id"],
                       **self.filters.query(**changes))

    def csv(self, name: str, **params) -> str:
        """Return the dashboard's download link of an API export."""
        return url_for("dashboard.export", survey_id=self.survey["id"], name=name,
                       **{k: v for k, v in params.items() if v is not None})

    @property
    def group_name(self) -> str:
        return self.words.group(self.filters.segment)

    @property
    def range_text(self) -> str:
        """The date range in words."""
        f = self.filters
        closed = f"closed {period_word(f.period, plural=True)}"
        if f.first_day and f.end:
            return f"{closed} from {day_text(f.first_day)} to {day_text(f.end)}"
        if f.first_day:
            return f"{closed} since {day_text(f.first_day)}"
        if f.end:
            return f"{closed} up to {day_text(f.end)}"
        return f"all {closed}"

    @property
    def x_name(self) -> str:
        """The name of the time axis, with the years it spans."""
        years = sorted({d.year for p in self.periods for d in p.dates if d})
        span = f"{years[0]}–{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "")
        name = {"week": "ISO week", "wave": "Wave (by opening day)"}.get(
            self.filters.period, period_word(self.filters.period).capitalize())
        return f"{name}, {span}" if span else name

    def waiting_note(self, waves, participation) -> str:
        """Return what is still open (and how many have answered so far, the one live count),
        so that nothing looks missing that is only not closed."""
        note = self._open_period_note(waves)
        rows = participation.body.get("series", []) if participation.ok else []
        live = [r for r in rows if r.get("open") and (r.get("segment") or {}) == self.filters.segment
                and r.get("rate") is not None]
        if note and live:
            row = live[-1]
            note += (f" So far {row['responded']} of {row['invited']} have answered "
                     f"({100 * row['rate']:.0f}%).")
        return note

    def _open_period_note(self, waves) -> str:
        kind = self.filters.period
        if self.filters.end and self.filters.end < self.today:
            return ""
        if kind == "wave":
            items = waves.body.get("items", []) if waves is not None and waves.ok else []
            open_waves = [w for w in items if w.get("status") == "open"]
            if not open_waves:
                return ""
            opens, closes = (date.fromisoformat(open_waves[-1][k][:10])
                             for k in ("opens_at", "closes_at"))
            return (f"A wave is open now ({span_text(opens, closes)}): its results are "
                    f"published once it closes, on {day_text(closes)}.")
        try:
            label = period_label(self.today, kind)
            start, end = period_range(label)
        except PeriodError:
            return ""
        this = "Today" if kind == "day" else f"This {period_word(kind)}"
        return (f"{this}, {Period(label, start, end).long}, is still open: its results are "
                "published once it closes.")

    def cards(self, focus_rows: dict, got: dict) -> list[Card]:
        """The headline cards, one per metric, the chosen index's first."""
        empty = (f"no closed {period_word(self.filters.period)} with responses in this "
                 "selection yet")
        cards = []
        for metric, title, key in self.metrics:
            rows = focus_rows[metric]
            aligned = [rows.get(p.label) or {"period": p.label, "start": p.start, "end": p.end}
                       for p in self.periods]
            answer = got.get(("compare", metric)) or got.get(("change", metric))
            card = headline_card(metric, title, aligned,
                                 comparison_of(answer, self.filters.segment, self.last),
                                 empty_note=empty)
            card.selected = key is not None and key == self.filters.index
            card.href = self.link(index=key) if key else None
            card.items = self.words.index_items(key) if key else []
            cards.append(card)
        return sorted(cards, key=lambda c: not c.selected)

    def trend_panels(self, focus_rows: dict, got: dict, cards: list[Card]) -> list:
        """One chart per headline metric; the chosen index's also draws the compared group."""
        f, out = self.filters, []
        significant = {c.metric: c.significant for c in cards}
        for metric, title, _ in self.metrics:
            groups = {self.group_name: focus_rows[metric]}
            if metric == self.focus_metric and f.compare:
                groups[self.words.group({f.by: f.compare})] = panels.rows_of(
                    got[("scores", metric)], {f.by: f.compare})
            out.append(panels.trend_panel(
                "trend-" + re.sub(r"[^a-z0-9_]+", "-", metric), metric, f"{title} over time",
                self.periods, groups,
                x_name=self.x_name, subtitle=" and ".join(groups),
                significant_last=significant.get(metric, False),
                csv=self.csv("scores", metric=metric, period=f.period,
                             segment_by=f.by if f.group else None, **f.range_params())))
        return sorted(out, key=lambda p: p.title != f"{self.words.index_title(f.index)} over time")

    def heatmap(self, answer):
        """The chosen index by the chosen segment and period; cells open their group's view."""
        if answer is None:
            return None
        f = self.filters

        def link(value, period):
            end = period.dates[1] if period else f.end
            return self.link(group=value, compare=None, end=end.isoformat() if end else None)

        panel = panels.heatmap_panel(
            answer, self.words, by=f.by, index_title=self.words.index_title(f.index),
            periods=self.periods, link=link,
            csv=self.csv("scores", metric=self.focus_metric, period=f.period, segment_by=f.by,
                         **f.range_params()))
        panel.extra["legend"] = heat_legend()
        return panel

    def changes(self, got):
        """The table of significant changes of every index by the chosen segment."""
        f = self.filters
        answers = {key: got[("changes", key)] for key in self.words.indices
                   if ("changes", key) in got}
        if not answers:
            return None
        return panels.changes_panel(
            answers, self.words, by=f.by, period_word=period_word(f.period), group=f.group,
            last=self.last, csv=self.csv("changes", metric=self.focus_metric, period=f.period,
                                         segment_by=f.by))

    def compare_panel(self, answer):
        """The chosen group against the compared one, in the last closed period."""
        f = self.filters
        if answer is None or not f.compare:
            return None
        other = self.words.group({f.by: f.compare})
        panel = panels.Panel("compared", f"{self.group_name} compared with {other}",
                             f"{self.words.index_title(f.index)}, {self.last.long}")
        body = comparison_of(answer, {}, self.last) or {}
        fmt = MetricFormat.of(self.focus_metric)
        _, _, verdict, _ = change_words(body, self.last, fmt)
        if body.get("error"):
            panel.note = body["error"]
        elif body.get("suppressed") or body.get("difference") is None:
            panel.note = "One of the two groups is hidden to protect a small group."
        else:
            gap = body["difference"]
            panel.note = (f"{self.group_name} {fmt.value(body['a']['value'])} "
                          f"(n {body['a']['n']}), {other} {fmt.value(body['b']['value'])} "
                          f"(n {body['b']['n']}): {other} is {'higher' if gap > 0 else 'lower'} "
                          f"by {fmt.change(gap)}, {verdict}.")
        return panel

    def drivers(self, answer):
        if answer is None:
            return None
        return panels.drivers_panel(
            answer, self.words, title=f"What moves {self.words.index_title(self.filters.index)}",
            subtitle=f"{self.group_name}, {self.last.long}")

    def comments(self, answer, focus_rows):
        if not self.comment_question:
            return None
        row = focus_rows.get(self.focus_metric, {}).get(self.last.label) if self.last else None
        return detail_panels.comments_panel(
            answer, group=self.group_name, last=self.last, group_row=row,
            comment_threshold=self.survey.get("comment_threshold") or 10,
            waiting="No closed period in view yet.")

    def questions(self, answer):
        f, last = self.filters, self.last
        return detail_panels.questions_panel(
            answer, self.words, subtitle=f"{self.group_name}, {last.long}" if last else "",
            index_items=(self.words.indices.get(f.index) or {}).get("items", []),
            csv=self.csv("questions", selector=f.selector(last.label)) if last else None,
            waiting="No closed period in view yet.")

    def participation(self, answer):
        f = self.filters
        return detail_panels.participation_panel(
            answer, self.words, segment=f.segment, kind=self.survey["kind"],
            csv=self.csv("participation", period=f.period, segment_by=f.by if f.group else None))

    def impact(self, answer):
        f = self.filters
        return analyses.impact_panel(
            answer, metric=self.focus_metric, title=self.words.index_title(f.index),
            treated=self.group_name, control=self.words.group({f.by: f.compare}))

    def linkage(self, answer):
        if answer is None or not self.partner:
            return None
        employee, customer, by = self.partner
        other = Vocabulary(self.partner_survey)
        mine = self.words
        employee_words, customer_words = (other, mine) if self.customer else (mine, other)
        employee_metric = employee.split(":", 1)[1]
        customer_metric = customer.split(":", 1)[1]
        return analyses.linkage_panel(
            answer, words=mine, by=by, employee_metric=employee_metric,
            customer_metric=customer_metric,
            employee_title=employee_words.metric_title(employee_metric),
            customer_title=("Satisfied customers" if customer_metric.startswith("top2:")
                            else customer_words.metric_title(customer_metric)))

    def preferences(self, got):
        if not self.preference:
            return []
        answers = {o: got[("share", o)] for o in self.preference.get("options") or []}
        return detail_panels.preference_panels(
            answers, self.words, question=self.preference["key"], periods=self.periods,
            segment=self.filters.segment, x_name=self.x_name)
