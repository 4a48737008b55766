"""Words for what the API names by key: indices, questions, metrics, groups and periods.

Every title comes from the survey definition (an index's `title`, a question's `text`,
a choice's `option_labels`); keys the definition gives no words for (segment attributes
and their values) are written as words, never shown raw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.periods import PeriodError, granularity_of, period_range

# Short words that read as initials.
INITIALS = {"ai", "hr", "it", "uk", "us", "eu", "apac", "emea", "nps", "csat", "sms", "faq"}
PERIOD_WORDS = {"day": ("day", "days"), "week": ("week", "weeks"), "month": ("month", "months"),
                "quarter": ("quarter", "quarters"), "wave": ("wave", "waves")}


def words(key: str) -> str:
    """Return a key written as words: `handled_by` -> "Handled by", `ai` -> "AI"."""
    text = str(key)
    if not text or any(c.isupper() for c in text) or " " in text:
        return text  # already written for people
    parts = [p for p in text.replace("-", "_").split("_") if p]
    shown = [p.upper() if p in INITIALS else p for p in parts]
    if shown and shown[0] == parts[0]:
        shown[0] = shown[0][:1].upper() + shown[0][1:]
    return " ".join(shown)


def period_word(granularity: str, plural: bool = False) -> str:
    """Return "week" or "weeks" (and so on) for a granularity."""
    return PERIOD_WORDS.get(granularity, (granularity, granularity + "s"))[plural]


def day_text(day: date, *, year: bool = True) -> str:
    """Return a date as people write it: 23 Nov 2026."""
    return f"{day.day} {day:%b}" + (f" {day.year}" if year else "")


def span_text(start: date, end: date) -> str:
    """Return a date span: "23–29 Nov 2026", "30 Nov – 6 Dec 2026" or one day."""
    if start == end:
        return day_text(start)
    if start.year != end.year:
        return f"{day_text(start)} – {day_text(end)}"
    if start.month != end.month:
        return f"{day_text(start, year=False)} – {day_text(end)}"
    return f"{start.day}–{day_text(end)}"


@dataclass(frozen=True)
class Period:
    """A period as the API names it, with its dates."""

    label: str
    start: date | None = None
    end: date | None = None

    @classmethod
    def of(cls, row: dict | None) -> Period | None:
        """Return the period a row of the API names (its `period`, `start` and `end`)."""
        if not row or not row.get("period"):
            return None
        return cls(row["period"], _date(row.get("start")), _date(row.get("end")))

    @property
    def granularity(self) -> str:
        try:
            return granularity_of(self.label)
        except PeriodError:
            return ""

    @property
    def dates(self) -> tuple[date | None, date | None]:
        """The first and last day, from the row or else from the label."""
        if self.start and self.end:
            return self.start, self.end
        if self.granularity not in ("day", "week", "month", "quarter"):
            return None, None  # a wave's dates are the wave's, given by the rows
        try:
            return period_range(self.label)
        except PeriodError:
            return None, None

    @property
    def short(self) -> str:
        """A short name for an axis or a sentence: W48, Nov 2026, Q4 2026, 30 Nov."""
        kind = self.granularity
        if kind == "week":
            return f"W{self.label[-2:].lstrip('0')}"
        if kind == "quarter":
            return f"{self.label[-2:]} {self.label[:4]}"
        start, end = self.dates
        if kind == "month" and end:
            return f"{date(int(self.label[:4]), int(self.label[5:7]), 1):%b %Y}"
        if kind == "day" and start:
            return day_text(start, year=False)
        if kind == "wave" and start:
            return f"wave of {day_text(start, year=False)}"
        return self.label

    @property
    def tick(self) -> str:
        """The shortest name, for an axis whose name says the kind: W48, 23 Nov (a wave)."""
        start, _ = self.dates
        if self.granularity == "wave" and start:
            return day_text(start, year=False)
        return self.short

    @property
    def long(self) -> str:
        """The period with its dates: "week 48 (23–29 Nov 2026)"."""
        start, end = self.dates
        kind = self.granularity
        if kind == "day" and start:
            return day_text(start)
        name = {"week": f"week {self.label[-2:].lstrip('0')}", "wave": "wave"}.get(kind, self.short)
        if not start:
            return name
        return f"{name} ({span_text(start, end)})"


def _date(text) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text else None
    except ValueError:
        return None


class Vocabulary:
    """The words of one survey's definition."""

    def __init__(self, survey: dict):
        self.survey = survey
        self.indices = {i["key"]: i for i in survey.get("indices") or []}
        self.questions = {q["key"]: q for q in survey.get("questions") or []}

    def index_title(self, key: str) -> str:
        """Return an index's title."""
        return (self.indices.get(key) or {}).get("title") or words(key)

    def question_text(self, key: str) -> str:
        """Return a question's wording."""
        return (self.questions.get(key) or {}).get("text") or words(key)

    def option(self, question: str, option: str) -> str:
        """Return the words of one option of a choice question."""
        labels = (self.questions.get(question) or {}).get("option_labels") or {}
        return labels.get(option) or words(option)

    def metric_title(self, metric: str) -> str:
        """Return a metric's title: "Wellbeing", "Net promoter score", "Prefers AI"."""
        kind, _, rest = metric.partition(":")
        if kind == "index":
            return self.index_title(rest)
        if kind == "nps":
            return "Net promoter score"
        if kind == "top2":
            return f"Agree: {self.question_text(rest)}"
        if kind == "share":
            question, _, option = rest.partition("=")
            return f"Answer “{self.option(question, option)}”"
        if kind in ("item", "alpha"):
            return self.question_text(rest) if kind == "item" else self.index_title(rest)
        return words(metric)

    def index_items(self, key: str) -> list[dict]:
        """Return the questions an index is made of (with whether each is reversed)."""
        return [self.questions.get(item) or {"key": item, "text": words(item)}
                for item in (self.indices.get(key) or {}).get("items") or []]

    @staticmethod
    def attribute(key: str) -> str:
        """Return a segment attribute's name."""
        return words(key)

    @staticmethod
    def value(value) -> str:
        """Return a segment value's name."""
        return words(value)

    def group(self, segment: dict | None) -> str:
        """Return a group's name: "Billing (department)", or "Everyone"."""
        if not segment:
            return "Everyone"
        return ", ".join(f"{self.value(v)} ({self.attribute(k).lower()})"
                         for k, v in segment.items())


def number(value, digits: int = 1) -> str:
    """Return a number for display (a dash when there is none)."""
    if value is None:
        return "–"
    text = f"{value:.{digits}f}"
    return "0" if text.strip("-0.") == "" else text


def p_text(p) -> str:
    """Return a p-value as people read it: "p < 0.001", "p = 0.03"."""
    if p is None:
        return "no test"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.01 else f"p = {p:.2f}"


def moment_text(text: str | None) -> str:
    """Return an API time (ISO 8601, UTC) as "2026-12-01 10:19 UTC"."""
    if not text:
        return ""
    return f"{text[:10]} {text[11:16]} UTC" if len(text) >= 16 else text
