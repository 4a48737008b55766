"""Engine inputs: histograms and moments, and how to take them from a `Summary`.

The engine never reads raw answers. It takes

* a **histogram**: a mapping ``value -> count`` (or a pair of parallel sequences
  ``(values, counts)``) of one question or one index's item sums, and
* **moments**: the response count ``n``, the sums ``sum(x_i)`` of the numeric variables and
  their cross-product sums ``sum(x_i * x_j)``, all exact integers.

Both come straight from ``shared.summaries.Summary``; the helpers at the end of this module
read them from any object with that summary's attributes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

HistogramLike = Mapping[Any, int] | tuple[Sequence[Any], Sequence[int]]


def is_numeric(values) -> bool:
    """Return whether every value is a number (an int or float, not a bool)."""
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def histogram_items(hist: HistogramLike) -> tuple[tuple, tuple[int, ...]]:
    """Return ``(values, counts)`` of a histogram, counts as Python ints.

    Numeric values are sorted ascending; other values (choice options) keep their order.
    Negative counts raise ``ValueError``.
    """
    if isinstance(hist, Mapping):
        values, counts = tuple(hist.keys()), tuple(hist.values())
    else:
        values, counts = tuple(hist[0]), tuple(hist[1])
    if len(values) != len(counts):
        raise ValueError("a histogram needs as many counts as values")
    counts = tuple(int(c) for c in counts)
    if any(c < 0 for c in counts):
        raise ValueError("histogram counts cannot be negative")
    if is_numeric(values):
        order = sorted(range(len(values)), key=values.__getitem__)
        values = tuple(values[i] for i in order)
        counts = tuple(counts[i] for i in order)
    return values, counts


def power_sums(hist: HistogramLike) -> tuple[int, int | float, int | float]:
    """Return ``(n, sum(x), sum(x**2))`` of a numeric histogram.

    Integer values give exact Python ints, so that ``n * sum(x**2) - sum(x)**2`` is exact.
    """
    values, counts = histogram_items(hist)
    n = sum(counts)
    s1 = sum(v * c for v, c in zip(values, counts))
    s2 = sum(v * v * c for v, c in zip(values, counts))
    return n, s1, s2


def squared_standard_error(n: int, s1, s2) -> float:
    """Return the squared standard error ``s**2 / n`` of a mean from ``n``, ``sum(x)``, ``sum(x**2)``.

    Formed as ``(n * s2 - s1**2) / (n**2 (n - 1))``, an exact numerator for integer answers
    (``n >= 2``).
    """
    return (n * s2 - s1 * s1) / (n * n * (n - 1))


def indicator_sums(hist: HistogramLike, options) -> tuple[int, int, int]:
    """Return the power sums ``(n, x, x)`` of the 0/1 indicator "answer in ``options``"."""
    chosen, n = option_counts(hist, options)
    return n, chosen, chosen


def option_counts(hist: HistogramLike, options) -> tuple[int, int]:
    """Return ``(answers in options, all answers)`` of a histogram."""
    values, counts = histogram_items(hist)
    chosen = set(options)
    return sum(c for v, c in zip(values, counts) if v in chosen), sum(counts)


@dataclass(frozen=True)
class Moments:
    """First and second raw moments of ``p`` numeric variables, as exact integers.

    Attributes
    ----------
    n : int
        Number of respondents.
    sums : tuple of int
        ``sum(x_i)`` over respondents, per variable.
    cross : tuple of tuple of int
        ``sum(x_i * x_j)`` over respondents, a symmetric p x p table of raw values.
    variables : tuple of str
        Names of the variables, in the order of ``sums``.
    """

    n: int
    sums: tuple
    cross: tuple
    variables: tuple = ()

    def __post_init__(self):
        p = len(self.sums)
        if len(self.cross) != p or any(len(row) != p for row in self.cross):
            raise ValueError("cross must be a p x p table matching sums")
        if not self.variables:
            object.__setattr__(self, "variables", tuple(str(i) for i in range(p)))
        if len(self.variables) != p:
            raise ValueError("variables must name every column of sums")
        object.__setattr__(self, "sums", tuple(self.sums))
        object.__setattr__(self, "cross", tuple(tuple(row) for row in self.cross))

    def position(self, variable: str | int) -> int:
        """Return the column of a variable given by name or position."""
        if isinstance(variable, int) and not isinstance(variable, bool):
            if not 0 <= variable < len(self.sums):
                raise ValueError(f"no variable at position {variable}")
            return variable
        try:
            return self.variables.index(variable)
        except ValueError:
            raise ValueError(f"unknown variable {variable!r}") from None

    def scatter(self, i: int, j: int) -> int:
        """Return ``n * sum(x_i x_j) - sum(x_i) sum(x_j)``: n(n-1) times the covariance."""
        return self.n * self.cross[i][j] - self.sums[i] * self.sums[j]


def reverse_flags(items: Sequence, reverse) -> list[bool]:
    """Return one reverse-scoring flag per item, from flags or from a set of item names."""
    if not reverse:
        return [False] * len(items)
    reverse = list(reverse)
    if all(isinstance(r, bool) for r in reverse):
        if len(reverse) != len(items):
            raise ValueError("reverse flags must be one per item")
        return reverse
    names = set(reverse)
    return [item in names for item in items]


def moments_from_summary(summary) -> Moments:
    """Return the `Moments` of a ``shared.summaries.Summary``."""
    return Moments(
        n=summary.n, sums=summary.sums, cross=summary.cross, variables=summary.variables
    )


def question_histogram(summary, question: str) -> dict:
    """Return the histogram ``value -> count`` of one question of a summary."""
    return dict(summary.hist[question])


def index_histogram(summary, index: str) -> dict:
    """Return the histogram ``item_sum -> count`` of one index of a summary."""
    return dict(summary.index_hist[index])
