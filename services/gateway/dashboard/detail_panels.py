"""Panels of one group in one period: comments, question results, participation, preferences."""

from __future__ import annotations

from services.gateway.dashboard.api import Answer
from services.gateway.dashboard.charts import bar, stacked_bar
from services.gateway.dashboard.headline import HIDDEN, MetricFormat
from services.gateway.dashboard.labels import Period, Vocabulary, number
from services.gateway.dashboard.panels import Panel, Table, refusal, rows_of, trend_panel

COMMENTS_SHOWN = 8


def comments_panel(answer: Answer | None, *, group: str, last: Period | None,
                   group_row: dict | None, comment_threshold: int, waiting: str) -> Panel:
    """The group's comments in the last closed period, or the true reason there are none."""
    title = "Comments"
    if last is None or answer is None:
        return Panel("comments", title, note=waiting)
    subtitle = f"{group}, {last.long}"
    why = refusal(answer, "Comments")
    if why:
        return Panel("comments", title, subtitle, note=why)
    body = answer.body
    if body.get("suppressed"):
        n = (group_row or {}).get("n")
        if n is None:
            note = f"Comments are {HIDDEN}."
        elif n < comment_threshold:
            note = (f"Comments are shown only for groups of at least {comment_threshold} "
                    f"respondents; {n} answered in {last.short}.")
        else:
            note = (f"Withheld although {n} people answered: showing them would let the "
                    "comments of a smaller group be worked out from this one.")
        return Panel("comments", title, subtitle, note=note)
    texts = body.get("comments") or []
    if not texts:
        return Panel("comments", title, subtitle, note=(
            f"No comment can be shown for {last.short}: none was written, or each came from "
            f"a group smaller than {comment_threshold}, whose comments are never shown."))
    panel = Panel("comments", title, subtitle, note=(
        f"{min(len(texts), COMMENTS_SHOWN)} of {len(texts)} comments, in random order; "
        "comments carry no time and no finer group."))
    panel.extra = {"comments": texts[:COMMENTS_SHOWN]}
    return panel


def _likert_bar(item: dict) -> object:
    parts = [("fav", item.get("favourable"), "Favourable (agree, 4–5)"),
             ("neu", item.get("neutral"), "Neutral (3)"),
             ("unf", item.get("unfavourable"), "Unfavourable (disagree, 1–2)")]
    return stacked_bar([(css, share, f"{name}: {number(100 * share, 0)}%")
                        for css, share, name in parts if share is not None])


def questions_panel(answer: Answer | None, words: Vocabulary, *, subtitle: str,
                    index_items: list[str], csv: str | None, waiting: str) -> Panel:
    """Every closed question of the group: favourable, neutral and unfavourable shares."""
    title = "Question by question"
    if answer is None:
        return Panel("questions", title, note=waiting)
    why = refusal(answer, "Question-level results")
    if why:
        return Panel("questions", title, subtitle, note=why)
    if answer.body.get("suppressed") or answer.body.get("n") is None:
        return Panel("questions", title, subtitle, note=f"This group is {HIDDEN}.")
    items = sorted(answer.body.get("items", []),
                   key=lambda i: (i.get("question") not in index_items,))
    rows, shown = [], []
    for item in items:
        text = words.question_text(item["question"])
        pct = [f"{number(100 * item[k], 0)}%" if item.get(k) is not None else "–"
               for k in ("favourable", "neutral", "unfavourable")]
        mean = (f"{number(item.get('mean'), 2)} ({number(item.get('ci_low'), 2)}–"
                f"{number(item.get('ci_high'), 2)})" if item.get("mean") is not None else "–")
        rows.append([text, item.get("n") if item.get("n") is not None else "hidden", *pct, mean])
        chart = _likert_bar(item) if item.get("type") == "likert5" else None
        if item.get("type") == "choice":
            chart = stacked_bar([(f"c{k % 4}", share,
                                  (f"{words.option(item['question'], option)}: "
                                  f"{number(100 * share, 0)}%"))
                                 for k, (option, share) in enumerate(
                                     (item.get("distribution") or {}).items())])
        shown.append({"label": text, "chart": chart, "in_index": item["question"] in index_items,
                      "value": pct[0] if item.get("type") == "likert5" else mean})
    panel = Panel("questions", title, subtitle, table=Table(
        ["Question", "n", "Favourable", "Neutral", "Unfavourable", "Mean (95% interval)"],
        rows, csv))
    panel.extra = {"question_bars": shown}
    return panel


def participation_panel(answer: Answer, words: Vocabulary, *, segment: dict, csv: str | None,
                        kind: str) -> Panel:
    """Invitations (or links) against responses per period; live for an open wave."""
    title = "Participation"
    why = refusal(answer, "Participation")
    if why:
        return Panel("participation", title, note=why)
    invited_word = "Invited" if kind == "employee_pulse" else "Links sent"
    rows, bars = [], []
    for row in answer.body.get("series", []):
        if (row.get("segment") or {}) != segment:
            continue
        period = Period.of(row)
        name = period.long + (" (open now)" if row.get("open") else "")
        if row.get("suppressed") or row.get("rate") is None:
            rows.append([name, "hidden", "hidden", "–"])
            continue
        rate = f"{number(100 * row['rate'], 0)}%"
        rows.append([name, row.get("invited"), row.get("responded"), rate])
        bars.append({"label": name, "value": rate, "chart": bar(
            row["rate"], f"{name}: {row.get('responded')} of {row.get('invited')} ({rate})")})
    if not rows:
        return Panel("participation", title, note="No invitations or links in this selection.")
    panel = Panel("participation", title, words.group(segment),
                  table=Table(["Period", invited_word, "Responded", "Rate"], rows, csv))
    panel.extra = {"bars": bars[-6:]}
    return panel


def preference_panels(answers: dict[str, Answer], words: Vocabulary, *, question: str,
                      periods: list[Period], segment: dict, x_name: str) -> list[Panel]:
    """Next-time preference: the last period's shares with intervals, and shares over time."""
    title = words.question_text(question)
    for answer in answers.values():
        why = refusal(answer, "Preferences")
        if why:
            return [Panel("preference", title, note=why)]
    groups = {words.option(question, option): rows_of(answer, segment)
              for option, answer in answers.items()}
    if not periods:
        return [Panel("preference", title, note="No closed period with responses yet.")]
    last = periods[-1]
    fmt = MetricFormat.of("share:")
    bars = []
    for name, rows in groups.items():
        row = rows.get(last.label) or {}
        tip = (f"{name}: {fmt.value(row.get('value'))} (95% interval "
               f"{fmt.interval(row.get('ci_low'), row.get('ci_high'))})")
        bars.append({"label": name, "value": fmt.value(row.get("value")), "chart": bar(
            row.get("value"), tip, low=row.get("ci_low"), high=row.get("ci_high"))})
    latest = Panel("preference", title, f"{words.group(segment)}, {last.long}; lines are 95% "
                   "intervals")
    latest.extra = {"bars": bars}
    over_time = trend_panel("preference-trend", "share:", "Preferences over time", periods, groups,
                            x_name=x_name, subtitle="Intervals are in the table")
    return [latest, over_time]
