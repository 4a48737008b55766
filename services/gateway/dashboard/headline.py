"""Headline cards: each index's last closed period, and its change, in words a leader reads.

"Wellbeing 20 (n 46), down 18.7 since W47, significant": the value and interval come from
`scores`, the change and its test from `compare` of the last period against the one
before, both for the group the page shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.gateway.dashboard.labels import Period, number, p_text

PENDING = "being published now: reload in a moment"
HIDDEN = ("hidden to protect a small group: fewer people answered than the anonymity "
          "threshold, or showing it would let a smaller group be worked out")


@dataclass(frozen=True)
class MetricFormat:
    """How a metric's values read: its scale, unit and number of decimals."""

    lo: float
    hi: float
    percent: bool = False
    signed: bool = False

    @classmethod
    def of(cls, metric: str) -> MetricFormat:
        """Return the format of a metric by its kind."""
        kind = metric.split(":", 1)[0]
        if kind in ("share", "top2"):
            return cls(0.0, 1.0, percent=True)
        if kind == "nps":
            return cls(-100.0, 100.0, signed=True)
        return cls(0.0, 100.0)

    def value(self, value) -> str:
        """Return a value as the headline shows it: 20, +12, 62%."""
        if value is None:
            return "–"
        if self.percent:
            return f"{value * 100:.0f}%"
        return f"{value:+.0f}" if self.signed else number(value, 0)

    def change(self, difference) -> str:
        """Return the size of a change: 18.7, or 4.9 points for shares."""
        if self.percent:
            return f"{abs(difference) * 100:.1f} points"
        return number(abs(difference))

    def interval(self, low, high) -> str:
        """Return a 95% interval: 14.1–25.0, or 41–48%."""
        if low is None or high is None:
            return ""
        if self.percent:
            return f"{low * 100:.0f}–{high * 100:.0f}%"
        return f"{number(low)} to {number(high)}" if self.signed else \
            f"{number(low)}–{number(high)}"


@dataclass
class Card:
    """One headline: a metric's last closed period for the shown group."""

    metric: str
    title: str
    href: str | None = None
    selected: bool = False
    value: str = "–"
    n: int | None = None
    interval: str = ""
    period: Period | None = None
    change: str = ""
    direction: str = ""
    verdict: str = ""
    significant: bool = False
    note: str = ""
    items: list = field(default_factory=list)

    @property
    def sentence(self) -> str:
        """The card in one sentence."""
        if self.note and self.n is None:
            return f"{self.title}: {self.note}."
        text = f"{self.title} {self.value} (n {self.n})"
        if self.change:
            text += f", {self.change}"
        if self.verdict:
            text += f", {self.verdict}"
        return text + "."


def verdict(comparison: dict, fmt: MetricFormat) -> tuple[str, bool]:
    """Return what a comparison's test says, in words, and whether it is significant.

    A row of `changes` carries its p adjusted for every group of the answer, and is
    significant by it; a `compare` answer tests one pair.
    """
    adjusted = comparison.get("p_adjusted")
    p = adjusted if adjusted is not None else comparison.get("p_value")
    p_words = ("adjusted " if adjusted is not None and comparison.get("segment") else "") + \
        p_text(p)
    if comparison.get("significant"):
        return f"significant ({p_words})", True
    if p is None:
        return "no test possible (the answers do not vary)", False
    mde = comparison.get("mde")
    if mde is not None:
        return (f"not significant ({p_words}; with these group sizes only a change of "
                f"{fmt.change(mde)} or more would show)"), False
    return f"not significant ({p_words})", False


def change_words(comparison: dict | None, before: Period, fmt: MetricFormat
                 ) -> tuple[str, str, str, bool]:
    """Return (change, direction, verdict, significant) of a comparison against `before`."""
    if comparison is None:
        return "", "", "", False
    if comparison.get("error"):
        return f"no change shown ({comparison['error']})", "", "", False
    if comparison.get("suppressed") or comparison.get("difference") is None:
        return f"no change shown: {before.short} is hidden to protect a small group", "", "", \
            False
    difference = comparison["difference"]
    direction = "up" if difference > 0 else "down" if difference < 0 else "flat"
    change = (f"unchanged since {before.short}" if direction == "flat"
              else f"{direction} {fmt.change(difference)} since {before.short}")
    words, significant = verdict(comparison, fmt)
    return change, direction, words, significant


def headline_card(metric: str, title: str, rows: list[dict], comparison: dict | None,
                  *, empty_note: str) -> Card:
    """Return the card of a metric from the group's rows (oldest first) and the comparison
    of its last period with the one before (a `compare` answer or a `changes` row)."""
    fmt = MetricFormat.of(metric)
    card = Card(metric, title)
    if not rows:
        card.note = empty_note
        return card
    last = rows[-1]
    card.period = Period.of(last)
    if last.get("value") is None:
        card.note = (PENDING if last.get("pending") else HIDDEN if last.get("suppressed")
                     else f"no responses in {card.period.short}")
        return card
    card.value, card.n = fmt.value(last["value"]), last.get("n")
    card.interval = fmt.interval(last.get("ci_low"), last.get("ci_high"))
    if len(rows) >= 2:
        before = Period.of(rows[-2])
        card.change, card.direction, card.verdict, card.significant = change_words(
            comparison, before, fmt)
    else:
        card.change = "the first closed period: nothing to compare with yet"
    return card
