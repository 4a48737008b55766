"""Two analyses in a leader's words: did a change work (`impact`), and do teams whose staff
trust AI serve customers better (`linkage`). Numbers from the API; words and placing here."""

from __future__ import annotations

from services.gateway.dashboard.api import Answer
from services.gateway.dashboard.charts import Scale, scatter
from services.gateway.dashboard.headline import HIDDEN, PENDING, MetricFormat
from services.gateway.dashboard.labels import Period, Vocabulary, number, p_text
from services.gateway.dashboard.panels import Panel, Table, refusal, scale_of


def impact_panel(answer: Answer | None, *, metric: str, title: str, treated: str,
                 control: str) -> Panel | None:
    """The difference in differences of a group that changed against one that did not."""
    if answer is None:
        return None
    panel = Panel("impact", f"Did it work? {treated} against {control}", title)
    body = answer.body
    panel.note = _unshown(answer, "Impact analysis")
    if panel.note:
        return panel
    if body.get("suppressed") or body.get("estimate") is None:
        panel.note = f"One of the four groups and periods is {HIDDEN}."
        return panel
    fmt = MetricFormat.of(metric)
    before, after = Period.of(body["before"]), Period.of(body["after"])
    sides = []
    for name, side in ((treated, body["treated"]), (control, body["control"])):
        sides.append(f"{name} went from {fmt.value(side['before']['value'])} "
                     f"(n {side['before']['n']}) to {fmt.value(side['after']['value'])} "
                     f"(n {side['after']['n']})")
    significant = body.get("p_value") is not None and body["p_value"] < 0.05
    estimate = body["estimate"]
    panel.subtitle = f"{title}, {before.long} to {after.long}"
    panel.note = (f"{'; '.join(sides)}. The change's own effect: "
                  f"{'+' if estimate >= 0 else '−'}{fmt.change(estimate)} (95% interval "
                  f"{fmt.interval(body.get('ci_low'), body.get('ci_high'))}), "
                  f"{'significant' if significant else 'not significant'} "
                  f"({p_text(body.get('p_value'))}).")
    trend = body.get("pre_trend") or {}
    if trend.get("p_value") is None:
        panel.extra["warning"] = ("Whether the two groups were already drifting apart before "
                                  "could not be tested: too few earlier periods.")
    elif trend["p_value"] < 0.05:
        panel.extra["warning"] = (f"Before {before.short} the two groups were already drifting "
                                  f"apart ({p_text(trend['p_value'])} over {trend['periods']} "
                                  "periods): do not trust this estimate.")
    else:
        panel.extra["check"] = (f"Before {before.short} the two groups moved alike "
                                f"({p_text(trend['p_value'])} over {trend['periods']} periods), "
                                "as the estimate needs.")
    return panel


def linkage_panel(answer: Answer | None, *, words: Vocabulary, employee_title: str,
                  customer_title: str, customer_metric: str, employee_metric: str,
                  by: str) -> Panel | None:
    """Teams' employee score against their customers' score, with the correlation."""
    if answer is None:
        return None
    name = words.attribute(by).lower()
    panel = Panel("linkage", f"Do {name}s whose staff score higher serve customers better?",
                  f"Employees' {employee_title} against customers' {customer_title.lower()}, "
                  f"one point per {name}, over the closed periods in view")
    body = answer.body
    panel.note = _unshown(answer, "Linkage")
    if panel.note:
        return panel
    points = body.get("points") or []
    employee_fmt, customer_fmt = MetricFormat.of(employee_metric), MetricFormat.of(customer_metric)
    marks, rows = [], []
    for point in points:
        team = words.value((point.get("segment") or {}).get(by, ""))
        e, c = point["employee"], point["customer"]
        marks.append((e["value"], c["value"], (f"{team}: {employee_fmt.value(e['value'])} "
                      f"(n {e['n']}) and {customer_fmt.value(c['value'])} (n {c['n']})")))
        rows.append([team, e["n"], employee_fmt.value(e["value"]), c["n"],
                     customer_fmt.value(c["value"])])
    y = Scale(*_range(customer_metric), f"{customer_title} ({_unit(customer_metric)})",
              percent=customer_fmt.percent)
    x = Scale(*_range(employee_metric), f"{employee_title} ({_unit(employee_metric)})",
              percent=employee_fmt.percent)
    panel.chart = scatter(panel.title, marks, x=x, y=y) if marks else None
    panel.table = Table([words.attribute(by), "Employees (n)", employee_title, "Customers (n)",
                         customer_title], rows)
    pearson = body.get("pearson") or {}
    r = pearson.get("r")
    if r is not None:
        strength = "closely" if abs(r) >= 0.7 else "somewhat" if abs(r) >= 0.3 else "hardly"
        panel.note = (f"Across {body.get('groups')} {name}s the two {strength} go together "
                      f"(r = {number(r, 2)}, 95% interval {number(pearson.get('ci_low'), 2)} "
                      f"to {number(pearson.get('ci_high'), 2)}, {p_text(pearson.get('p_value'))})."
                      " Going together is not proof that one causes the other.")
    return panel


def _unshown(answer: Answer, what: str) -> str | None:
    """Why an analysis shows nothing yet: the API refused it, or a period is being decided."""
    why = refusal(answer, what)
    if why:
        return why
    return f"A period it needs is {PENDING}." if answer.body.get("pending") else None


def _range(metric: str) -> tuple[float, float]:
    scale = scale_of(metric)
    if metric.startswith("item:"):
        return 1.0, 5.0
    return scale.lo, scale.hi


def _unit(metric: str) -> str:
    kind = metric.split(":", 1)[0]
    return {"index": "0–100", "item": "mean, 1–5", "nps": "−100 to 100"}.get(kind, "%")
