"""Metrics (`index:`, `item:`, `nps:`, `share:q=opt`, `top2:`, `alpha:`): parsing and computing.

A metric is checked against the survey definition once (`parse_metric`), then evaluated on
any `Summary` of that survey: its answer count, its estimate and its two-group test.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from services.metrics.stats import (
    batch_mean_estimates,
    cronbach_alpha,
    index_difference_in_differences,
    index_estimate,
    index_welch_t_test,
    mann_whitney_test,
    mean_difference_in_differences,
    mean_estimate,
    moments_from_summary,
    nps_difference_in_differences,
    nps_difference_test,
    nps_estimate,
    option_share_estimate,
    share_difference_in_differences,
    share_test,
    top2_estimate,
    welch_t_test,
)
from shared.errors import ValidationError

KINDS = ("index", "item", "nps", "share", "top2", "alpha")
KIND_HELP = "index:<index>, item:<question>, nps:<question>, share:<question>=<option>, " \
            "top2:<question> or alpha:<index>"
QUESTION_TYPES = {"item": ("likert5", "scale11"), "nps": ("scale11",), "top2": ("likert5",),
                  "share": ("likert5", "scale11", "choice")}


@dataclass(frozen=True)
class Metric:
    """A metric checked against one survey's definition."""

    text: str
    kind: str
    key: str
    option: Any = None
    qtype: str | None = None
    items: tuple = ()
    reverse: tuple = ()

    @property
    def testable(self) -> bool:
        """Return whether two groups can be compared on this metric."""
        return self.kind != "alpha"

    @property
    def count_key(self) -> str | None:
        """Return the question whose answers the threshold counts (None: respondents)."""
        return None if self.kind in ("index", "alpha") else self.key

    @property
    def parts(self) -> tuple:
        """Return the parts of the summary vectors this metric reads."""
        if self.kind == "index":
            return (f"index:{self.key}",)
        if self.kind == "alpha":
            return ("moments",)
        return (f"hist:{self.key}",)

    def estimate(self, summary):
        """Return the metric's `Estimate` (value and 95% interval) on a summary."""
        if self.kind == "index":
            return index_estimate(summary.index_hist[self.key], len(self.items))
        if self.kind == "alpha":
            return cronbach_alpha(moments_from_summary(summary), self.items, self.reverse)
        hist = summary.hist[self.key]
        if self.kind == "item":
            return mean_estimate(hist)
        if self.kind == "nps":
            return nps_estimate(hist)
        if self.kind == "top2":
            return top2_estimate(hist)
        return option_share_estimate(hist, (self.option,))

    def estimates(self, cells: list) -> list[dict]:
        """Return `Estimate.to_dict()`-like values for many cells (`vector`, `layout`, `summary`).

        Means and indices go through the vectorised engine straight from the cells' vectors
        (one t quantile per distinct sample size instead of one per cell, and no decoding);
        other metrics are computed one by one.
        """
        if self.kind not in ("index", "item") or not cells:
            return [self.estimate(c.summary).to_dict() for c in cells]
        layout = cells[0].layout
        if self.kind == "index":
            offset, items, _ = layout.indices[self.key]
            values = list(range(len(items), 5 * len(items) + 1))
        else:
            offset, options = layout.hist_slots[self.key]
            values = list(options)
        counts = np.stack([c.vector[offset:offset + len(values)] for c in cells])
        batch = batch_mean_estimates(counts, values)
        if self.kind == "index":
            scale = 25.0 / len(self.items)
            for field in ("value", "ci_low", "ci_high"):
                batch.fields[field] = scale * batch.fields[field] - 25.0
        return batch.to_dicts()

    def compare(self, a, b, alpha: float = 0.05):
        """Return the two-group test (b against a) as a `GroupTest`, with `mde` at `alpha`."""
        if self.kind == "index":
            return index_welch_t_test(a.index_hist[self.key], b.index_hist[self.key],
                                      len(self.items), alpha=alpha)
        ha, hb = a.hist[self.key], b.hist[self.key]
        if self.kind == "item":
            test = mann_whitney_test if self.qtype == "likert5" else welch_t_test
            return test(ha, hb, alpha=alpha)
        if self.kind == "nps":
            return nps_difference_test(ha, hb, alpha=alpha)
        if self.kind == "top2":
            return share_test(ha, hb, (4, 5), alpha=alpha)
        return share_test(ha, hb, (self.option,), alpha=alpha)

    def impact(self, cells: tuple, pre_periods: list):
        """Return the difference in differences (`DiffInDiff`) of four summaries.

        `cells`: treated before, treated after, control before, control after;
        `pre_periods`: (treated, control) summaries of earlier periods, None where hidden.
        """
        slot = "index_hist" if self.kind == "index" else "hist"

        def part(summary):
            return getattr(summary, slot)[self.key]

        pairs = [None if pair is None else (part(pair[0]), part(pair[1]))
                 for pair in pre_periods]
        hists = [part(summary) for summary in cells]
        if self.kind == "index":
            return index_difference_in_differences(*hists, len(self.items), pre_periods=pairs)
        if self.kind == "item":
            return mean_difference_in_differences(*hists, pre_periods=pairs)
        if self.kind == "nps":
            return nps_difference_in_differences(*hists, pre_periods=pairs)
        options = (4, 5) if self.kind == "top2" else (self.option,)
        return share_difference_in_differences(*hists, options, pre_periods=pairs)


def _questions(survey: Mapping) -> dict:
    return {q["key"]: q for q in survey["questions"]}


def parse_metric(text: str, survey: Mapping, field: str = "metric") -> Metric:
    """Return the `Metric` named by `text`, or raise a 422 naming what is allowed."""
    kind, sep, rest = (text or "").partition(":")
    if not sep or kind not in KINDS or not rest:
        raise ValidationError("Unknown metric.", {field: [f"use one of {KIND_HELP}"]})
    indices = {i["key"]: i for i in survey.get("indices", [])}
    questions = _questions(survey)
    if kind in ("index", "alpha"):
        if rest not in indices:
            allowed = ", ".join(sorted(indices)) or "none"
            raise ValidationError("Unknown index.", {field: [(f"unknown index {rest!r}; "
                                                             f"indices: {allowed}")]})
        items = tuple(indices[rest]["items"])
        reverse = tuple(bool(questions[i].get("reverse", False)) for i in items)
        return Metric(text, kind, rest, items=items, reverse=reverse)
    key, _, option = rest.partition("=") if kind == "share" else (rest, "", "")
    allowed_types = QUESTION_TYPES[kind]
    fitting = sorted(k for k, q in questions.items() if q["type"] in allowed_types)
    if key not in questions or questions[key]["type"] not in allowed_types:
        raise ValidationError("Unknown question for this metric.", {field: [
            (f"{kind}: needs a {' or '.join(allowed_types)} question; "
            f"questions: {', '.join(fitting) or 'none'}")]})
    question = questions[key]
    if kind == "share":
        option = _parse_option(question, option, field)
    return Metric(text, kind, key, option=option, qtype=question["type"])


def _parse_option(question: Mapping, raw: str, field: str):
    """Return the option value of a `share:` metric in the question's own type."""
    from shared.summaries import question_values

    values = question_values(question)
    for value in values:
        if str(value) == raw:
            return value
    raise ValidationError("Unknown option.", {field: [
        f"share:{question['key']}=<option> needs one of {', '.join(map(str, values))}"]})


def text_question(key: str, survey: Mapping, field: str = "question") -> str:
    """Return `key` if it names a text question of the survey, else raise a 422."""
    questions = _questions(survey)
    if key not in questions or questions[key]["type"] != "text":
        texts = sorted(k for k, q in questions.items() if q["type"] == "text")
        raise ValidationError("Unknown text question.", {field: [
            f"needs a text question; questions: {', '.join(texts) or 'none'}"]})
    return key


def histogram_question(key: str, survey: Mapping, field: str = "question") -> str:
    """Return `key` if it names a question with answer categories, else raise a 422."""
    questions = _questions(survey)
    if key not in questions or questions[key]["type"] == "text":
        usable = sorted(k for k, q in questions.items() if q["type"] != "text")
        raise ValidationError("Unknown question.", {field: [
            f"needs a likert5, scale11 or choice question; questions: {', '.join(usable)}"]})
    return key
